"""C-1 (with T-1, M-2, R-2…R-4) straight against app.domain.timers.package_sweep.sweep (no HTTP):
a timer due at T fires at T (inclusive) and not a second before, never twice — run again, run
late, or run by two sweepers at once — and writes each transition at its own due instant."""

import asyncio

from app.domain.accounts import funding
from app.domain.accounts import service as accounts
from app.domain.accounts.models import Voucher
from app.domain.ledger import audit
from app.domain.orders.models import Order
from app.domain.timers import account_sweep, package_sweep
from app.domain.usage import settlement
from tests.domain.builders import (
    DAY,
    FEB_10,
    HOUR,
    MAR_10,
    SECOND,
    START,
    WEEK,
    account_row,
    at,
    balances,
    buy,
    events,
    fund,
    owner,
    package_of,
    shanghai,
    trial,
    use,
)
from tests.domain.builders import app as new_app

BASIC_FIRST = 165326  # B-4: BASIC 1 month, first order
BASIC_MONTH = 299900
SWEEP_TYPES = (
    "TRIAL_ENDED",
    "PACKAGE_EXPIRED",
    "AUTO_RENEWED",
    "AUTO_RENEW_FAILED",
    "RENEWAL_REMINDER",
    "ALLOWANCE_GRANTED",
)


async def bought(fen=BASIC_FIRST, months=1, auto_renew=False, name="Acme"):
    account = await owner(name)
    if fen:
        await fund(account, fen)
    sdk_app_id = await new_app(account)
    await buy(account, sdk_app_id, "BASIC", months, auto_renew=auto_renew)
    return account, sdk_app_id


async def timeline() -> list[tuple[str, int, object]]:
    """Every timer-written event, in order: (type, app, instant)."""
    found = []
    for type_ in SWEEP_TYPES:
        found += [(e.type, e.sdk_app_id, e.occurred_at, e.id) for e in await events(type_)]
    return [f[:3] for f in sorted(found, key=lambda f: f[3])]


# ---------------------------------------------------------------- T-1 trial end


async def test_C1_trial_ends_at_exactly_7x24h_and_not_a_second_before():
    account = await owner()
    sdk_app_id = await new_app(account)
    await trial(account, sdk_app_id)
    assert await package_sweep.sweep(START + WEEK - SECOND) == 0
    assert (await package_of(sdk_app_id)).status == "TRIAL"
    assert await package_sweep.sweep(START + WEEK) == 1
    package = await package_of(sdk_app_id)
    assert (package.status, package.ended_at, package.next_due_at) == ("TRIAL_ENDED", START + WEEK, None)
    [ended] = await events("TRIAL_ENDED")
    assert (ended.occurred_at, ended.data) == (START + WEEK, {"packageId": str(package.id), "reason": "EXPIRED"})
    assert await package_sweep.sweep(START + WEEK) == 0
    assert await package_sweep.sweep(START + 30 * DAY) == 0
    assert len(await events("TRIAL_ENDED")) == 1


# ---------------------------------------------------------------- expiry


async def test_C1_a_package_expires_at_its_expiry_instant_once():
    _, sdk_app_id = await bought()
    await package_sweep.sweep(FEB_10 - SECOND)  # the two reminders are due before
    assert (await package_of(sdk_app_id)).status == "ACTIVE"
    assert await package_sweep.sweep(FEB_10 - SECOND) == 0
    assert await package_sweep.sweep(FEB_10) == 1
    package = await package_of(sdk_app_id)
    assert (package.status, package.next_due_at) == ("EXPIRED", None)
    [expired] = await events("PACKAGE_EXPIRED")
    assert expired.occurred_at == FEB_10
    assert expired.data == {
        "packageId": str(package.id),
        "components": ["RTC_PREMIUM", "IM_PRO"],
        "expiresAt": FEB_10.isoformat(),
    }
    assert await package_sweep.sweep(FEB_10) == 0
    assert await package_sweep.sweep(MAR_10) == 0
    assert len(await events("PACKAGE_EXPIRED")) == 1


