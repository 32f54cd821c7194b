"""SPEC §14 (K-1…K-4) through the API: scheduled price changes read by instant, price-rise
notices, campaigns as data, audited edits, operators only.

Figures: BASIC = RTC_PREMIUM 1500.00 + IM_PRO 1499.00 = 2999.00 a month; FIRST_ORDER is 49 % and
ALL_CUSTOMERS 73 % of the list price (BASIC 3374.00 → 1653.26 / 2463.02). The clock starts at
START (2027-01-10 00:00 Asia/Shanghai); a 1-month package bought then expires at ONE_MONTH.
"""

import json
from datetime import UTC, datetime, timedelta

import pytest

from app.domain.catalog.models import CatalogChange, PriceChange
from app.domain.catalog.seed import seed_catalog
from tests.conftest import OPERATOR, START
from tests.factories import new_account, new_app
from tests.gql import data, error_codes, gql
from tests.money import (
    advance,
    credit,
    entitlements,
    events,
    of_type,
    orders_of,
    purchase,
    renew,
)

SECOND = timedelta(seconds=1)
ONE_MONTH = datetime(2027, 2, 9, 16, 0, tzinfo=UTC)  # 2027-02-10 00:00 Asia/Shanghai

SCHEDULE = """mutation($c: String!, $p: Decimal!, $at: DateTime!) {
  schedulePriceChange(component: $c, price: $p, effectiveAt: $at) {
    priceChange { id component price { amount } effectiveAt createdAt cancelled } errors { code field message } } }"""
CANCEL = """mutation($id: ID!) { cancelPriceChange(id: $id) {
  priceChange { id cancelled } errors { code field message } } }"""
PRICE_CHANGES = """query($c: String) { priceChanges(component: $c) {
  id component price { amount } effectiveAt cancelled } }"""
UPSERT = """mutation($input: CampaignInput!) { upsertCampaign(input: $input) {
  campaign { code percentOfList editions firstOrderOnly startsAt endsAt enabled } errors { code field message } } }"""
CAMPAIGNS = "{ campaigns { code percentOfList editions firstOrderOnly startsAt endsAt enabled } }"
SET_LIST_PRICE = """mutation($e: EditionCode!, $p: Decimal!) { setListPrice(edition: $e, price: $p) {
  edition { code listPrice { amount } currentPrice { amount } } errors { code field message } } }"""
SET_FEATURE = """mutation($e: EditionCode!, $f: String!, $inc: Boolean!, $v: String) {
  setEditionFeature(edition: $e, feature: $f, included: $inc, value: $v) {
    edition { code maxParticipants features { feature { code } included value } } errors { code field message } } }"""
CHANGES = """query($first: Int, $after: String) { catalogChanges(first: $first, after: $after) {
  edges { cursor node { id at kind subject before after } } pageInfo { hasNextPage endCursor } } }"""
EDITIONS = "{ editions { code listPrice { amount } currentPrice { amount } } }"
QUOTE = """query($e: EditionCode!, $m: Int!) { quote(edition: $e, months: $m) {
  lines { months amount { amount } campaign } total { amount } } }"""
UPGRADE = """mutation($input: UpgradeInput!) { upgradePackage(input: $input) {
  order { amount { amount } lines { amount { amount } } } errors { code field message } } }"""


@pytest.fixture(autouse=True)
async def restore_catalog():
    """The catalog tables are not emptied between tests: put the seeded catalog back afterwards."""
    yield
    await seed_catalog(reset=True)


def iso(instant: datetime) -> str:
    return instant.isoformat()


async def schedule(client, component, price, at, token=OPERATOR) -> dict:
    result = await gql(client, SCHEDULE, {"c": component, "p": price, "at": iso(at)}, token)
    return data(result)["schedulePriceChange"]


def codes(payload: dict) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


async def current_prices(client) -> dict[str, tuple[str, str]]:
    return {
        e["code"]: (e["listPrice"]["amount"], e["currentPrice"]["amount"])
        for e in data(await gql(client, EDITIONS))["editions"]
    }


