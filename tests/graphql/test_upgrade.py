"""SPEC U-1…U-4 (upgrade with proration), A-2, B-6, B-8 and V-1 for upgrades, through the API."""

import asyncio
import json
from datetime import UTC, datetime

from app.domain.ledger.models import LedgerTransaction
from app.domain.orders.models import Order
from app.domain.packages.models import Package
from tests.conftest import START
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, error_codes, gql
from tests.money import (
    ORDER_FIELDS,
    advance,
    application,
    assert_audit_clean,
    balance,
    codes,
    credit,
    events,
    key,
    lines_of,
    purchase,
    renew,
    set_real_name,
    start_trial,
)

UPGRADE = f"mutation($input: UpgradeInput!) {{ upgradePackage(input: $input) {{ {ORDER_FIELDS} }} }}"
UPGRADE_MINUTES = """mutation($input: UpgradeInput!) { upgradePackage(input: $input) {
  package { edition includedMinutesLeft } errors { code } } }"""
QUOTE = """query($app: Int!, $e: EditionCode!) { upgradeQuote(sdkAppId: $app, targetEdition: $e) {
  lines { description months amount { amount } campaign } total { amount } } }"""
ENTITLEMENTS = "query($app: Int!) { entitlements(sdkAppId: $app) { edition limits { maxParticipants } } }"

JAN25 = "2027-01-25T00:00:00+08:00"
FEB10 = datetime(2027, 2, 9, 16, 0, tzinfo=UTC)  # START + 1 month
APR10 = datetime(2027, 4, 9, 16, 0, tzinfo=UTC)  # START + 3 months


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def upgrade(client, token, app, target, idem=None) -> dict:
    variables = {"input": {"sdkAppId": app, "targetEdition": target, "idempotencyKey": idem or key()}}
    return data(await gql(client, UPGRADE, variables, token))["upgradePackage"]


async def upgrade_quote(client, token, app, target) -> dict:
    return data(await gql(client, QUOTE, {"app": app, "e": target}, token))["upgradeQuote"]


async def owner_with_package(client, edition="BASIC", months=1, amount="100000.00"):
    account_id, token = await new_account(client)
    await credit(client, account_id, amount)
    app = await new_app(client, token)
    bought = await purchase(client, token, app, edition, months)
    assert bought["errors"] == [], bought
    return account_id, token, app


def period(package: dict) -> tuple:
    return (
        package["rtc"]["startsAt"],
        package["rtc"]["expiresAt"],
        package["im"]["startsAt"],
        package["im"]["expiresAt"],
        package["expiresAt"],
    )


async def granted(app: int) -> int:
    return (await Package.filter(application_id=app).order_by("-id").first()).allowance_granted


# ---------------------------------------------------------------- U-3: the SPEC's examples, to the fen


async def test_U3_basic_to_advanced_one_month_is_1806_45(client):
    _, token, app = await owner_with_package(client)  # first order 1653.26
    await advance(client, JAN25)
    result = await upgrade(client, token, app, "ADVANCED")
    assert result["errors"] == []
    order = result["order"]
    assert (order["kind"], order["status"], order["sdkAppId"], order["edition"], order["months"]) == (
        "UPGRADE",
        "PAID",
        app,
        "ADVANCED",
        None,
    )
    assert order["amount"]["amount"] == "1806.45"
    assert [(l[1], l[2], l[3]) for l in lines_of(order)] == [(1, "1806.45", None)]
    description = order["lines"][0]["description"]
    # the line explains itself: component, old and new monthly price, the fraction (to the second)
    for part in ("RTC_PREMIUM", "RTC_ULTIMATE", "5000.00", "1500.00", "16/31", "1382400 s", "2678400 s"):
        assert part in description, (part, description)
    assert order["paid"]["cash"]["amount"] == "1806.45"
    assert (await balance(client, token))["cash"] == "96540.29"  # 100000 − 1653.26 − 1806.45
    package = result["package"]
    assert (package["edition"], package["rtc"]["code"], package["im"]["code"]) == ("ADVANCED", "RTC_ULTIMATE", "IM_PRO")
    await assert_audit_clean()


