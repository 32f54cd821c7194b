"""SPEC R-2…R-5, T-1, M-2, C-1, C-2: the package timers, driven through the API with advanceClock.

Every figure is exact: the clock starts at START (2027-01-10 00:00 Asia/Shanghai) and only moves
when a test advances it; a BASIC first order costs 1653.26 and a BASIC month 2999.00
(RTC_PREMIUM 1500.00 + IM_PRO 1499.00).
"""

import json
from datetime import UTC, datetime, timedelta

import pytest

from app import clock
from app.domain.accounts.models import Account
from app.domain.catalog.models import Component
from app.domain.events.models import Event
from app.domain.ledger.models import LedgerEntry, LedgerTransaction
from app.domain.orders.models import Order
from app.domain.packages.models import Package
from app.domain.timers import package_sweep, runner
from tests.conftest import OPERATOR, START
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, gql
from tests.money import (
    ADVANCE_CLOCK,
    advance,
    application,
    assert_audit_clean,
    balance,
    ban_account,
    credit,
    entitlements,
    events,
    of_type,
    orders_of,
    purchase,
    record_usage,
    renew,
    set_real_name,
    shanghai,
    start_trial,
    usage_event,
    voucher,
    vouchers,
)

SECOND = timedelta(seconds=1)
ONE_MONTH = datetime(2027, 2, 9, 16, 0, tzinfo=UTC)  # START + 1 month: 2027-02-10 00:00 Asia/Shanghai
TWO_MONTHS = datetime(2027, 3, 9, 16, 0, tzinfo=UTC)  # 2027-03-10 00:00 Asia/Shanghai
REMIND_7D = ONE_MONTH - timedelta(days=7)  # 2027-02-03 00:00 Asia/Shanghai
REMIND_1D = ONE_MONTH - timedelta(hours=24)  # 2027-02-09 00:00 Asia/Shanghai
TIMER_EVENTS = (
    "TRIAL_ENDED",
    "PACKAGE_EXPIRED",
    "AUTO_RENEWED",
    "AUTO_RENEW_FAILED",
    "RENEWAL_REMINDER",
    "ALLOWANCE_GRANTED",
)

SET_AUTO_RENEW = """mutation($app: Int!, $enabled: Boolean!, $months: Int) {
  setAutoRenew(sdkAppId: $app, enabled: $enabled, months: $months) {
    package { autoRenew autoRenewMonths } errors { code field message } } }"""