async def quote(client, edition="BASIC", months=3, token=None) -> tuple[list, str]:
    q = data(await gql(client, QUOTE, {"e": edition, "m": months}, token))["quote"]
    return [(li["months"], li["amount"]["amount"], li["campaign"]) for li in q["lines"]], q["total"]["amount"]


async def buyer(client, amount="20000.00", *, edition="BASIC", auto_renew=False):
    account_id, token = await new_account(client)
    await credit(client, account_id, amount)
    app = await new_app(client, token)
    result = await purchase(client, token, app, edition, 1, auto_renew=auto_renew)
    assert result["errors"] == [], result
    return account_id, token, app


async def upsert(client, token=OPERATOR, **fields) -> dict:
    campaign = {
        "code": "SPRING",
        "percentOfList": 40,
        "editions": ["BASIC"],
        "firstOrderOnly": False,
        "startsAt": None,
        "endsAt": None,
        "enabled": True,
        **fields,
    }
    return data(await gql(client, UPSERT, {"input": campaign}, token))["upsertCampaign"]


# ---------------------------------------------------------------- K-1 scheduled price changes


async def test_K1_a_quote_one_second_before_and_at_the_effective_instant(client):
    at = START + timedelta(days=1)
    payload = await schedule(client, "RTC_PREMIUM", "1600.00", at)
    assert payload["errors"] == []
    change = payload["priceChange"]
    assert (change["component"], change["price"]["amount"], change["cancelled"]) == ("RTC_PREMIUM", "1600.00", False)
    assert datetime.fromisoformat(change["effectiveAt"]) == at
    assert datetime.fromisoformat(change["createdAt"]) == START

    await advance(client, at - SECOND)
    assert await quote(client) == ([(1, "1653.26", "FIRST_ORDER"), (2, "5998.00", None)], "7651.26")
    assert (await current_prices(client))["BASIC"] == ("3374.00", "2999.00")

    await advance(client, at)
    assert await quote(client) == ([(1, "1653.26", "FIRST_ORDER"), (2, "6198.00", None)], "7851.26")
    assert await current_prices(client) == {
        "TRIAL": ("0.00", "0.00"),
        "BASIC": ("3374.00", "3099.00"),
        "ADVANCED": ("7749.00", "6499.00"),
        "LARGE_ROOM": ("9249.00", "7999.00"),
    }


@pytest.mark.parametrize(
    ("effective", "expected"),
    [
        (ONE_MONTH, "3099.00"),  # in effect at the expiry instant: the renewal pays it
        (ONE_MONTH + SECOND, "2999.00"),  # the renewal happens one second before the change
    ],
)
async def test_K1_R2_auto_renewal_pays_the_price_in_effect_at_the_expiry_instant(client, effective, expected):
    _, token, app = await buyer(client, auto_renew=True)
    assert (await schedule(client, "RTC_PREMIUM", "1600.00", effective))["errors"] == []
    await advance(client, ONE_MONTH)
    [order] = await orders_of(client, token, app, "AUTO_RENEWAL")
    assert order["amount"]["amount"] == expected


async def test_K1_purchase_and_renewal_use_the_price_at_their_instant(client):
    at = START + timedelta(hours=1)
    assert (await schedule(client, "IM_PRO", "1600.00", at))["errors"] == []
    _, token, app = await buyer(client)  # at START: the old price
    [first] = await orders_of(client, token, app, "PURCHASE")
    assert first["amount"]["amount"] == "1653.26"
    await advance(client, at)
    renewal = await renew(client, token, app, months=2)
    assert renewal["errors"] == []
    assert renewal["order"]["amount"]["amount"] == "6200.00"  # (1500.00 + 1600.00) × 2

    # A returning customer's 2-month purchase: ALL_CUSTOMERS first month, then the new current price.
    _, token2, _ = await buyer(client)
    app2 = await new_app(client, token2, "second")
    bought = await purchase(client, token2, app2, "BASIC", 2)
    assert [(li["months"], li["amount"]["amount"]) for li in bought["order"]["lines"]] == [
        (1, "2463.02"),
        (1, "3100.00"),
    ]