async def test_U3_basic_to_advanced_three_months_is_8806_45(client):
    _, token, app = await owner_with_package(client, months=3)
    await advance(client, JAN25)
    order = (await upgrade(client, token, app, "ADVANCED"))["order"]
    assert order["amount"]["amount"] == "8806.45"  # 3500 × (16/31 + 2)
    assert [(l[1], l[2]) for l in lines_of(order)] == [(3, "8806.45")]
    assert "(16/31 + 2) months" in order["lines"][0]["description"]
    await assert_audit_clean()


async def test_U3_basic_to_large_room_is_two_rounded_lines_2580_64(client):
    _, token, app = await owner_with_package(client)
    await advance(client, JAN25)
    order = (await upgrade(client, token, app, "LARGE_ROOM"))["order"]
    assert [(l[1], l[2]) for l in lines_of(order)] == [(1, "774.19"), (1, "1806.45")]
    assert "IM_PRO" in order["lines"][0]["description"] and "IM_ULTIMATE" in order["lines"][0]["description"]
    assert "1499.00" in order["lines"][0]["description"] and "2999.00" in order["lines"][0]["description"]
    assert order["amount"]["amount"] == "2580.64"  # the sum of the rounded lines, not 5000 × 16/31 = 2580.65
    await assert_audit_clean()


async def test_U3_advanced_to_large_room_charges_the_im_component_only(client):
    _, token, app = await owner_with_package(client, "ADVANCED")
    await advance(client, JAN25)
    result = await upgrade(client, token, app, "LARGE_ROOM")
    assert [(l[1], l[2]) for l in lines_of(result["order"])] == [(1, "774.19")]
    assert result["package"]["im"]["code"] == "IM_ULTIMATE"
    assert await granted(app) == 1400000  # U-4: the same allowance, nothing added
    await assert_audit_clean()


async def test_U3_each_component_uses_its_own_period(client):
    # IM renewed one more month: its remaining months are 16/31 + 1, the RTC's 16/31
    _, token, app = await owner_with_package(client)
    assert (await renew(client, token, app, 1, "IM_ONLY"))["errors"] == []
    await advance(client, JAN25)
    order = (await upgrade(client, token, app, "LARGE_ROOM"))["order"]
    assert [(l[1], l[2]) for l in lines_of(order)] == [(2, "2274.19"), (1, "1806.45")]  # 1500 × (16/31 + 1)
    assert order["amount"]["amount"] == "4080.64"
    await assert_audit_clean()


async def test_U3_upgrade_at_the_last_second_of_a_package_month(client):
    _, token, app = await owner_with_package(client, months=3)
    await advance(client, "2027-02-09T23:59:59+08:00")
    result = await upgrade(client, token, app, "ADVANCED")
    order = result["order"]
    # 3500 × (1/2678400 + 2) = 7000.0013…: one second left of the 31-day month, then two whole months
    assert order["amount"]["amount"] == "7000.00"
    assert "1 s left of a 2678400 s package month" in order["lines"][0]["description"]
    assert await granted(app) == 380000  # U-4: 1,020,000 × 1/2678400 rounds down to 0
    # the next package month starts with the new edition's allowance
    await advance(client, "2027-02-10T00:00:00+08:00")
    assert await granted(app) == 1400000
    await assert_audit_clean()


async def test_U3_last_second_of_a_one_month_package_costs_nothing(client):
    account_id, token, app = await owner_with_package(client)
    await advance(client, "2027-02-09T23:59:59+08:00")
    before = await LedgerTransaction.filter(account_id=account_id).count()
    result = await upgrade(client, token, app, "ADVANCED")
    assert result["errors"] == []
    assert result["order"]["amount"]["amount"] == "0.00"  # 0.13 fen rounds to 0
    assert result["package"]["edition"] == "ADVANCED"
    assert await LedgerTransaction.filter(account_id=account_id).count() == before  # no empty transaction
    await assert_audit_clean()


