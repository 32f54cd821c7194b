"""§14 catalog management, black-box: written from SPEC.md and the contract alone."""

import json
from datetime import datetime, timedelta

from tests.conftest import OPERATOR, START
from tests.factories import new_account, new_app
from tests.gql import data, error_codes, gql
from tests.money import (
    advance,
    assert_audit_clean,
    credit,
    events,
    of_type,
    orders_of,
    purchase,
    shanghai,
)

SCHEDULE = """mutation($c: String!, $p: Decimal!, $t: DateTime!) { schedulePriceChange(component: $c, price: $p, effectiveAt: $t) {
  priceChange { id component price { amount } effectiveAt cancelled } errors { code field message } } }"""
CANCEL = """mutation($id: ID!) { cancelPriceChange(id: $id) { priceChange { id cancelled } errors { code } } }"""
PRICE_CHANGES = """query($c: String) { priceChanges(component: $c) { id component price { amount } cancelled } }"""
QUOTE = """query($e: EditionCode!, $m: Int!) { quote(edition: $e, months: $m) {
  lines { months amount { amount } campaign } total { amount } } }"""
EDITIONS = "{ editions { code listPrice { amount } currentPrice { amount } } }"
UPSERT = """mutation($i: CampaignInput!) { upsertCampaign(input: $i) {
  campaign { code percentOfList editions firstOrderOnly startsAt endsAt enabled } errors { code field } } }"""
CAMPAIGNS = "{ campaigns { code percentOfList enabled } }"
LIST_PRICE = """mutation($e: EditionCode!, $p: Decimal!) { setListPrice(edition: $e, price: $p) {
  edition { code listPrice { amount } } errors { code field } } }"""
FEATURE = """mutation($e: EditionCode!, $f: String!, $i: Boolean!, $v: String) {
  setEditionFeature(edition: $e, feature: $f, included: $i, value: $v) { edition { code } errors { code field } } }"""
MATRIX = "{ featureMatrix { editions { code } rows { feature { code } values { included value } } } }"
CHANGES = "{ catalogChanges(first: 50) { edges { node { kind subject before after } } } }"
SET_FLAG = """mutation($a: Int!) { setRenewFlag(sdkAppId: $a, flag: AUTO_RENEW, months: 1) { errors { code } } }"""
ENTITLEMENTS = "query($a: Int!) { entitlements(sdkAppId: $a) { features } }"


def iso(at: datetime) -> str:
    return at.isoformat()


async def total(client, edition="BASIC", months=2, token=None) -> str:
    return data(await gql(client, QUOTE, {"e": edition, "m": months}, token))["quote"]["total"]["amount"]


async def schedule(client, component, price, at) -> dict:
    return data(await gql(client, SCHEDULE, {"c": component, "p": price, "t": iso(at)}, OPERATOR))[
        "schedulePriceChange"
    ]


async def test_K1_a_scheduled_price_applies_from_its_instant_exactly(client):
    at = START + timedelta(days=3)
    result = await schedule(client, "RTC_PREMIUM", "1600.00", at)
    assert result["errors"] == [] and result["priceChange"]["price"]["amount"] == "1600.00"
    await advance(client, at - timedelta(seconds=1))
    assert await total(client) == "4652.26"  # 1653.26 first month (49% of list) + 2999.00
    prices = {e["code"]: e["currentPrice"]["amount"] for e in data(await gql(client, EDITIONS))["editions"]}
    assert prices["BASIC"] == "2999.00"
    await advance(client, at)
    assert await total(client) == "4752.26"  # + 3099.00
    prices = {e["code"]: e["currentPrice"]["amount"] for e in data(await gql(client, EDITIONS))["editions"]}
    assert (prices["BASIC"], prices["ADVANCED"]) == ("3099.00", "6499.00")