async def test_K1_U3_upgrade_prices_the_difference_at_the_upgrade_instant(client):
    _, token, app = await buyer(client)
    upgrade_at = datetime(2027, 1, 24, 16, 0, tzinfo=UTC)  # 2027-01-25 00:00 Asia/Shanghai
    assert (await schedule(client, "RTC_ULTIMATE", "5500.00", upgrade_at))["errors"] == []
    await advance(client, upgrade_at)
    result = data(
        await gql(
            client, UPGRADE, {"input": {"sdkAppId": app, "targetEdition": "ADVANCED", "idempotencyKey": "up-1"}}, token
        )
    )["upgradePackage"]
    assert result["errors"] == []
    assert result["order"]["amount"]["amount"] == "2064.52"  # (5500 − 1500) × 16/31


async def test_K1_effective_now_applies_at_once_and_the_past_is_refused(client):
    refused = await schedule(client, "RTC_PREMIUM", "1600.00", START - SECOND)
    assert codes(refused) == [("INVALID_EFFECTIVE_AT", "effectiveAt")] and refused["priceChange"] is None
    assert (await schedule(client, "RTC_PREMIUM", "1600.00", START))["errors"] == []
    assert (await current_prices(client))["BASIC"] == ("3374.00", "3099.00")


@pytest.mark.parametrize("price", ["-1500.00", "0", "0.00", "1500.001", "1e3", " 1500", "NaN", "Infinity", "1,500"])
async def test_K1_bad_prices_are_INVALID_AMOUNT_and_change_nothing(client, price):
    payload = await schedule(client, "RTC_PREMIUM", price, START + timedelta(days=1))
    assert codes(payload) == [("INVALID_AMOUNT", "price")]
    assert await PriceChange.all().count() == 0 and await CatalogChange.all().count() == 0


@pytest.mark.parametrize("component", ["RTC_NOPE", "RTC_TRIAL", ""])
async def test_K1_unknown_component_is_a_typed_error(client, component):
    payload = await schedule(client, component, "10.00", START + timedelta(days=1))
    assert codes(payload) == [("INVALID_COMPONENT", "component")]
    assert await PriceChange.all().count() == 0


async def test_K1_H3_nul_in_text_arguments_is_INVALID_INPUT_never_a_database_error(client):
    payload = await schedule(client, "RTC\u0000PREMIUM", "10.00", START + timedelta(days=1))
    assert codes(payload) == [("INVALID_INPUT", "component")]
    assert error_codes(await gql(client, PRICE_CHANGES, {"c": "A\u0000"}, OPERATOR)) == ["INVALID_INPUT"]
    cell = data(await gql(client, SET_FEATURE, {"e": "BASIC", "f": "CUSTOM_UI\u0000", "inc": True}, OPERATOR))[
        "setEditionFeature"
    ]
    assert codes(cell) == [("INVALID_INPUT", "feature")]
    value = data(
        await gql(client, SET_FEATURE, {"e": "BASIC", "f": "CUSTOM_UI", "inc": True, "v": "a\u0000"}, OPERATOR)
    )["setEditionFeature"]
    assert codes(value) == [("INVALID_INPUT", "value")]
    assert await PriceChange.all().count() == 0 and await CatalogChange.all().count() == 0


