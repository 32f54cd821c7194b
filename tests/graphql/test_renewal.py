"""SPEC R-1 (renewal), R-2 (the auto-renew setting), B-3 anchors, A-2, and V-1 events, through the API."""

import json
from datetime import UTC, datetime

from app.domain.orders.models import Order
from tests.conftest import START
from tests.factories import new_account, new_app
from tests.gql import data, gql
from tests.money import (
    EVENTS,
    advance,
    application,
    assert_audit_clean,
    balance,
    codes,
    credit,
    events,
    purchase,
    renew,
    set_real_name,
    start_trial,
    voucher,
)

ONE_MONTH = datetime(2027, 2, 9, 16, 0, tzinfo=UTC)  # START + 1 month: 2027-02-10 00:00 Asia/Shanghai
SET_AUTO_RENEW = """mutation($app: Int!, $enabled: Boolean!, $months: Int) {
  setAutoRenew(sdkAppId: $app, enabled: $enabled, months: $months) {
    package { id autoRenew autoRenewMonths status } errors { code field message } } }"""
SET_AUTO_RENEW_DEFAULT = """mutation($app: Int!, $enabled: Boolean!) {
  setAutoRenew(sdkAppId: $app, enabled: $enabled) { package { autoRenew autoRenewMonths } errors { code } } }"""