async def test_C1_a_late_sweep_writes_every_transition_at_its_own_due_instant():
    _, sdk_app_id = await bought()
    assert await package_sweep.sweep(MAR_10 + 10 * DAY) == 3  # weeks late: reminders and expiry
    assert await timeline() == [
        ("ALLOWANCE_GRANTED", sdk_app_id, START),  # month 1, written by the purchase
        ("RENEWAL_REMINDER", sdk_app_id, FEB_10 - WEEK),
        ("RENEWAL_REMINDER", sdk_app_id, FEB_10 - DAY),
        ("PACKAGE_EXPIRED", sdk_app_id, FEB_10),
    ]
    package = await package_of(sdk_app_id)
    [expired] = await events("PACKAGE_EXPIRED")
    # the same data the on-time (bulk) path writes
    assert expired.data == {
        "packageId": str(package.id),
        "components": ["RTC_PREMIUM", "IM_PRO"],
        "expiresAt": FEB_10.isoformat(),
    }
    assert await package_sweep.sweep(MAR_10 + 10 * DAY) == 0


# ---------------------------------------------------------------- R-4 reminders


async def test_R4_reminders_at_exactly_expiry_minus_7x24h_and_minus_24h_when_auto_renew_is_off():
    _, sdk_app_id = await bought()
    package = await package_of(sdk_app_id)
    await package_sweep.sweep(FEB_10 - WEEK - SECOND)
    assert await events("RENEWAL_REMINDER") == []
    assert await package_sweep.sweep(FEB_10 - WEEK) == 1
    await package_sweep.sweep(FEB_10 - WEEK)
    await package_sweep.sweep(FEB_10 - DAY - SECOND)
    assert len(await events("RENEWAL_REMINDER")) == 1
    assert await package_sweep.sweep(FEB_10 - DAY) == 1
    await package_sweep.sweep(FEB_10 - DAY)
    reminders = await events("RENEWAL_REMINDER")
    assert [(r.occurred_at, r.data) for r in reminders] == [
        (
            FEB_10 - WEEK,
            {"packageId": str(package.id), "expiresAt": FEB_10.isoformat(), "before": "7d", "reason": "AUTO_RENEW_OFF"},
        ),
        (
            FEB_10 - DAY,
            {"packageId": str(package.id), "expiresAt": FEB_10.isoformat(), "before": "1d", "reason": "AUTO_RENEW_OFF"},
        ),
    ]
    assert (await package_of(sdk_app_id)).status == "ACTIVE"


async def test_R4_auto_renew_with_enough_money_gets_no_reminder_and_without_it_does():
    _, covered = await bought(BASIC_FIRST + BASIC_MONTH, auto_renew=True, name="Covered")
    _, short = await bought(BASIC_FIRST + BASIC_MONTH - 1, auto_renew=True, name="Short")
    await package_sweep.sweep(FEB_10 - SECOND)
    reminders = await events("RENEWAL_REMINDER")
    assert [(r.sdk_app_id, r.occurred_at, r.data["reason"]) for r in reminders] == [
        (short, FEB_10 - WEEK, "INSUFFICIENT_BALANCE"),
        (short, FEB_10 - DAY, "INSUFFICIENT_BALANCE"),
    ]
    assert covered not in {r.sdk_app_id for r in reminders}


# ---------------------------------------------------------------- M-2 allowance grants


async def test_C1_the_allowance_of_package_month_2_is_granted_at_its_start_once():
    account, sdk_app_id = await bought(BASIC_FIRST + 2 * BASIC_MONTH, months=3)
    await use(sdk_app_id, 1_000, START + HOUR)
    await package_sweep.sweep(FEB_10 - SECOND)
    package = await package_of(sdk_app_id)
    assert (package.allowance_month, package.allowance_granted, package.allowance_used) == (0, 380_000, 1_000)
    assert await package_sweep.sweep(FEB_10) == 1
    package = await package_of(sdk_app_id)
    assert (package.allowance_month, package.allowance_granted, package.allowance_used) == (1, 380_000, 0)
    assert package.next_due_at == MAR_10
    await package_sweep.sweep(FEB_10)
    grants = await events("ALLOWANCE_GRANTED")
    assert [(g.occurred_at, g.data["month"], g.data["minutes"]) for g in grants] == [
        (START, 1, 380_000),
        (FEB_10, 2, 380_000),
    ]
    assert await balances(account) == (0, 0, 0)


# ---------------------------------------------------------------- auto-renewal