async def test_K1_cancel_before_it_takes_effect_and_not_after(client):
    later = await schedule(client, "RTC_PREMIUM", "1600.00", START + timedelta(days=2))
    sooner = await schedule(client, "IM_PRO", "1550.00", START + timedelta(days=1))
    cancelled = data(await gql(client, CANCEL, {"id": later["priceChange"]["id"]}, OPERATOR))["cancelPriceChange"]
    assert cancelled == {"priceChange": {"id": later["priceChange"]["id"], "cancelled": True}, "errors": []}

    await advance(client, START + timedelta(days=2))
    assert (await current_prices(client))["BASIC"] == ("3374.00", "3050.00")  # 1500.00 + 1550.00
    refused = data(await gql(client, CANCEL, {"id": sooner["priceChange"]["id"]}, OPERATOR))["cancelPriceChange"]
    assert codes(refused) == [("PRICE_CHANGE_IN_EFFECT", "id")]
    missing = data(await gql(client, CANCEL, {"id": "999999"}, OPERATOR))["cancelPriceChange"]
    assert codes(missing) == [("NOT_FOUND", "id")]

    listed = data(await gql(client, PRICE_CHANGES, {}, OPERATOR))["priceChanges"]
    assert [(c["component"], c["price"]["amount"], c["cancelled"]) for c in listed] == [
        ("IM_PRO", "1550.00", False),
        ("RTC_PREMIUM", "1600.00", True),
    ]
    only = data(await gql(client, PRICE_CHANGES, {"c": "RTC_PREMIUM"}, OPERATOR))["priceChanges"]
    assert [c["component"] for c in only] == ["RTC_PREMIUM"]


async def test_K1_the_latest_change_in_effect_wins(client):
    await schedule(client, "RTC_PREMIUM", "1600.00", START + timedelta(days=1))
    await schedule(client, "RTC_PREMIUM", "1700.00", START + timedelta(days=3))
    await advance(client, START + timedelta(days=2))
    assert (await current_prices(client))["BASIC"][1] == "3099.00"
    await advance(client, START + timedelta(days=3))
    assert (await current_prices(client))["BASIC"][1] == "3199.00"


# ---------------------------------------------------------------- K-2 notices


async def test_K2_a_rise_notifies_exactly_the_accounts_with_an_auto_renew_package_containing_it(client):
    _, a_token, _ = await buyer(client, auto_renew=True)  # BASIC: RTC_PREMIUM + IM_PRO
    a_second = await new_app(client, a_token, "second")
    assert (await purchase(client, a_token, a_second, "BASIC", 1, auto_renew=True))["errors"] == []
    _, b_token, _ = await buyer(client, auto_renew=False)  # no auto-renewal: not told
    _, c_token, _ = await buyer(client, edition="ADVANCED", auto_renew=True)  # RTC_ULTIMATE: not this component
    _, d_token, d_app = await buyer(client, auto_renew=True)
    assert (await renew(client, d_token, d_app))["errors"] == []  # still auto-renewing BASIC: told

    effective = START + timedelta(days=10)
    assert (await schedule(client, "RTC_PREMIUM", "1600.00", effective))["errors"] == []

    def notices(found):
        return of_type(found, "PRICE_CHANGE_NOTICE")

    [notice] = notices(await events(client, a_token))  # one per account, though two packages
    assert notice["sdkAppId"] is None
    assert json.loads(notice["data"]) == {
        "component": "RTC_PREMIUM",
        "oldPrice": "1500.00",
        "newPrice": "1600.00",
        "effectiveAt": effective.isoformat(),
    }
    assert datetime.fromisoformat(notice["occurredAt"]) == START
    assert notices(await events(client, b_token)) == []
    assert notices(await events(client, c_token)) == []
    assert len(notices(await events(client, d_token))) == 1

    # A cut is no rise: nobody is told.
    assert (await schedule(client, "RTC_PREMIUM", "1400.00", effective + timedelta(days=1)))["errors"] == []
    assert len(notices(await events(client, a_token))) == 1


async def test_K2_old_price_is_the_one_the_change_replaces_at_its_instant(client):
    _, token, _ = await buyer(client, auto_renew=True)
    await schedule(client, "IM_PRO", "1600.00", START + timedelta(days=1))
    await schedule(client, "IM_PRO", "1700.00", START + timedelta(days=5))
    found = of_type(await events(client, token), "PRICE_CHANGE_NOTICE")
    assert [(json.loads(e["data"])["oldPrice"], json.loads(e["data"])["newPrice"]) for e in found] == [
        ("1499.00", "1600.00"),
        ("1600.00", "1700.00"),
    ]