async def test_K1_past_instants_refused_and_cancel_only_before_effect(client):
    past = await schedule(client, "IM_PRO", "1600.00", START - timedelta(seconds=1))
    assert [e["code"] for e in past["errors"]] == ["INVALID_EFFECTIVE_AT"]
    now = await schedule(client, "IM_PRO", "1600.00", START)  # now = at once
    assert now["errors"] == []
    assert await total(client, months=1) != "0.00"
    cancelled = data(await gql(client, CANCEL, {"id": now["priceChange"]["id"]}, OPERATOR))["cancelPriceChange"]
    assert [e["code"] for e in cancelled["errors"]] == ["PRICE_CHANGE_IN_EFFECT"]
    later = await schedule(client, "IM_PRO", "1700.00", START + timedelta(days=1))
    cancelled = data(await gql(client, CANCEL, {"id": later["priceChange"]["id"]}, OPERATOR))["cancelPriceChange"]
    assert cancelled["errors"] == [] and cancelled["priceChange"]["cancelled"] is True
    await advance(client, START + timedelta(days=2))
    assert await total(client) == f"{1653.26 + 1500 + 1600:.2f}"  # the cancelled 1700.00 never applies
    listed = data(await gql(client, PRICE_CHANGES, {"c": "IM_PRO"}, OPERATOR))["priceChanges"]
    assert sorted((p["price"]["amount"], p["cancelled"]) for p in listed) == [("1600.00", False), ("1700.00", True)]