async def test_U3_B3_package_bought_on_jan_31_counts_its_clamped_months(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100000.00")
    app1, app2 = await new_app(client, token, "one"), await new_app(client, token, "two")
    await advance(client, "2027-01-31T00:00:00+08:00")
    assert (await purchase(client, token, app1, "BASIC", 3))["errors"] == []
    assert (await purchase(client, token, app2, "BASIC", 2))["errors"] == []
    # package months: 01-31 → 02-28 (28 days) → 03-31 (31 days) → 04-30
    await advance(client, "2027-02-14T00:00:00+08:00")
    order = (await upgrade(client, token, app1, "ADVANCED"))["order"]
    assert order["amount"]["amount"] == "8750.00"  # 3500 × (14/28 + 2)
    assert "(1/2 + 2) months" in order["lines"][0]["description"]
    await advance(client, "2027-03-15T00:00:00+08:00")
    order = (await upgrade(client, token, app2, "ADVANCED"))["order"]
    assert order["amount"]["amount"] == "1806.45"  # second month, 02-28 → 03-31: 3500 × 16/31
    await assert_audit_clean()


# ---------------------------------------------------------------- U-2, U-4


async def test_U2_expiry_dates_and_anchors_do_not_change(client):
    _, token, app = await owner_with_package(client, months=3)
    before = (await application(client, token, app))["package"]
    await advance(client, JAN25)
    package = (await upgrade(client, token, app, "LARGE_ROOM"))["package"]
    assert period(package) == period(before)
    assert (parse(package["expiresAt"]), parse(package["rtc"]["startsAt"])) == (APR10, START)
    assert package["status"] == "ACTIVE"
    shown = (await application(client, token, app))["package"]
    assert (shown["edition"], shown["status"]) == ("LARGE_ROOM", "ACTIVE")
    assert period(shown) == period(before)


async def test_U2_takes_effect_at_once_in_entitlements(client):
    _, token, app = await owner_with_package(client)
    service = await issue_token(client, "SERVICE")
    shown = data(await gql(client, ENTITLEMENTS, {"app": app}, service))["entitlements"]
    assert (shown["edition"], shown["limits"]["maxParticipants"]) == ("BASIC", 50)
    await advance(client, JAN25)
    assert (await upgrade(client, token, app, "ADVANCED"))["errors"] == []
    shown = data(await gql(client, ENTITLEMENTS, {"app": app}, service))["entitlements"]
    assert (shown["edition"], shown["limits"]["maxParticipants"]) == ("ADVANCED", 200)


async def test_U4_current_month_minutes_grow_by_the_fraction_rounded_down(client):
    _, token, app = await owner_with_package(client, months=3)
    assert await granted(app) == 380000
    await advance(client, JAN25)
    variables = {"input": {"sdkAppId": app, "targetEdition": "ADVANCED", "idempotencyKey": key()}}
    payload = data(await gql(client, UPGRADE_MINUTES, variables, token))["upgradePackage"]
    # 380,000 + 1,020,000 × 16/31 (= 526,451.6…, rounded down)
    assert payload["package"] == {"edition": "ADVANCED", "includedMinutesLeft": 906451}
    assert await granted(app) == 906451
    order = await Order.get(kind="UPGRADE")
    assert order.details["minutesAdded"] == 526451
    # the next package month gets the new edition's full allowance (M-2)
    await advance(client, "2027-02-10T00:00:00+08:00")
    assert await granted(app) == 1400000


# ---------------------------------------------------------------- U-1 refusals


async def test_U1_same_edition(client):
    _, token, app = await owner_with_package(client)
    result = await upgrade(client, token, app, "BASIC")
    assert codes(result) == ["SAME_EDITION"] and result["order"] is None


async def test_U1_downgrades_are_refused(client):
    _, token, app = await owner_with_package(client, "ADVANCED")
    assert codes(await upgrade(client, token, app, "BASIC")) == ["DOWNGRADE_NOT_ALLOWED"]
    assert codes(await upgrade(client, token, app, "TRIAL")) == ["DOWNGRADE_NOT_ALLOWED"]
    assert (await upgrade(client, token, app, "LARGE_ROOM"))["errors"] == []
    assert codes(await upgrade(client, token, app, "ADVANCED")) == ["DOWNGRADE_NOT_ALLOWED"]
    assert codes(await upgrade(client, token, app, "BASIC")) == ["DOWNGRADE_NOT_ALLOWED"]
    assert codes(await upgrade(client, token, app, "LARGE_ROOM")) == ["SAME_EDITION"]
    await assert_audit_clean()


async def test_U1_no_active_package_for_none_trial_or_expired(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100000.00")
    app = await new_app(client, token)
    assert codes(await upgrade(client, token, app, "ADVANCED")) == ["NO_ACTIVE_PACKAGE"]
    assert (await start_trial(client, token, app))["errors"] == []
    assert codes(await upgrade(client, token, app, "ADVANCED")) == ["NO_ACTIVE_PACKAGE"]
    other = await new_app(client, token, "other")
    assert (await purchase(client, token, other, "BASIC", 1))["errors"] == []
    await advance(client, FEB10)  # the package expires
    assert (await application(client, token, other))["package"]["status"] == "EXPIRED"
    assert codes(await upgrade(client, token, other, "ADVANCED")) == ["NO_ACTIVE_PACKAGE"]
    assert await Order.filter(kind="UPGRADE").count() == 0


async def test_U1_quote_gives_the_same_refusals(client):
    _, token, app = await owner_with_package(client, "ADVANCED")
    result = await gql(client, QUOTE, {"app": app, "e": "BASIC"}, token)
    assert error_codes(result) == ["DOWNGRADE_NOT_ALLOWED"]
    result = await gql(client, QUOTE, {"app": app, "e": "ADVANCED"}, token)
    assert error_codes(result) == ["SAME_EDITION"]


async def test_A2_upgrade_needs_real_name_verification(client):
    account_id, token, app = await owner_with_package(client)
    await set_real_name(client, account_id, False)
    assert codes(await upgrade(client, token, app, "ADVANCED")) == ["REAL_NAME_REQUIRED"]


async def test_B6_insufficient_balance_changes_nothing(client):
    _, token, app = await owner_with_package(client, amount="2000.00")  # 346.74 left after 1653.26
    await advance(client, JAN25)
    result = await upgrade(client, token, app, "ADVANCED")
    assert codes(result) == ["INSUFFICIENT_BALANCE"]
    assert (await application(client, token, app))["package"]["edition"] == "BASIC"
    assert (await balance(client, token))["available"] == "346.74"
    assert await Order.filter(kind="UPGRADE").count() == 0
    assert await granted(app) == 380000
    await assert_audit_clean()


# ---------------------------------------------------------------- quote = order; B-8; V-1; H-1/H-2


async def test_U3_upgrade_quote_equals_the_order(client):
    _, token, app = await owner_with_package(client, months=3)
    assert (await renew(client, token, app, 2, "IM_ONLY"))["errors"] == []
    await advance(client, "2027-02-17T13:14:15+08:00")
    quote = await upgrade_quote(client, token, app, "LARGE_ROOM")
    order = (await upgrade(client, token, app, "LARGE_ROOM"))["order"]
    assert quote["lines"] == order["lines"]
    assert quote["total"] == order["amount"]
    assert sum(int(l["amount"]["amount"].replace(".", "")) for l in quote["lines"]) == int(
        quote["total"]["amount"].replace(".", "")
    )
    await assert_audit_clean()


async def test_B8_upgrade_is_idempotent(client):
    _, token, app = await owner_with_package(client)
    await advance(client, JAN25)
    idem = key()
    first = await upgrade(client, token, app, "ADVANCED", idem)
    again = await upgrade(client, token, app, "ADVANCED", idem)
    assert first["errors"] == [] and again["errors"] == []
    assert again["order"]["id"] == first["order"]["id"]
    assert (await balance(client, token))["cash"] == "96540.29"
    assert codes(await upgrade(client, token, app, "LARGE_ROOM", idem)) == ["IDEMPOTENCY_KEY_REUSED"]
    for bad in ("", "x" * 65):
        variables = {"input": {"sdkAppId": app, "targetEdition": "LARGE_ROOM", "idempotencyKey": bad}}
        assert codes(data(await gql(client, UPGRADE, variables, token))["upgradePackage"]) == [
            "INVALID_IDEMPOTENCY_KEY"
        ]
    await assert_audit_clean()


async def test_B8_concurrent_upgrades_with_one_key_charge_once(client):
    _, token, app = await owner_with_package(client)
    await advance(client, JAN25)
    idem = key()
    results = await asyncio.gather(*[upgrade(client, token, app, "ADVANCED", idem) for _ in range(5)])
    assert all(r["errors"] == [] for r in results)
    assert len({r["order"]["id"] for r in results}) == 1
    assert await Order.filter(kind="UPGRADE").count() == 1
    await assert_audit_clean()


async def test_U1_concurrent_upgrades_with_different_keys_upgrade_once(client):
    _, token, app = await owner_with_package(client)
    await advance(client, JAN25)
    results = await asyncio.gather(*[upgrade(client, token, app, "ADVANCED") for _ in range(5)])
    assert sorted(tuple(codes(r)) for r in results) == [()] + [("SAME_EDITION",)] * 4
    assert await Order.filter(kind="UPGRADE").count() == 1
    await assert_audit_clean()


async def test_V1_package_upgraded_event(client):
    _, token, app = await owner_with_package(client)
    await advance(client, JAN25)
    order = (await upgrade(client, token, app, "ADVANCED"))["order"]
    found = [e for e in await events(client, token, app) if e["type"] == "PACKAGE_UPGRADED"]
    assert len(found) == 1
    body = json.loads(found[0]["data"])
    assert (body["orderId"], body["from"], body["to"], body["amount"]) == (order["id"], "BASIC", "ADVANCED", "1806.45")
    assert found[0]["sdkAppId"] == app
    assert parse(found[0]["occurredAt"]) == parse(JAN25)


async def test_H2_another_accounts_app_is_not_found(client):
    _, _, app = await owner_with_package(client)
    _, stranger = await new_account(client, "Stranger")
    assert codes(await upgrade(client, stranger, app, "ADVANCED")) == ["NOT_FOUND"]
    assert error_codes(await gql(client, QUOTE, {"app": app, "e": "ADVANCED"}, stranger)) == ["NOT_FOUND"]


async def test_H1_partner_scopes(client):
    account_id, token, app = await owner_with_package(client)
    await advance(client, JAN25)
    reader = await issue_token(client, "PARTNER", account_id, ["orders:read"])
    nothing = await issue_token(client, "PARTNER", account_id, ["account:read"])
    writer = await issue_token(client, "PARTNER", account_id, ["packages:write"])
    variables = {"input": {"sdkAppId": app, "targetEdition": "ADVANCED", "idempotencyKey": key()}}
    assert error_codes(await gql(client, UPGRADE, variables, reader)) == ["FORBIDDEN"]
    assert error_codes(await gql(client, QUOTE, {"app": app, "e": "ADVANCED"}, nothing)) == ["FORBIDDEN"]
    assert (await upgrade_quote(client, reader, app, "ADVANCED"))["total"]["amount"] == "1806.45"
    assert (await upgrade_quote(client, writer, app, "ADVANCED"))["total"]["amount"] == "1806.45"
    assert data(await gql(client, UPGRADE, variables, writer))["upgradePackage"]["errors"] == []
    assert error_codes(await gql(client, QUOTE, {"app": app, "e": "LARGE_ROOM"})) == ["UNAUTHENTICATED"]