# ---------------------------------------------------------------- K-3 campaigns


async def test_K3_seeded_campaigns_are_data_and_keep_every_B4_figure(client):
    listed = data(await gql(client, CAMPAIGNS))["campaigns"]
    assert listed == [
        {
            "code": "ALL_CUSTOMERS",
            "percentOfList": 73,
            "editions": ["BASIC", "ADVANCED", "LARGE_ROOM"],
            "firstOrderOnly": False,
            "startsAt": None,
            "endsAt": None,
            "enabled": True,
        },
        {
            "code": "FIRST_ORDER",
            "percentOfList": 49,
            "editions": ["BASIC", "ADVANCED", "LARGE_ROOM"],
            "firstOrderOnly": True,
            "startsAt": None,
            "endsAt": None,
            "enabled": True,
        },
    ]
    assert (await quote(client, months=1))[1] == "1653.26"
    assert (await quote(client, months=3))[1] == "7651.26"
    _, token, _ = await buyer(client)  # a returning customer now
    assert await quote(client, "ADVANCED", 1, token) == ([(1, "5656.77", "ALL_CUSTOMERS")], "5656.77")


async def test_K3_campaign_window_edges_at_the_quote_instant(client):
    starts, ends = START + timedelta(days=1), START + timedelta(days=2)
    payload = await upsert(client, startsAt=iso(starts), endsAt=iso(ends))
    assert payload["errors"] == []
    assert payload["campaign"]["editions"] == ["BASIC"]
    assert await quote(client, months=1) == ([(1, "1653.26", "FIRST_ORDER")], "1653.26")
    await advance(client, starts - SECOND)
    assert (await quote(client, months=1))[0][0][2] == "FIRST_ORDER"
    await advance(client, starts)
    assert await quote(client, months=1) == ([(1, "1349.60", "SPRING")], "1349.60")  # 40 % of 3374.00
    assert (await quote(client, "ADVANCED", 1))[0][0][2] == "FIRST_ORDER"  # not listed for ADVANCED
    await advance(client, ends - SECOND)
    assert (await quote(client, months=1))[0][0][2] == "SPRING"
    _, token, app = await buyer(client)  # a purchase inside the window gets it too
    [order] = await orders_of(client, token, app, "PURCHASE")
    assert [li["campaign"] for li in order["lines"]] == ["SPRING"]
    await advance(client, ends)
    assert (await quote(client, months=1))[0][0][2] == "FIRST_ORDER"


async def test_K3_public_campaigns_are_those_in_effect_operators_see_all(client):
    await upsert(client, startsAt=iso(START + timedelta(days=1)))
    await upsert(client, code="OFF", enabled=False)
    public = [c["code"] for c in data(await gql(client, CAMPAIGNS))["campaigns"]]
    assert public == ["ALL_CUSTOMERS", "FIRST_ORDER"]
    everything = [c["code"] for c in data(await gql(client, CAMPAIGNS, token=OPERATOR))["campaigns"]]
    assert everything == ["ALL_CUSTOMERS", "FIRST_ORDER", "OFF", "SPRING"]
    assert (await quote(client, months=1))[0][0][2] == "FIRST_ORDER"  # OFF (40 %) is disabled