async def test_K1_R2_auto_renewal_at_T_pays_the_price_in_effect_at_T(client):
    expiry = shanghai(2027, 2, 10)
    account_id, token = await new_account(client)
    await credit(client, account_id, "20000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    assert data(await gql(client, SET_FLAG, {"a": app}, token))["setRenewFlag"]["errors"] == []
    assert (await schedule(client, "RTC_PREMIUM", "1600.00", expiry))["errors"] == []
    await advance(client, expiry)
    assert [o["amount"]["amount"] for o in await orders_of(client, token, app, "AUTO_RENEWAL")] == ["3099.00"]
    await assert_audit_clean()


async def test_K1_R2_auto_renewal_one_second_before_a_change_pays_the_old_price(client):
    expiry = shanghai(2027, 2, 10)
    account_id, token = await new_account(client)
    await credit(client, account_id, "20000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    assert data(await gql(client, SET_FLAG, {"a": app}, token))["setRenewFlag"]["errors"] == []
    assert (await schedule(client, "RTC_PREMIUM", "1600.00", expiry + timedelta(seconds=1)))["errors"] == []
    await advance(client, expiry + timedelta(seconds=1))
    assert [o["amount"]["amount"] for o in await orders_of(client, token, app, "AUTO_RENEWAL")] == ["2999.00"]


async def test_K2_a_rise_notifies_exactly_the_auto_renewing_holders_of_the_component(client):
    holders = {}
    for name, edition, auto in (
        ("auto-basic", "BASIC", True),
        ("manual-basic", "BASIC", False),
        ("auto-advanced", "ADVANCED", True),
    ):
        account_id, token = await new_account(client, name=name)
        await credit(client, account_id, "20000.00")
        app = await new_app(client, token)
        assert (await purchase(client, token, app, edition, 1))["errors"] == []
        if auto:
            assert data(await gql(client, SET_FLAG, {"a": app}, token))["setRenewFlag"]["errors"] == []
        holders[name] = token
    at = START + timedelta(days=5)
    assert (await schedule(client, "RTC_PREMIUM", "1600.00", at))["errors"] == []
    notices = {name: of_type(await events(client, token), "PRICE_CHANGE_NOTICE") for name, token in holders.items()}
    assert [len(notices[n]) for n in ("auto-basic", "manual-basic", "auto-advanced")] == [1, 0, 0]
    notice = notices["auto-basic"][0]
    assert notice["sdkAppId"] is None
    payload = json.loads(notice["data"])
    assert {k: payload[k] for k in ("component", "oldPrice", "newPrice")} == {
        "component": "RTC_PREMIUM",
        "oldPrice": "1500.00",
        "newPrice": "1600.00",
    }
    assert datetime.fromisoformat(payload["effectiveAt"].replace("Z", "+00:00")) == at


async def test_K3_campaign_window_edges_and_percent_bounds(client):
    starts, ends = START + timedelta(days=1), START + timedelta(days=2)
    spring = {
        "code": "SPRING",
        "percentOfList": 40,
        "editions": ["BASIC"],
        "firstOrderOnly": False,
        "startsAt": iso(starts),
        "endsAt": iso(ends),
        "enabled": True,
    }
    for percent in (0, 100):
        bad = data(await gql(client, UPSERT, {"i": {**spring, "percentOfList": percent}}, OPERATOR))["upsertCampaign"]
        assert [e["code"] for e in bad["errors"]] == ["INVALID_PERCENT"]
    assert data(await gql(client, UPSERT, {"i": spring}, OPERATOR))["upsertCampaign"]["errors"] == []
    expected = {
        starts - timedelta(seconds=1): "1653.26",
        starts: "1349.60",
        ends - timedelta(seconds=1): "1349.60",
        ends: "1653.26",
    }
    for at, amount in expected.items():
        await advance(client, at)
        quote = data(await gql(client, QUOTE, {"e": "BASIC", "m": 1}))["quote"]
        assert quote["total"]["amount"] == amount, at
    adv = data(await gql(client, QUOTE, {"e": "ADVANCED", "m": 1}))["quote"]
    assert adv["total"]["amount"] == "3797.01"  # 7749.00 × 49%: SPRING is for BASIC only


async def test_K3_public_campaigns_are_those_in_effect_operators_see_all(client):
    off = {
        "code": "OFF",
        "percentOfList": 10,
        "editions": ["BASIC"],
        "firstOrderOnly": False,
        "startsAt": None,
        "endsAt": None,
        "enabled": False,
    }
    assert data(await gql(client, UPSERT, {"i": off}, OPERATOR))["upsertCampaign"]["errors"] == []
    public = {c["code"] for c in data(await gql(client, CAMPAIGNS))["campaigns"]}
    assert "OFF" not in public and {"FIRST_ORDER", "ALL_CUSTOMERS"} <= public
    everything = {c["code"] for c in data(await gql(client, CAMPAIGNS, token=OPERATOR))["campaigns"]}
    assert "OFF" in everything
    assert data(await gql(client, QUOTE, {"e": "BASIC", "m": 1}))["quote"]["total"]["amount"] == "1653.26"


async def test_K4_list_price_and_feature_cells_change_at_once_and_are_audited(client):
    assert data(await gql(client, MATRIX))  # warm any cache
    assert data(await gql(client, QUOTE, {"e": "BASIC", "m": 1}))
    changed = data(await gql(client, LIST_PRICE, {"e": "BASIC", "p": "3500.00"}, OPERATOR))["setListPrice"]
    assert changed["errors"] == [] and changed["edition"]["listPrice"]["amount"] == "3500.00"
    assert data(await gql(client, QUOTE, {"e": "BASIC", "m": 1}))["quote"]["total"]["amount"] == "1715.00"
    cell = data(await gql(client, FEATURE, {"e": "BASIC", "f": "SEAT_MODES", "i": True, "v": None}, OPERATOR))
    assert cell["setEditionFeature"]["errors"] == []
    matrix = data(await gql(client, MATRIX))["featureMatrix"]
    column = [e["code"] for e in matrix["editions"]].index("BASIC")
    row = next(r for r in matrix["rows"] if r["feature"]["code"] == "SEAT_MODES")
    assert row["values"][column]["included"] is True
    account_id, token = await new_account(client)
    await credit(client, account_id, "20000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    features = data(await gql(client, ENTITLEMENTS, {"a": app}, token))["entitlements"]["features"]
    assert "SEAT_MODES" in features
    audit = [e["node"] for e in data(await gql(client, CHANGES, token=OPERATOR))["catalogChanges"]["edges"]]
    assert len(audit) >= 2
    assert all(entry["kind"] and entry["subject"] for entry in audit)


async def test_K4_catalog_mutations_are_for_operators_only(client):
    _, token = await new_account(client)
    result = await gql(client, LIST_PRICE, {"e": "BASIC", "p": "1.00"}, token)
    assert error_codes(result) == ["FORBIDDEN"]
    result = await gql(client, SCHEDULE, {"c": "RTC_PREMIUM", "p": "1.00", "t": iso(START)}, token)
    assert error_codes(result) == ["FORBIDDEN"]
    bad = data(await gql(client, LIST_PRICE, {"e": "BASIC", "p": "1.234"}, OPERATOR))["setListPrice"]
    assert [e["code"] for e in bad["errors"]] == ["INVALID_AMOUNT"]
    prices = {e["code"]: e["listPrice"]["amount"] for e in data(await gql(client, EDITIONS))["editions"]}
    assert prices["BASIC"] == "3374.00"