def parse(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    assert instant.tzinfo is not None, value
    return instant


def expiries(package: dict) -> tuple[datetime, datetime, datetime]:
    return parse(package["rtc"]["expiresAt"]), parse(package["im"]["expiresAt"]), parse(package["expiresAt"])


def priced_lines(order: dict) -> list[tuple]:
    return [(l["months"], l["amount"]["amount"], l["campaign"]) for l in order["lines"]]


async def bought(client, amount="100000.00", edition="BASIC", months=1):
    account_id, token = await new_account(client)
    await credit(client, account_id, amount)
    app = await new_app(client, token)
    result = await purchase(client, token, app, edition, months)
    assert result["errors"] == []
    return account_id, token, app


# ----------------------------------------------------------------


async def test_R1_full_renewal_prices_each_component_at_current_price(client):
    _, token, app = await bought(client, "10000.00")  # 1653.26 paid
    result = await renew(client, token, app, 2, "FULL")
    assert result["errors"] == []
    order = result["order"]
    assert (order["kind"], order["status"], order["sdkAppId"], order["edition"], order["months"]) == (
        "RENEWAL",
        "PAID",
        app,
        "BASIC",
        2,
    )
    assert order["amount"]["amount"] == "5998.00"
    assert priced_lines(order) == [(2, "3000.00", None), (2, "2998.00", None)]
    assert "RTC_PREMIUM" in order["lines"][0]["description"] and "IM_PRO" in order["lines"][1]["description"]
    # both components extended from their expiry: 2027-02-10 + 2 months = 2027-04-10 00:00 Asia/Shanghai
    april = datetime(2027, 4, 9, 16, 0, tzinfo=UTC)
    assert expiries(result["package"]) == (april, april, april)
    assert parse(result["package"]["rtc"]["startsAt"]) == START  # the anchor is kept
    assert result["package"]["status"] == "ACTIVE"
    assert (await balance(client, token))["cash"] == "2348.74"  # 10000 − 1653.26 − 5998.00
    shown = (await application(client, token, app))["package"]
    assert parse(shown["expiresAt"]) == april
    await assert_audit_clean()


async def test_R1_rtc_only_renewal_keeps_the_im_expiry(client):
    _, token, app = await bought(client, "10000.00")
    result = await renew(client, token, app, 1, "RTC_ONLY")
    order = result["order"]
    assert order["amount"]["amount"] == "1500.00"
    assert priced_lines(order) == [(1, "1500.00", None)]
    assert "RTC_PREMIUM" in order["lines"][0]["description"]
    march = datetime(2027, 3, 9, 16, 0, tzinfo=UTC)
    assert expiries(result["package"]) == (march, ONE_MONTH, ONE_MONTH)  # expiresAt: the earlier one
    await assert_audit_clean()


async def test_R1_im_only_renewal_keeps_the_rtc_expiry(client):
    _, token, app = await bought(client, "20000.00", "LARGE_ROOM")
    result = await renew(client, token, app, 3, "IM_ONLY")
    order = result["order"]
    assert order["amount"]["amount"] == "8997.00"  # IM_ULTIMATE 2999.00 × 3
    assert priced_lines(order) == [(3, "8997.00", None)]
    assert "IM_ULTIMATE" in order["lines"][0]["description"]
    may = datetime(2027, 5, 9, 16, 0, tzinfo=UTC)
    assert expiries(result["package"]) == (ONE_MONTH, may, ONE_MONTH)
    await assert_audit_clean()


async def test_R1_basic_component_prices(client):
    _, token, app = await bought(client, "10000.00")
    assert (await renew(client, token, app, 1, "IM_ONLY"))["order"]["amount"]["amount"] == "1499.00"
    assert (await renew(client, token, app, 1, "RTC_ONLY"))["order"]["amount"]["amount"] == "1500.00"
    # each component now ends 2027-03-10 00:00 Asia/Shanghai
    march = datetime(2027, 3, 9, 16, 0, tzinfo=UTC)
    assert expiries((await application(client, token, app))["package"]) == (march, march, march)
    await assert_audit_clean()


async def test_R1_no_campaign_on_renewals(client):
    # a returning customer would get ALL_CUSTOMERS on a purchase's first month; never on a renewal
    _, token, app = await bought(client, "100000.00", "ADVANCED")
    result = await renew(client, token, app, 1)
    assert result["order"]["amount"]["amount"] == "6499.00"
    assert all(l["campaign"] is None for l in result["order"]["lines"])
    await assert_audit_clean()


async def test_R1_B3_renewal_keeps_the_anchor_day(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100000.00")
    app = await new_app(client, token)
    await advance(client, "2027-01-31T10:00:00+08:00")
    package = (await purchase(client, token, app, "BASIC", 1))["package"]
    feb28 = datetime(2027, 2, 28, 2, 0, tzinfo=UTC)  # 2027-02-28 10:00 Asia/Shanghai
    assert expiries(package) == (feb28, feb28, feb28)
    # renewed a while later, still before expiry: counted from the anchor, not from Feb 28
    await advance(client, "2027-02-20T00:00:00+08:00")
    package = (await renew(client, token, app, 1))["package"]
    mar31 = datetime(2027, 3, 31, 2, 0, tzinfo=UTC)  # 2027-03-31 10:00 Asia/Shanghai
    assert expiries(package) == (mar31, mar31, mar31)
    package = (await renew(client, token, app, 1, "RTC_ONLY"))["package"]
    assert parse(package["rtc"]["expiresAt"]) == datetime(2027, 4, 30, 2, 0, tzinfo=UTC)
    package = (await renew(client, token, app, 2, "RTC_ONLY"))["package"]
    assert parse(package["rtc"]["expiresAt"]) == datetime(2027, 6, 30, 2, 0, tzinfo=UTC)
    package = (await renew(client, token, app, 1, "RTC_ONLY"))["package"]
    assert parse(package["rtc"]["expiresAt"]) == datetime(2027, 7, 31, 2, 0, tzinfo=UTC)
    assert parse(package["rtc"]["startsAt"]) == datetime(2027, 1, 31, 2, 0, tzinfo=UTC)
    assert parse(package["im"]["expiresAt"]) == mar31
    await assert_audit_clean()


async def test_R1_B3_renewal_after_expiry_restarts_from_now_with_a_new_anchor(client):
    _, token, app = await bought(client, "100000.00")
    later = datetime(2027, 2, 15, 16, 0, tzinfo=UTC)  # 2027-02-16 00:00 Asia/Shanghai, after the expiry
    await advance(client, later)
    result = await renew(client, token, app, 1)
    assert result["errors"] == []
    package = result["package"]
    assert package["status"] == "ACTIVE"
    mid_march = datetime(2027, 3, 15, 16, 0, tzinfo=UTC)
    assert expiries(package) == (mid_march, mid_march, mid_march)
    assert parse(package["rtc"]["startsAt"]) == later and parse(package["im"]["startsAt"]) == later
    assert result["order"]["amount"]["amount"] == "2999.00"
    assert (await application(client, token, app))["package"]["status"] == "ACTIVE"
    await assert_audit_clean()


async def test_R1_renew_without_a_paid_package_is_refused(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    result = await renew(client, token, app, 1)
    assert codes(result) == ["NO_ACTIVE_PACKAGE"] and result["order"] is None
    await start_trial(client, token, app)
    assert codes(await renew(client, token, app, 1)) == ["NO_ACTIVE_PACKAGE"]
    assert await Order.all().count() == 0
    assert (await balance(client, token))["cash"] == "10000.00"
    await assert_audit_clean()


async def test_R1_renew_months_out_of_range_and_foreign_app(client):
    _, token, app = await bought(client)
    for months in (0, 37):
        assert codes(await renew(client, token, app, months)) == ["INVALID_DURATION"], months
    _, other_token = await new_account(client, name="Other")
    assert codes(await renew(client, other_token, app, 1)) == ["NOT_FOUND"]
    assert await Order.filter(kind="RENEWAL").count() == 0


async def test_R1_renewal_pays_with_vouchers_first_and_refuses_without_money(client):
    account_id, token, app = await bought(client, "2000.00")  # 346.74 left after 1653.26
    v = await voucher(client, account_id, "200.00")
    before = (await application(client, token, app))["package"]
    result = await renew(client, token, app, 1, "IM_ONLY", vouchers=[v])  # 1499.00 − 200.00 > 346.74
    assert codes(result) == ["INSUFFICIENT_BALANCE"]
    assert (await application(client, token, app))["package"] == before
    assert await Order.filter(kind="RENEWAL").count() == 0
    await credit(client, account_id, "952.26", "gift")  # 1299.00 available
    order = (await renew(client, token, app, 1, "IM_ONLY", vouchers=[v]))["order"]
    assert {k: v["amount"] for k, v in order["paid"].items()} == {
        "voucher": "200.00",
        "gift": "952.26",
        "income": "0.00",
        "cash": "346.74",
    }
    assert (await balance(client, token))["available"] == "0.00"
    await assert_audit_clean()


async def test_A2_unverified_account_cannot_renew(client):
    account_id, token, app = await bought(client)
    await set_real_name(client, account_id, False)
    result = await renew(client, token, app, 1)
    assert codes(result) == ["REAL_NAME_REQUIRED"]
    assert await Order.filter(kind="RENEWAL").count() == 0
    assert parse((await application(client, token, app))["package"]["expiresAt"]) == ONE_MONTH
    await set_real_name(client, account_id, True)
    assert (await renew(client, token, app, 1))["errors"] == []
    await assert_audit_clean()


async def test_R1_sub_user_renews_for_the_owner(client):
    owner_id, owner_token, app = await bought(client, "10000.00")
    _, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    order = (await renew(client, sub_token, app, 1))["order"]
    assert order["amount"]["amount"] == "2999.00"
    assert (await balance(client, owner_token))["cash"] == "5347.74"  # 10000 − 1653.26 − 2999.00
    await assert_audit_clean()


# ---------------------------------------------------------------- R-2 the setting


async def test_R2_set_auto_renew_stores_the_setting(client):
    _, token, app = await bought(client)
    payload = data(await gql(client, SET_AUTO_RENEW, {"app": app, "enabled": True, "months": 3}, token))["setAutoRenew"]
    assert payload["errors"] == []
    assert (payload["package"]["autoRenew"], payload["package"]["autoRenewMonths"]) == (True, 3)
    shown = (await application(client, token, app))["package"]
    assert (shown["autoRenew"], shown["autoRenewMonths"]) == (True, 3)
    payload = data(await gql(client, SET_AUTO_RENEW_DEFAULT, {"app": app, "enabled": False}, token))["setAutoRenew"]
    assert payload == {"package": {"autoRenew": False, "autoRenewMonths": 1}, "errors": []}
    shown = (await application(client, token, app))["package"]
    assert (shown["autoRenew"], shown["autoRenewMonths"]) == (False, 1)
    changed = [e for e in await events(client, token, app) if e["type"] == "AUTO_RENEW_CHANGED"]
    assert [json.loads(e["data"])["enabled"] for e in changed] == [True, False]


async def test_R2_auto_renew_months_must_be_1_to_36(client):
    _, token, app = await bought(client)
    for months in (0, 37):
        payload = data(await gql(client, SET_AUTO_RENEW, {"app": app, "enabled": True, "months": months}, token))[
            "setAutoRenew"
        ]
        assert [e["code"] for e in payload["errors"]] == ["INVALID_DURATION"], months
        assert payload["package"] is None
    shown = (await application(client, token, app))["package"]
    assert (shown["autoRenew"], shown["autoRenewMonths"]) == (False, 1)


async def test_R2_auto_renew_needs_a_paid_package(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    payload = data(await gql(client, SET_AUTO_RENEW, {"app": app, "enabled": True, "months": 1}, token))
    assert [e["code"] for e in payload["setAutoRenew"]["errors"]] == ["NO_ACTIVE_PACKAGE"]
    await start_trial(client, token, app)
    payload = data(await gql(client, SET_AUTO_RENEW, {"app": app, "enabled": True, "months": 1}, token))
    assert [e["code"] for e in payload["setAutoRenew"]["errors"]] == ["NO_ACTIVE_PACKAGE"]
    _, other_token = await new_account(client, name="Other")
    payload = data(await gql(client, SET_AUTO_RENEW, {"app": app, "enabled": True, "months": 1}, other_token))
    assert [e["code"] for e in payload["setAutoRenew"]["errors"]] == ["NOT_FOUND"]


# ---------------------------------------------------------------- V-1 events


async def test_V1_events_of_the_money_lifecycle(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00", "gift")
    app = await new_app(client, token)
    trial = (await start_trial(client, token, app))["package"]
    order = (await purchase(client, token, app, "BASIC", 1))["order"]
    renewal = (await renew(client, token, app, 2, "RTC_ONLY"))["order"]
    interesting = {"BALANCE_CREDITED", "TRIAL_STARTED", "TRIAL_ENDED", "PACKAGE_PURCHASED", "PACKAGE_RENEWED"}
    found = [e for e in await events(client, token) if e["type"] in interesting]
    assert [(e["type"], e["sdkAppId"]) for e in found] == [
        ("BALANCE_CREDITED", None),
        ("TRIAL_STARTED", app),
        ("TRIAL_ENDED", app),
        ("PACKAGE_PURCHASED", app),
        ("PACKAGE_RENEWED", app),
    ]
    for e in found:
        assert isinstance(json.loads(e["data"]), dict), e
        assert parse(e["occurredAt"]) == START
    credited, started, ended, purchased, renewed = (json.loads(e["data"]) for e in found)
    assert credited["amount"] == "10000.00" and credited["source"] == "gift"
    assert started["packageId"] == ended["packageId"] == trial["id"]
    assert (purchased["orderId"], purchased["edition"], purchased["months"], purchased["amount"]) == (
        order["id"],
        "BASIC",
        1,
        "1653.26",
    )
    assert (renewed["orderId"], renewed["scope"], renewed["months"], renewed["amount"]) == (
        renewal["id"],
        "RTC_ONLY",
        2,
        "3000.00",
    )
    # ids increase in the order things happened
    ids = [int(e["id"]) for e in found]
    assert ids == sorted(ids)
    # sdkAppId filter: the app's events only, so no account-level event
    by_app = await events(client, token, app)
    assert by_app and all(e["sdkAppId"] == app for e in by_app)
    # another account sees none of them
    _, other_token = await new_account(client, name="Other")
    assert await events(client, other_token) == []
    await assert_audit_clean()


async def test_V1_events_pagination(client):
    account_id, token = await new_account(client)
    for i in range(7):
        await credit(client, account_id, f"{i + 1}.00")
    everything = await events(client, token)
    assert [json.loads(e["data"])["amount"] for e in everything] == [f"{i + 1}.00" for i in range(7)]
    seen, after, pages = [], None, 0
    while True:
        page = data(await gql(client, EVENTS, {"first": 3, "after": after}, token))["events"]
        pages += 1
        assert len(page["edges"]) <= 3
        seen += [e["node"]["id"] for e in page["edges"]]
        if page["edges"]:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [e["id"] for e in everything]
    assert pages == 3
    # first: 100 is allowed, 101 is an error (H-3)
    assert len(data(await gql(client, EVENTS, {"first": 100}, token))["events"]["edges"]) == 7
    result = await gql(client, EVENTS, {"first": 101}, token)
    assert "errors" in result and result.get("data") is None, result
    assert "100" in result["errors"][0]["message"]
    # a cursor that is not one is refused
    assert "errors" in await gql(client, EVENTS, {"first": 3, "after": "nonsense"}, token)