async def test_R2_auto_renewal_at_the_expiry_instant_renews_and_raises_no_expiry():
    account, sdk_app_id = await bought(BASIC_FIRST + BASIC_MONTH, auto_renew=True)
    await package_sweep.sweep(FEB_10 - SECOND)
    assert await Order.filter(kind="AUTO_RENEWAL").count() == 0
    await package_sweep.sweep(FEB_10)
    [order] = await Order.filter(kind="AUTO_RENEWAL")
    assert (order.amount_fen, order.paid_cash_fen, order.created_at, order.months, order.scope) == (
        BASIC_MONTH,
        BASIC_MONTH,
        FEB_10,
        1,
        "FULL",
    )
    package = await package_of(sdk_app_id)
    assert (
        package.status,
        package.rtc_expires_at,
        package.im_expires_at,
        package.rtc_anchor,
        package.auto_renew_failure_reason,
    ) == ("ACTIVE", MAR_10, MAR_10, START, None)
    [renewed] = await events("AUTO_RENEWED")
    assert (renewed.occurred_at, renewed.data["orderId"], renewed.data["amount"], renewed.data["expiresAt"]) == (
        FEB_10,
        str(order.id),
        "2999.00",
        MAR_10.isoformat(),
    )
    assert await events("PACKAGE_EXPIRED") == []
    # M-2: the renewed period's first package month gets its allowance at the same instant
    assert (package.allowance_month, package.allowance_granted, package.allowance_used) == (1, 380_000, 0)
    assert [(g.occurred_at, g.data["month"]) for g in await events("ALLOWANCE_GRANTED")] == [(START, 1), (FEB_10, 2)]
    assert await balances(account) == (0, 0, 0)
    await package_sweep.sweep(FEB_10)
    await package_sweep.sweep(FEB_10 + DAY)
    assert await Order.filter(kind="AUTO_RENEWAL").count() == 1
    assert await audit.problems() == []


async def test_R2_auto_renewal_uses_the_largest_unexpired_voucher_not_above_the_price():
    account, sdk_app_id = await bought(BASIC_FIRST + 199900, auto_renew=True)
    grant = funding.grant_voucher
    too_big = await grant(account.id, 300000, FEB_10 + WEEK, at=START)  # above 2999.00
    best = await grant(account.id, 100000, FEB_10 + SECOND, at=START)
    await grant(account.id, 50000, FEB_10 + WEEK, at=START)
    await grant(account.id, 150000, FEB_10, at=START)  # expired at the renewal instant
    await package_sweep.sweep(FEB_10)
    [order] = await Order.filter(kind="AUTO_RENEWAL")
    assert (order.paid_voucher_fen, order.paid_cash_fen) == (100000, 199900)
    assert [v.id for v in await Voucher.filter(used_on_order_id=order.id)] == [best.id]
    assert (await Voucher.get(id=too_big.id)).used_at is None
    assert (await package_of(sdk_app_id)).expires_at == MAR_10
    assert await events("RENEWAL_REMINDER") == []  # the renewal was covered after vouchers
    assert await audit.problems() == []


async def expect_failure(sdk_app_id, reason):
    await package_sweep.sweep(FEB_10)
    package = await package_of(sdk_app_id)
    assert (package.status, package.auto_renew_failure_reason, package.expires_at) == ("EXPIRED", reason, FEB_10)
    [failed] = await events("AUTO_RENEW_FAILED")
    assert (failed.occurred_at, failed.sdk_app_id, failed.data) == (FEB_10, sdk_app_id, {"reason": reason})
    [expired] = await events("PACKAGE_EXPIRED")
    assert expired.occurred_at == FEB_10
    assert await events("AUTO_RENEWED") == []
    assert await Order.filter(kind="AUTO_RENEWAL").count() == 0
    await package_sweep.sweep(FEB_10 + DAY)
    assert len(await events("AUTO_RENEW_FAILED")) == 1
    assert await audit.problems() == []


async def test_R3_insufficient_balance():
    _, sdk_app_id = await bought(BASIC_FIRST + BASIC_MONTH - 1, auto_renew=True)
    await expect_failure(sdk_app_id, "INSUFFICIENT_BALANCE")


async def test_R3_real_name_abnormal_comes_before_insufficient_balance():
    account, sdk_app_id = await bought(auto_renew=True)  # and no money left
    await accounts.set_real_name_verified(account.id, False, START + DAY)
    await expect_failure(sdk_app_id, "REAL_NAME_ABNORMAL")


async def test_R3_account_restricted_comes_first():
    """A suspended account (S-3, reached through a real postpaid charge and the arrears timer),
    no longer real-name verified and without money: ACCOUNT_RESTRICTED."""
    account, sdk_app_id = await bought(auto_renew=True)
    other = await new_app(account, "Postpaid")
    await use(other, 1_000, START + HOUR)  # no package: 7.00 postpaid
    settled = shanghai(2027, 1, 11, 1)
    await settlement.settle_day(shanghai(2027, 1, 10, 12).date(), settled)
    await account_sweep.sweep(await at(settled + DAY))
    assert (await account_row(account)).status == "SUSPENDED"
    await accounts.set_real_name_verified(account.id, False, settled + DAY)
    await expect_failure(sdk_app_id, "ACCOUNT_RESTRICTED")