async def test_K3_an_operator_can_end_a_seeded_campaign(client):
    payload = await upsert(
        client,
        code="FIRST_ORDER",
        percentOfList=49,
        editions=["BASIC", "ADVANCED", "LARGE_ROOM"],
        firstOrderOnly=True,
        enabled=False,
    )
    assert payload["errors"] == []
    assert await quote(client, months=1) == ([(1, "2463.02", "ALL_CUSTOMERS")], "2463.02")


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"percentOfList": 0}, ("INVALID_PERCENT", "percentOfList")),
        ({"percentOfList": 100}, ("INVALID_PERCENT", "percentOfList")),
        ({"startsAt": "2027-02-01T00:00:00Z", "endsAt": "2027-02-01T00:00:00Z"}, ("INVALID_WINDOW", "endsAt")),
        ({"startsAt": "2027-02-01T00:00:00Z", "endsAt": "2027-01-31T00:00:00Z"}, ("INVALID_WINDOW", "endsAt")),
        ({"editions": ["TRIAL"]}, ("INVALID_EDITION", "editions.0")),
        ({"code": "bad code!"}, ("INVALID_INPUT", "code")),
    ],
)
async def test_K3_bad_campaign_input_is_typed_and_changes_nothing(client, fields, expected):
    payload = await upsert(client, **fields)
    assert codes(payload) == [expected] and payload["campaign"] is None
    listed = [c["code"] for c in data(await gql(client, CAMPAIGNS, token=OPERATOR))["campaigns"]]
    assert listed == ["ALL_CUSTOMERS", "FIRST_ORDER"]
    assert await CatalogChange.all().count() == 0


# ---------------------------------------------------------------- K-4 edits, audit, caches


async def test_K4_set_list_price_moves_the_campaign_prices_at_once(client):
    payload = data(await gql(client, SET_LIST_PRICE, {"e": "BASIC", "p": "3500.00"}, OPERATOR))["setListPrice"]
    assert payload == {
        "edition": {"code": "BASIC", "listPrice": {"amount": "3500.00"}, "currentPrice": {"amount": "2999.00"}},
        "errors": [],
    }
    assert await quote(client, months=1) == ([(1, "1715.00", "FIRST_ORDER")], "1715.00")  # 49 % of 3500.00
    for price in ("0", "-1", "12.345", "1e2"):
        bad = data(await gql(client, SET_LIST_PRICE, {"e": "BASIC", "p": price}, OPERATOR))["setListPrice"]
        assert codes(bad) == [("INVALID_AMOUNT", "price")]
    trial = data(await gql(client, SET_LIST_PRICE, {"e": "TRIAL", "p": "1.00"}, OPERATOR))["setListPrice"]
    assert codes(trial) == [("INVALID_EDITION", "edition")]
    assert (await current_prices(client))["BASIC"] == ("3500.00", "2999.00")


async def test_K4_set_edition_feature_shows_in_the_matrix_and_in_cached_entitlements(client):
    _, token, app = await buyer(client)
    before = await entitlements(client, token, app)  # computed and cached
    assert "SCREEN_SHARE" in before["features"] and before["limits"]["maxParticipants"] == 50
    payload = data(await gql(client, SET_FEATURE, {"e": "BASIC", "f": "SCREEN_SHARE", "inc": False}, OPERATOR))[
        "setEditionFeature"
    ]
    assert payload["errors"] == []
    cell = next(f for f in payload["edition"]["features"] if f["feature"]["code"] == "SCREEN_SHARE")
    assert cell == {"feature": {"code": "SCREEN_SHARE"}, "included": False, "value": None}
    limit = data(
        await gql(client, SET_FEATURE, {"e": "BASIC", "f": "MAX_PARTICIPANTS", "inc": True, "v": "80"}, OPERATOR)
    )["setEditionFeature"]
    assert limit["edition"]["maxParticipants"] == 80

    after = await entitlements(client, token, app)
    assert "SCREEN_SHARE" not in after["features"] and after["limits"]["maxParticipants"] == 80
    unknown = data(await gql(client, SET_FEATURE, {"e": "BASIC", "f": "TELEPORT", "inc": True}, OPERATOR))[
        "setEditionFeature"
    ]
    assert codes(unknown) == [("INVALID_FEATURE", "feature")]
    bad = data(
        await gql(client, SET_FEATURE, {"e": "BASIC", "f": "MAX_PARTICIPANTS", "inc": True, "v": "lots"}, OPERATOR)
    )["setEditionFeature"]
    assert codes(bad) == [("INVALID_INPUT", "value")]