def parse(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    assert instant.tzinfo is not None, value
    return instant


def timeline(found: list[dict], *types: str) -> list[tuple[str, datetime]]:
    """(type, occurredAt) of the events of `types` (default: the timers' own), in the order recorded."""
    return [(e["type"], parse(e["occurredAt"])) for e in of_type(found, *(types or TIMER_EVENTS))]


def payload_of(event: dict) -> dict:
    return json.loads(event["data"])


async def set_auto_renew(client, token, app, enabled=True, months=1) -> None:
    payload = data(await gql(client, SET_AUTO_RENEW, {"app": app, "enabled": enabled, "months": months}, token))[
        "setAutoRenew"
    ]
    assert payload["errors"] == [], payload
    assert payload["package"] == {"autoRenew": enabled, "autoRenewMonths": months}


async def bought(client, amount="10000.00", *, edition="BASIC", months=1, auto_renew=False):
    """An owner credited `amount` (cash) with one app that bought `edition` at the current clock."""
    account_id, token = await new_account(client)
    if amount:
        await credit(client, account_id, amount)
    app = await new_app(client, token)
    result = await purchase(client, token, app, edition, months, auto_renew=auto_renew)
    assert result["errors"] == [], result
    return account_id, token, app


async def package_of(client, token, app) -> dict:
    return (await application(client, token, app))["package"]


@pytest.fixture
async def component_price():
    """Change a component's monthly price in the catalog row (operators' data), restored afterwards:
    the catalog tables are not emptied between tests."""
    saved: dict[str, int] = {}

    async def change(code: str, fen: int) -> None:
        row = await Component.get(code=code)
        saved.setdefault(code, row.monthly_price_fen)
        await Component.filter(code=code).update(monthly_price_fen=fen)

    yield change
    for code, fen in saved.items():
        await Component.filter(code=code).update(monthly_price_fen=fen)


# ---------------------------------------------------------------- R-2 auto-renewal


async def test_R2_auto_renewal_at_the_expiry_instant_at_the_price_current_then(client, component_price):
    _, token, app = await bought(client, "10000.00", auto_renew=True)  # 8346.74 left
    await component_price("RTC_PREMIUM", 160000)  # 1500.00 → 1600.00 while the package runs
    await advance(client, ONE_MONTH - SECOND)
    assert await orders_of(client, token, app, "AUTO_RENEWAL") == []
    assert (await package_of(client, token, app))["status"] == "ACTIVE"

    payload = await advance(client, ONE_MONTH)
    assert payload["timersRun"] == 2  # the renewal, then the renewed month's allowance (M-2)
    [order] = await orders_of(client, token, app, "AUTO_RENEWAL")
    assert (order["kind"], order["status"], order["months"], order["edition"]) == ("AUTO_RENEWAL", "PAID", 1, "BASIC")
    assert order["amount"]["amount"] == "3099.00"  # 1600.00 + 1499.00: the price at the expiry instant
    assert [(l["months"], l["amount"]["amount"], l["campaign"]) for l in order["lines"]] == [
        (1, "1600.00", None),
        (1, "1499.00", None),
    ]
    assert parse(order["createdAt"]) == ONE_MONTH
    assert {k: v["amount"] for k, v in order["paid"].items()} == {
        "voucher": "0.00",
        "gift": "0.00",
        "income": "0.00",
        "cash": "3099.00",
    }
    assert (await balance(client, token))["cash"] == "5247.74"  # 8346.74 − 3099.00

    package = await package_of(client, token, app)
    assert (package["status"], package["autoRenewFailureReason"]) == ("ACTIVE", None)
    assert parse(package["rtc"]["expiresAt"]) == parse(package["im"]["expiresAt"]) == TWO_MONTHS
    assert parse(package["rtc"]["startsAt"]) == START  # renewed at the instant: a continuation
    found = await events(client, token, app)
    # affordable with auto-renewal on: no reminder; renewed: no PACKAGE_EXPIRED
    assert timeline(found) == [
        ("ALLOWANCE_GRANTED", START),
        ("AUTO_RENEWED", ONE_MONTH),
        ("ALLOWANCE_GRANTED", ONE_MONTH),
    ]
    assert payload_of(of_type(found, "ALLOWANCE_GRANTED")[1])["month"] == 2
    renewed = payload_of(of_type(found, "AUTO_RENEWED")[0])
    assert (renewed["orderId"], renewed["amount"], renewed["months"]) == (order["id"], "3099.00", 1)
    await assert_audit_clean()


async def test_R2_auto_renew_months_renews_that_many_months_keeping_the_anchor(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "20000.00")
    app = await new_app(client, token)
    await advance(client, "2027-01-31T10:00:00+08:00")
    package = (await purchase(client, token, app, "BASIC", 1))["package"]
    feb28 = shanghai(2027, 2, 28, 10)
    assert parse(package["expiresAt"]) == feb28
    await set_auto_renew(client, token, app, True, 3)

    payload = await advance(client, feb28)
    assert payload["timersRun"] >= 1
    [order] = await orders_of(client, token, app, "AUTO_RENEWAL")
    assert (order["months"], order["amount"]["amount"]) == (3, "8997.00")  # 2999.00 × 3
    package = await package_of(client, token, app)
    may31 = shanghai(2027, 5, 31, 10)  # anchor Jan 31 + 4 months, not Feb 28 + 3
    assert parse(package["rtc"]["expiresAt"]) == parse(package["im"]["expiresAt"]) == may31
    assert parse(package["rtc"]["startsAt"]) == shanghai(2027, 1, 31, 10)
    assert (package["status"], package["autoRenew"], package["autoRenewMonths"]) == ("ACTIVE", True, 3)
    renewed = payload_of(of_type(await events(client, token, app), "AUTO_RENEWED")[0])
    assert (renewed["months"], renewed["scope"], renewed["amount"]) == (3, "FULL", "8997.00")
    await assert_audit_clean()


async def test_R2_auto_renewal_uses_the_largest_unexpired_voucher_not_above_the_price(client):
    account_id, token, app = await bought(client, "10000.00", auto_renew=True)  # 8346.74 left
    above = await voucher(client, account_id, "3000.00")  # above the 2999.00 price
    larger = await voucher(client, account_id, "500.00")
    smaller = await voucher(client, account_id, "200.00")
    expired = await voucher(client, account_id, "1000.00", (ONE_MONTH - timedelta(hours=1)).isoformat())

    await advance(client, ONE_MONTH)
    [order] = await orders_of(client, token, app, "AUTO_RENEWAL")
    assert order["amount"]["amount"] == "2999.00"
    assert {k: v["amount"] for k, v in order["paid"].items()} == {
        "voucher": "500.00",
        "gift": "0.00",
        "income": "0.00",
        "cash": "2499.00",
    }
    used = {v["id"]: v["usedAt"] for v in await vouchers(client, token)}
    assert parse(used[larger]) == ONE_MONTH
    assert used[above] is None and used[smaller] is None and used[expired] is None
    assert (await balance(client, token))["cash"] == "5847.74"  # 8346.74 − 2499.00
    assert (await package_of(client, token, app))["autoRenewFailureReason"] is None
    assert [
        t
        for t, _ in timeline(
            await events(client, token, app), "AUTO_RENEWED", "AUTO_RENEW_FAILED", "PACKAGE_EXPIRED", "RENEWAL_REMINDER"
        )
    ] == ["AUTO_RENEWED"]
    await assert_audit_clean()


async def test_R2_auto_renewal_renews_only_the_component_that_expires(client):
    _, token, app = await bought(client, "20000.00", auto_renew=True)
    assert (await renew(client, token, app, 1, "RTC_ONLY"))["errors"] == []  # RTC to TWO_MONTHS
    await advance(client, ONE_MONTH)
    [order] = await orders_of(client, token, app, "AUTO_RENEWAL")
    assert (order["amount"]["amount"], order["months"]) == ("1499.00", 1)  # IM_PRO only
    assert len(order["lines"]) == 1 and "IM_PRO" in order["lines"][0]["description"]
    package = await package_of(client, token, app)
    assert package["status"] == "ACTIVE"
    assert parse(package["rtc"]["expiresAt"]) == parse(package["im"]["expiresAt"]) == TWO_MONTHS
    renewed = payload_of(of_type(await events(client, token, app), "AUTO_RENEWED")[0])
    assert (renewed["scope"], renewed["amount"]) == ("IM_ONLY", "1499.00")
    # at the next expiry both end together: a FULL renewal
    await advance(client, TWO_MONTHS)
    newest = (await orders_of(client, token, app, "AUTO_RENEWAL"))[0]
    assert (newest["amount"]["amount"], len(newest["lines"])) == ("2999.00", 2)
    assert [payload_of(e)["scope"] for e in of_type(await events(client, token, app), "AUTO_RENEWED")] == [
        "IM_ONLY",
        "FULL",
    ]
    await assert_audit_clean()


# ---------------------------------------------------------------- R-3 failures


FAILURES = [
    # (expected reason, suspended, real-name verified, balance enough) — later causes present too
    ("ACCOUNT_RESTRICTED", True, True, True),
    ("ACCOUNT_RESTRICTED", True, False, False),
    ("REAL_NAME_ABNORMAL", False, False, True),
    ("REAL_NAME_ABNORMAL", False, False, False),
    ("INSUFFICIENT_BALANCE", False, True, False),
]


@pytest.mark.parametrize(("reason", "suspended", "verified", "rich"), FAILURES)
async def test_R3_auto_renew_failure_reasons_in_order(client, reason, suspended, verified, rich):
    # 1653.26 pays the purchase; what is left is 2999.00 (exactly the price) or 2998.99 (one fen short)
    account_id, token, app = await bought(client, "4652.26" if rich else "4652.25", auto_renew=True)
    if suspended:
        await Account.filter(id=account_id).update(status="SUSPENDED")
    if not verified:
        await set_real_name(client, account_id, False)
    before = await balance(client, token)

    await advance(client, ONE_MONTH)
    found = await events(client, token, app)
    assert timeline(found, "AUTO_RENEW_FAILED", "PACKAGE_EXPIRED", "AUTO_RENEWED") == [
        ("AUTO_RENEW_FAILED", ONE_MONTH),
        ("PACKAGE_EXPIRED", ONE_MONTH),
    ]
    assert payload_of(of_type(found, "AUTO_RENEW_FAILED")[0])["reason"] == reason
    package = await package_of(client, token, app)
    assert (package["status"], package["autoRenewFailureReason"]) == ("EXPIRED", reason)
    assert parse(package["expiresAt"]) == ONE_MONTH
    assert await orders_of(client, token, app, "AUTO_RENEWAL") == []
    assert await balance(client, token) == before
    await assert_audit_clean()


async def test_R3_auto_renewal_is_attempted_in_arrears_then_the_package_expires(client):
    account_id, token, app = await bought(client, "1653.26", auto_renew=True)  # nothing left
    other_app = await new_app(client, token, "No package")
    service = await issue_token(client, "SERVICE")
    # usage of an app without a package is postpaid: 1,000 minutes = 7.00, settled at 01:00 the next day
    await advance(client, shanghai(2027, 2, 8, 12))
    accepted = await record_usage(client, service, [usage_event(other_app, 1000, at=shanghai(2027, 2, 8, 11))])
    assert accepted["errors"] == [], accepted
    await advance(client, shanghai(2027, 2, 9, 1))
    assert (await Account.get(id=account_id)).status == "ARREARS"  # suspension would come at 02-10 01:00

    await advance(client, ONE_MONTH)
    found = await events(client, token, app)
    assert timeline(found, "AUTO_RENEW_FAILED", "PACKAGE_EXPIRED") == [
        ("AUTO_RENEW_FAILED", ONE_MONTH),
        ("PACKAGE_EXPIRED", ONE_MONTH),
    ]
    assert payload_of(of_type(found, "AUTO_RENEW_FAILED")[0])["reason"] == "INSUFFICIENT_BALANCE"
    assert (await package_of(client, token, app))["autoRenewFailureReason"] == "INSUFFICIENT_BALANCE"
    await assert_audit_clean()


async def test_R3_a_banned_account_has_auto_renew_off_and_is_never_charged(client):
    account_id, token, app = await bought(client, "10000.00", auto_renew=True)
    assert (await ban_account(client, account_id))["errors"] == []
    assert (await package_of(client, token, app))["autoRenew"] is False
    before = await balance(client, token)
    await advance(client, ONE_MONTH)
    found = await events(client, token, app)
    assert of_type(found, "AUTO_RENEWED", "AUTO_RENEW_FAILED") == []
    assert await orders_of(client, token, app, "AUTO_RENEWAL") == []
    assert await balance(client, token) == before
    await assert_audit_clean()


async def test_R3_success_after_a_failure_clears_the_reason(client):
    account_id, token, app = await bought(client, "1653.26", auto_renew=True)
    await advance(client, ONE_MONTH)
    assert (await package_of(client, token, app))["autoRenewFailureReason"] == "INSUFFICIENT_BALANCE"
    # renewed by hand after the expiry (restarts from now), with auto-renewal still on
    await credit(client, account_id, "10000.00")
    result = await renew(client, token, app, 1)
    assert result["errors"] == [] and result["package"]["status"] == "ACTIVE"
    restarted_expiry = parse(result["package"]["expiresAt"])
    await advance(client, restarted_expiry)
    package = await package_of(client, token, app)
    assert (package["status"], package["autoRenewFailureReason"]) == ("ACTIVE", None)
    assert len(await orders_of(client, token, app, "AUTO_RENEWAL")) == 1
    await assert_audit_clean()


# ---------------------------------------------------------------- R-4 reminders


async def reminders(client, token, app) -> list[datetime]:
    return [at for _, at in timeline(await events(client, token, app), "RENEWAL_REMINDER")]


async def step_through_reminders(client, token, app) -> None:
    """One second before each reminder instant: nothing; at the instant: the reminder."""
    await advance(client, REMIND_7D - SECOND)
    assert await reminders(client, token, app) == []
    await advance(client, REMIND_7D)
    assert await reminders(client, token, app) == [REMIND_7D]
    await advance(client, REMIND_1D - SECOND)
    assert await reminders(client, token, app) == [REMIND_7D]
    await advance(client, REMIND_1D)
    assert await reminders(client, token, app) == [REMIND_7D, REMIND_1D]


async def test_R4_reminders_7_days_and_24_hours_before_expiry_when_auto_renew_is_off(client):
    _, token, app = await bought(client, "10000.00")
    await step_through_reminders(client, token, app)
    found = of_type(await events(client, token, app), "RENEWAL_REMINDER")
    assert all(e["sdkAppId"] == app for e in found)
    assert all(parse(payload_of(e)["expiresAt"]) == ONE_MONTH for e in found)
    await advance(client, ONE_MONTH + timedelta(days=3))
    assert await reminders(client, token, app) == [REMIND_7D, REMIND_1D]  # never twice
    assert timeline(await events(client, token, app), "PACKAGE_EXPIRED") == [("PACKAGE_EXPIRED", ONE_MONTH)]


async def test_R4_reminders_when_auto_renew_is_on_but_the_balance_after_vouchers_is_short(client):
    account_id, token, app = await bought(client, "3653.26", auto_renew=True)  # 2000.00 left
    await voucher(client, account_id, "500.00")  # 2999.00 − 500.00 = 2499.00 > 2000.00
    await step_through_reminders(client, token, app)
    await advance(client, ONE_MONTH)
    found = await events(client, token, app)
    assert payload_of(of_type(found, "AUTO_RENEW_FAILED")[0])["reason"] == "INSUFFICIENT_BALANCE"


async def test_R4_no_reminder_when_auto_renew_is_on_and_a_voucher_makes_it_affordable(client):
    account_id, token, app = await bought(client, "4153.26", auto_renew=True)  # 2500.00 left
    await voucher(client, account_id, "500.00")  # 2499.00 to pay ≤ 2500.00
    await advance(client, REMIND_1D)
    assert await reminders(client, token, app) == []
    await advance(client, ONE_MONTH)
    assert await reminders(client, token, app) == []
    [order] = await orders_of(client, token, app, "AUTO_RENEWAL")
    assert order["paid"]["voucher"]["amount"] == "500.00" and order["paid"]["cash"]["amount"] == "2499.00"
    assert (await balance(client, token))["cash"] == "1.00"
    await assert_audit_clean()


async def test_R4_a_voucher_expiring_before_the_renewal_does_not_spare_the_reminder(client):
    account_id, token, app = await bought(client, "3653.26", auto_renew=True)  # 2000.00 left
    # valid at the 7-day reminder, gone at the expiry: the renewal will cost 2999.00 > 2000.00
    await voucher(client, account_id, "1000.00", (ONE_MONTH - timedelta(days=3)).isoformat())
    await advance(client, ONE_MONTH)
    found = await events(client, token, app)
    assert payload_of(of_type(found, "AUTO_RENEW_FAILED")[0])["reason"] == "INSUFFICIENT_BALANCE"
    assert await reminders(client, token, app) == [REMIND_7D, REMIND_1D]


async def test_R4_reminders_are_re_armed_for_the_new_expiry_after_a_renewal(client):
    _, token, app = await bought(client, "10000.00")
    await advance(client, REMIND_7D)
    assert await reminders(client, token, app) == [REMIND_7D]
    assert (await renew(client, token, app, 1))["errors"] == []  # now ends TWO_MONTHS
    await advance(client, TWO_MONTHS)
    assert await reminders(client, token, app) == [
        REMIND_7D,
        TWO_MONTHS - timedelta(days=7),
        TWO_MONTHS - timedelta(hours=24),
    ]
    assert timeline(await events(client, token, app), "PACKAGE_EXPIRED") == [("PACKAGE_EXPIRED", TWO_MONTHS)]


# ---------------------------------------------------------------- T-1 trial end


async def test_T1_trial_ends_exactly_7_times_24_hours_after_it_started(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    trial = (await start_trial(client, token, app))["package"]
    end = START + timedelta(days=7)
    assert parse(trial["expiresAt"]) == end
    assert (await advance(client, end - SECOND))["timersRun"] == 0
    assert (await package_of(client, token, app))["status"] == "TRIAL"
    assert of_type(await events(client, token, app), "TRIAL_ENDED") == []

    assert (await advance(client, end))["timersRun"] == 1
    assert (await package_of(client, token, app))["status"] == "TRIAL_ENDED"
    [ended] = of_type(await events(client, token, app), "TRIAL_ENDED")
    assert parse(ended["occurredAt"]) == end and ended["sdkAppId"] == app
    assert payload_of(ended)["packageId"] == trial["id"]


# ---------------------------------------------------------------- R-5 one component expires


async def test_R5_one_component_expired_locks_the_package_and_renewing_it_restarts_it(client):
    _, token, app = await bought(client, "20000.00")
    assert (await renew(client, token, app, 1, "RTC_ONLY"))["errors"] == []  # RTC to TWO_MONTHS, IM to ONE_MONTH
    await advance(client, ONE_MONTH)
    package = await package_of(client, token, app)
    assert package["status"] == "EXPIRED"
    assert parse(package["rtc"]["expiresAt"]) == TWO_MONTHS  # RTC keeps its period
    assert parse(package["im"]["expiresAt"]) == ONE_MONTH
    [expired] = of_type(await events(client, token, app), "PACKAGE_EXPIRED")
    assert parse(expired["occurredAt"]) == ONE_MONTH
    assert (await entitlements(client, token, app))["featuresUnlocked"] is False

    later = ONE_MONTH + timedelta(days=5)  # 2027-02-15 00:00 Asia/Shanghai
    await advance(client, later)
    result = await renew(client, token, app, 1, "IM_ONLY")
    assert result["errors"] == []
    assert result["order"]["amount"]["amount"] == "1499.00"
    package = await package_of(client, token, app)
    assert package["status"] == "ACTIVE"
    assert parse(package["im"]["startsAt"]) == later  # restarted from now: a new anchor
    assert parse(package["im"]["expiresAt"]) == datetime(2027, 3, 14, 16, 0, tzinfo=UTC)
    assert parse(package["rtc"]["expiresAt"]) == TWO_MONTHS
    assert parse(package["expiresAt"]) == TWO_MONTHS
    assert (await entitlements(client, token, app))["featuresUnlocked"] is True
    # and the package's timers follow the earlier component: expired again at TWO_MONTHS
    await advance(client, TWO_MONTHS)
    assert (await package_of(client, token, app))["status"] == "EXPIRED"
    assert len(of_type(await events(client, token, app), "PACKAGE_EXPIRED")) == 2
    await assert_audit_clean()


# ---------------------------------------------------------------- M-2 monthly allowance, C-2 due order


async def test_M2_C2_a_three_month_package_gets_each_month_allowance_in_due_order(client):
    _, token, app = await bought(client, "20000.00", months=3)
    three_months = datetime(2027, 4, 9, 16, 0, tzinfo=UTC)  # 2027-04-10 00:00 Asia/Shanghai
    target = datetime(2027, 4, 20, 0, 0, tzinfo=UTC)
    payload = await advance(client, target)  # three months in one call
    # 2 grants (months 2 and 3), 2 reminders, 1 expiry
    assert payload["timersRun"] == 5
    assert parse(payload["now"]) == target
    found = await events(client, token, app)
    assert timeline(found) == [
        ("ALLOWANCE_GRANTED", START),  # month 1, with the purchase
        ("ALLOWANCE_GRANTED", ONE_MONTH),
        ("ALLOWANCE_GRANTED", TWO_MONTHS),
        ("RENEWAL_REMINDER", three_months - timedelta(days=7)),
        ("RENEWAL_REMINDER", three_months - timedelta(hours=24)),
        ("PACKAGE_EXPIRED", three_months),
    ]
    grants = [payload_of(e) for e in of_type(found, "ALLOWANCE_GRANTED")]
    assert [(g["month"], g["minutes"]) for g in grants] == [(1, 380000), (2, 380000), (3, 380000)]
    # recorded in the order they became due
    ids = [int(e["id"]) for e in of_type(found, *TIMER_EVENTS)]
    assert ids == sorted(ids)


async def test_M2_included_minutes_lapse_at_the_end_of_each_package_month(client):
    _, token, app = await bought(client, "20000.00", months=3)
    service = await issue_token(client, "SERVICE")
    accepted = await record_usage(client, service, [usage_event(app, 1000, at=START)])
    assert accepted["errors"] == [], accepted
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 379000
    await advance(client, ONE_MONTH - SECOND)
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 379000
    await advance(client, ONE_MONTH)
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 380000


# ---------------------------------------------------------------- C-2 advanceClock


async def test_C2_advance_clock_returns_the_number_of_transitions_run(client):
    _, token = await new_account(client)
    apps = [await new_app(client, token, f"App {i}") for i in range(3)]
    for app in apps:
        await start_trial(client, token, app)
    payload = await advance(client, START + timedelta(days=7))
    assert payload["timersRun"] == 3
    assert (await advance(client, START + timedelta(days=8)))["timersRun"] == 0


async def test_C2_advancing_to_the_current_instant_runs_what_is_due(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    await start_trial(client, token, app)
    end = START + timedelta(days=7)
    # time reached the trial's end but nothing ran yet (as if no worker had swept)
    await clock.set_simulated_now(end)
    assert (await package_of(client, token, app))["status"] == "TRIAL"
    payload = await advance(client, end)
    assert (payload["timersRun"], parse(payload["now"])) == (1, end)
    assert (await package_of(client, token, app))["status"] == "TRIAL_ENDED"
    assert timeline(await events(client, token, app)) == [("TRIAL_ENDED", end)]
    assert (await advance(client, end))["timersRun"] == 0  # once only


async def test_C2_advancing_backwards_is_refused_and_runs_nothing(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    await start_trial(client, token, app)
    await advance(client, START + timedelta(days=1))
    # customers may not move time at all
    assert "errors" in await gql(client, ADVANCE_CLOCK, {"to": (START + timedelta(days=8)).isoformat()}, token)
    payload = data(await gql(client, ADVANCE_CLOCK, {"to": START.isoformat()}, OPERATOR))["advanceClock"]
    assert [e["code"] for e in payload["errors"]] == ["CLOCK_BACKWARDS"]
    assert payload["timersRun"] == 0
    assert parse(payload["now"]) == START + timedelta(days=1)
    assert (await package_of(client, token, app))["status"] == "TRIAL"


async def test_C2_timers_of_different_packages_run_in_due_order(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "50000.00")
    a = await new_app(client, token, "A")
    b = await new_app(client, token, "B")
    assert (await purchase(client, token, a, "BASIC", 1))["errors"] == []  # ends ONE_MONTH
    await advance(client, START + timedelta(days=3))
    assert (await purchase(client, token, b, "BASIC", 1))["errors"] == []  # ends three days later
    b_end = ONE_MONTH + timedelta(days=3)
    await advance(client, datetime(2027, 3, 1, tzinfo=UTC))  # both lifecycles in one call
    found = [e for e in await events(client, token) if e["type"] in ("RENEWAL_REMINDER", "PACKAGE_EXPIRED")]
    assert [(e["sdkAppId"], e["type"], parse(e["occurredAt"])) for e in found] == [
        (a, "RENEWAL_REMINDER", REMIND_7D),
        (b, "RENEWAL_REMINDER", b_end - timedelta(days=7)),
        (a, "RENEWAL_REMINDER", REMIND_1D),
        (a, "PACKAGE_EXPIRED", ONE_MONTH),
        (b, "RENEWAL_REMINDER", b_end - timedelta(hours=24)),
        (b, "PACKAGE_EXPIRED", b_end),
    ]


# ---------------------------------------------------------------- C-1 never twice


async def snapshot() -> dict:
    packages = await Package.all().order_by("id").values()
    accounts = await Account.all().order_by("id").values("id", "status", "cash_fen", "income_fen", "gift_fen")
    return {
        "events": await Event.all().count(),
        "orders": await Order.all().count(),
        "transactions": await LedgerTransaction.all().count(),
        "entries": await LedgerEntry.all().count(),
        "packages": packages,
        "accounts": accounts,
    }


async def test_C1_running_the_due_timers_again_changes_nothing(client):
    # an auto-renewal, an expiry after reminders, a trial end and monthly grants, all by ONE_MONTH + 1 day
    _, token, renewing = await bought(client, "20000.00", auto_renew=True)
    other_app = await new_app(client, token, "Second")
    assert (await purchase(client, token, other_app, "ADVANCED", 1))["errors"] == []
    _, trial_token = await new_account(client, name="Trial")
    await start_trial(client, trial_token, await new_app(client, trial_token))
    _, _, three = await bought(client, "20000.00", months=3)
    now = ONE_MONTH + timedelta(days=1)
    assert (await advance(client, now))["timersRun"] > 0
    before = await snapshot()
    assert len(await orders_of(client, token, renewing, "AUTO_RENEWAL")) == 1

    assert await runner.run_due(now) == 0
    for package_id in [p["id"] for p in before["packages"]]:
        assert await package_sweep.run_one(package_id, now) == 0
    from workers import tasks

    assert await tasks.sweep({}) == 0
    assert (await advance(client, now))["timersRun"] == 0
    assert await snapshot() == before
    await assert_audit_clean()


async def test_C1_a_timer_fires_once_the_clock_reaches_it_inclusive_and_late_is_still_once(client):
    _, token, app = await bought(client, "10000.00")
    # nothing ran while time passed (no worker): the sweep catches up once, in due order
    await clock.set_simulated_now(ONE_MONTH + timedelta(days=2))
    assert (await package_of(client, token, app))["status"] == "ACTIVE"
    assert await runner.run_due(ONE_MONTH + timedelta(days=2)) == 3
    assert await runner.run_due(ONE_MONTH + timedelta(days=2)) == 0
    assert timeline(await events(client, token, app)) == [
        ("ALLOWANCE_GRANTED", START),
        ("RENEWAL_REMINDER", REMIND_7D),
        ("RENEWAL_REMINDER", REMIND_1D),
        ("PACKAGE_EXPIRED", ONE_MONTH),
    ]