# ---------------------------------------------------------------- C-1 two sweepers at once


async def test_C1_two_concurrent_sweeps_apply_each_transition_once():
    trialist = await owner("Trialist")
    trial_app = await new_app(trialist)
    await trial(trialist, trial_app)
    _, expiring = await bought(name="Expiring")
    renewer, renewing = await bought(BASIC_FIRST + BASIC_MONTH, auto_renew=True, name="Renewer")
    _, three_months = await bought(BASIC_FIRST + 2 * BASIC_MONTH, months=3, name="Long")
    results = await asyncio.gather(package_sweep.sweep(FEB_10), package_sweep.sweep(FEB_10))
    # trial end; expiring: 2 reminders + expiry; renewing: 2 reminder checks (silent: covered), the
    # auto-renewal and the renewed month's grant; three months: the month-2 grant
    assert sum(results) == 1 + 3 + 4 + 1
    found = await timeline()
    by_type = {}
    for type_, app, instant in found:
        by_type.setdefault(type_, []).append((app, instant))
    assert sorted(by_type["TRIAL_ENDED"]) == [(trial_app, START + WEEK)]
    assert sorted(by_type["PACKAGE_EXPIRED"]) == [(expiring, FEB_10)]
    assert sorted(by_type["AUTO_RENEWED"]) == [(renewing, FEB_10)]
    assert sorted(by_type["RENEWAL_REMINDER"]) == [(expiring, FEB_10 - WEEK), (expiring, FEB_10 - DAY)]
    assert sorted(by_type["ALLOWANCE_GRANTED"]) == sorted(
        [(expiring, START), (renewing, START), (renewing, FEB_10), (three_months, START), (three_months, FEB_10)]
    )
    assert "AUTO_RENEW_FAILED" not in by_type
    assert await Order.filter(kind="AUTO_RENEWAL").count() == 1
    assert await balances(renewer) == (0, 0, 0)
    assert await package_sweep.sweep(FEB_10) == 0
    assert await timeline() == found
    assert await audit.problems() == []


async def test_C1_a_trial_ended_row_by_row_writes_what_the_bulk_path_writes():
    """The per-row path (a punctual job) and the set-based one share the event builders: the same
    transition reads the same whichever path ran it."""
    account = await owner()
    by_row, in_bulk = await new_app(account), await new_app(account)
    await trial(account, by_row)
    await trial(account, in_bulk)
    assert await package_sweep.run_one((await package_of(by_row)).id, START + WEEK) == 1
    assert await package_sweep.end_in_bulk(START + WEEK) == 1
    written = {e.sdk_app_id: e for e in await events("TRIAL_ENDED")}
    for sdk_app_id in (by_row, in_bulk):
        package = await package_of(sdk_app_id)
        assert (package.status, package.ended_at) == ("TRIAL_ENDED", START + WEEK)
        assert (written[sdk_app_id].occurred_at, written[sdk_app_id].data) == (
            START + WEEK,
            {"packageId": str(package.id), "reason": "EXPIRED"},
        )


async def test_C1_each_event_declaration_reads_the_same_in_sql_and_in_python():
    """The set-based path renders package_events' declarations in SQL; the per-row path in Python.
    An instant with microseconds and one without, a package with one ended component and with two."""
    import json
    from datetime import timedelta

    from tortoise import connections

    from app.domain.timers.package_events import PACKAGE_EXPIRED, TRIAL_ENDED

    sql = (
        f"SELECT {TRIAL_ENDED.sql()} AS trial, {PACKAGE_EXPIRED.sql()} AS expired "
        "FROM (SELECT $1::bigint AS package_id, $2::text[] AS components, $3::timestamptz AS expires_at) s"
    )
    for package_id, components, expires_at in [
        (7, ["RTC_PREMIUM", "IM_PRO"], FEB_10),
        (123456789, ["IM_PRO"], FEB_10 + timedelta(microseconds=4250)),
    ]:
        [row] = await connections.get("default").execute_query_dict(sql, [package_id, components, expires_at])
        assert (
            json.loads(row["trial"])
            == TRIAL_ENDED.of(package_id=package_id)
            == {"packageId": str(package_id), "reason": "EXPIRED"}
        )
        assert (
            json.loads(row["expired"])
            == PACKAGE_EXPIRED.of(package_id=package_id, components=components, expires_at=expires_at)
            == {"packageId": str(package_id), "components": components, "expiresAt": expires_at.isoformat()}
        )