async def test_K4_every_catalog_change_is_audited_newest_first(client):
    change = await schedule(client, "RTC_PREMIUM", "1600.00", START + timedelta(days=1))
    await gql(client, CANCEL, {"id": change["priceChange"]["id"]}, OPERATOR)
    await upsert(client)
    await gql(client, SET_LIST_PRICE, {"e": "BASIC", "p": "3500.00"}, OPERATOR)
    await gql(client, SET_FEATURE, {"e": "LARGE_ROOM", "f": "CUSTOM_UI", "inc": False}, OPERATOR)

    page = data(await gql(client, CHANGES, {"first": 3}, OPERATOR))["catalogChanges"]
    nodes = [e["node"] for e in page["edges"]]
    assert [(n["kind"], n["subject"]) for n in nodes] == [
        ("EDITION_FEATURE_SET", "edition:LARGE_ROOM/feature:CUSTOM_UI"),
        ("LIST_PRICE_SET", "edition:BASIC"),
        ("CAMPAIGN_UPSERTED", "campaign:SPRING"),
    ]
    assert json.loads(nodes[0]["before"]) == {
        "edition": "LARGE_ROOM",
        "feature": "CUSTOM_UI",
        "included": True,
        "value": None,
    }
    assert json.loads(nodes[0]["after"])["included"] is False
    assert json.loads(nodes[1]["before"]) == {"edition": "BASIC", "listPrice": "3374.00"}
    assert json.loads(nodes[1]["after"]) == {"edition": "BASIC", "listPrice": "3500.00"}
    assert nodes[2]["before"] is None and json.loads(nodes[2]["after"])["percentOfList"] == 40
    assert {datetime.fromisoformat(n["at"]) for n in nodes} == {START}
    assert page["pageInfo"]["hasNextPage"] is True

    rest = data(await gql(client, CHANGES, {"first": 3, "after": page["pageInfo"]["endCursor"]}, OPERATOR))[
        "catalogChanges"
    ]
    assert [e["node"]["kind"] for e in rest["edges"]] == ["PRICE_CHANGE_CANCELLED", "PRICE_CHANGE_SCHEDULED"]
    assert rest["pageInfo"]["hasNextPage"] is False
    scheduled = json.loads(rest["edges"][1]["node"]["after"])
    assert (scheduled["component"], scheduled["price"], scheduled["cancelled"]) == ("RTC_PREMIUM", "1600.00", False)
    assert json.loads(rest["edges"][1]["node"]["before"])["price"] == "1500.00"
    operators = {r.operator for r in await CatalogChange.all()}
    assert len(operators) == 1 and OPERATOR not in next(iter(operators))  # a fingerprint, never the token


# ---------------------------------------------------------------- H-1: operators only


OPERATOR_ONLY = [
    (SCHEDULE, {"c": "RTC_PREMIUM", "p": "1600.00", "at": "2027-02-01T00:00:00Z"}),
    (CANCEL, {"id": "1"}),
    (
        UPSERT,
        {"input": {"code": "X", "percentOfList": 10, "editions": ["BASIC"], "firstOrderOnly": False, "enabled": True}},
    ),
    (SET_LIST_PRICE, {"e": "BASIC", "p": "1.00"}),
    (SET_FEATURE, {"e": "BASIC", "f": "CUSTOM_UI", "inc": False}),
    (PRICE_CHANGES, {}),
    (CHANGES, {}),
]


@pytest.mark.parametrize(("document", "variables"), OPERATOR_ONLY)
async def test_K_catalog_management_is_for_operators_only(client, document, variables):
    _, customer = await new_account(client)
    assert error_codes(await gql(client, document, variables, customer)) == ["FORBIDDEN"]
    assert error_codes(await gql(client, document, variables)) == ["UNAUTHENTICATED"]
    assert await CatalogChange.all().count() == 0 and await PriceChange.all().count() == 0
    assert (await current_prices(client))["BASIC"] == ("3374.00", "2999.00")
