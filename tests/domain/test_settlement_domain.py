"""M-3, M-4, S-1, S-7 straight against app.domain.usage.settlement (no HTTP): usage is recorded by
usage.service.record_usage / record_im_stats, then the day or month is settled directly."""

from datetime import date

import pytest

from app.domain.accounts.models import Account
from app.domain.events.models import Event
from app.domain.ledger import audit
from app.domain.orders.models import Order
from app.domain.usage import service as usage
from app.domain.usage import settlement
from app.domain.usage.models import UsageRecord
from tests.domain.builders import (
    DAY,
    HOUR,
    SECOND,
    START,
    account_row,
    at,
    balances,
    buy,
    events,
    fund,
    owner,
    shanghai,
    trial,
    use,
)
from tests.domain.builders import app as new_app

JAN_10, JAN_11 = date(2027, 1, 10), date(2027, 1, 11)
JAN_10_SETTLED = shanghai(2027, 1, 11, 1)  # 01:00 Asia/Shanghai the next day
JAN_11_SETTLED = shanghai(2027, 1, 12, 1)
JANUARY_SETTLED = shanghai(2027, 2, 1, 1)


async def funded_app(fen=500000, name="Acme"):
    account = await owner(name)
    if fen:
        await fund(account, fen)
    return account, await new_app(account)


async def postpaid(**filters) -> list[Order]:
    return await Order.filter(kind="POSTPAID", **filters).order_by("sdk_app_id", "id")


# ---------------------------------------------------------------- M-3 daily settlement


async def test_M3_340000_billable_standard_minutes_are_2380():
    account, audio = await funded_app()
    video = await new_app(account, "Video")
    await use(audio, 340_000, START + HOUR)
    await use(video, 85_000, START + HOUR, kind="VIDEO_HD")  # × 4 = 340,000 standard minutes
    assert await settlement.settle_day(JAN_10, JAN_10_SETTLED) == 2
    orders = await postpaid()
    assert [(o.sdk_app_id, o.amount_fen, o.paid_cash_fen, o.status, o.created_at) for o in orders] == [
        (audio, 238000, 238000, "PAID", JAN_10_SETTLED),
        (video, 238000, 238000, "PAID", JAN_10_SETTLED),
    ]
    assert [o.details["standardMinutes"] for o in orders] == [340_000, 340_000]
    assert [len(o.lines) for o in orders] == [1, 1]
    settled = await events("USAGE_SETTLED")
    assert [(e.sdk_app_id, e.data["amount"], e.data["period"], e.occurred_at) for e in settled] == [
        (audio, "2380.00", "2027-01-10", JAN_10_SETTLED),
        (video, "2380.00", "2027-01-10", JAN_10_SETTLED),
    ]
    assert await balances(account) == (500000 - 476000, 0, 0)
    assert await audit.problems() == []


@pytest.mark.parametrize(
    ("minutes", "fen"),
    [
        (1, 1),  # 0.007 → 0.01
        (2, 1),  # 0.014 → 0.01
        (5, 4),  # 0.035 → 0.04
        (15, 11),  # 0.105 → 0.11: half up, not half to even
        (1_000, 700),
        (1_499, 1049),  # 10.493 → 10.49
    ],
)
async def test_M3_rate_is_7_per_1000_rounded_half_up(minutes, fen):
    account, sdk_app_id = await funded_app()
    await use(sdk_app_id, minutes, START + HOUR)
    await settlement.settle_day(JAN_10, JAN_10_SETTLED)
    [order] = await postpaid()
    assert order.amount_fen == fen
    assert await balances(account) == (500000 - fen, 0, 0)
    assert await audit.problems() == []


async def test_M3_one_order_per_app_per_day_rounded_once_over_its_weighted_minutes():
    _, sdk_app_id = await funded_app()
    for _ in range(3):
        await use(sdk_app_id, 1, START + HOUR)  # rounded per event this would be 3 × 0.01
    await use(sdk_app_id, 10, START + 2 * HOUR, kind="VIDEO_FHD")  # × 9
    await use(sdk_app_id, 1, START + 3 * HOUR, kind="VIDEO_4K")  # × 36
    await use(sdk_app_id, 0, START + 3 * HOUR)  # nothing to bill
    await settlement.settle_day(JAN_10, JAN_10_SETTLED)
    [order] = await postpaid()
    assert order.details["standardMinutes"] == 3 + 90 + 36
    assert order.amount_fen == 90  # 129 × 0.007 = 0.903 → 0.90, rounded once
    assert len(await events("USAGE_SETTLED")) == 1
    assert await audit.problems() == []


async def test_M3_settling_a_day_twice_charges_once():
    account, sdk_app_id = await funded_app()
    await use(sdk_app_id, 1_000, START + HOUR)
    assert await settlement.settle_day(JAN_10, JAN_10_SETTLED) == 1
    assert await settlement.settle_day(JAN_10, JAN_10_SETTLED + HOUR) == 0
    assert [o.amount_fen for o in await postpaid()] == [700]
    assert len(await events("USAGE_SETTLED")) == 1
    assert await balances(account) == (500000 - 700, 0, 0)
    assert await audit.problems() == []


async def test_M3_usage_reported_late_is_billed_by_the_next_run():
    account, sdk_app_id = await funded_app()
    await use(sdk_app_id, 1_000, START + HOUR)
    await settlement.settle_day(JAN_10, JAN_10_SETTLED)
    # 01-10 12:00 usage reported at 01-11 02:00, after 01-10 was settled
    await use(sdk_app_id, 2_000, shanghai(2027, 1, 10, 12), now=await at(JAN_10_SETTLED + HOUR))
    assert await settlement.settle_day(JAN_10, JAN_10_SETTLED + HOUR) == 0  # the day is closed
    [late] = await UsageRecord.filter(minutes=2_000)
    assert (late.day, late.settlement_id) == (JAN_10, None)
    assert await settlement.settle_day(JAN_11, JAN_11_SETTLED) == 1
    orders = await postpaid()
    assert [(o.amount_fen, o.details["period"], o.created_at) for o in orders] == [
        (700, "2027-01-10", JAN_10_SETTLED),
        (1400, "2027-01-11", JAN_11_SETTLED),
    ]
    assert "reported late for 2027-01-10" in orders[1].lines[0]["description"]
    assert (await UsageRecord.get(id=late.id)).settlement_id is not None
    assert await balances(account) == (500000 - 2100, 0, 0)
    assert await audit.problems() == []


async def test_M3_only_minutes_beyond_the_allowance_are_billed():
    account, sdk_app_id = await funded_app()
    await buy(account, sdk_app_id, "BASIC", 1)  # 380,000 included minutes this package month
    await use(sdk_app_id, 380_001, START + HOUR)
    await settlement.settle_day(JAN_10, JAN_10_SETTLED)
    [order] = await postpaid()
    assert (order.amount_fen, order.details["standardMinutes"]) == (1, 1)
    assert await audit.problems() == []


async def test_M3_usage_within_the_allowance_or_during_a_trial_is_not_billed():
    account, paid_app = await funded_app()
    trial_app = await new_app(account, "Trial")
    await buy(account, paid_app, "BASIC", 1)
    await trial(account, trial_app)
    await use(paid_app, 380_000, START + HOUR)
    await use(trial_app, 1_000_000, START + HOUR, kind="VIDEO_4K")  # T-5: recorded, never charged
    assert await settlement.settle_day(JAN_10, JAN_10_SETTLED) == 0
    assert await postpaid() == []
    assert await events("USAGE_SETTLED") == []
    assert await UsageRecord.all().count() == 2


async def test_M3_the_sweep_settles_the_previous_day_at_0100_shanghai_and_not_before():
    _, sdk_app_id = await funded_app()
    await use(sdk_app_id, 1_000, START + HOUR)
    assert await settlement.next_due() == shanghai(2027, 1, 10, 1)  # the schedule starts at START
    await settlement.sweep(JAN_10_SETTLED - SECOND)
    assert await postpaid() == []
    assert await settlement.sweep(JAN_10_SETTLED) == 1
    [order] = await postpaid()
    assert (order.amount_fen, order.created_at, order.details["period"]) == (700, JAN_10_SETTLED, "2027-01-10")
    assert await settlement.sweep(JAN_10_SETTLED) == 0
    assert await settlement.sweep(JAN_10_SETTLED + 3 * DAY) == 0
    assert len(await postpaid()) == 1
    assert await audit.problems() == []


# ---------------------------------------------------------------- S-1, S-7 arrears entered by a charge


async def test_S1_a_charge_below_zero_starts_arrears_at_that_instant():
    account, sdk_app_id = await funded_app(1000)
    await use(sdk_app_id, 2_000, START + HOUR)  # 14.00
    await settlement.settle_day(JAN_10, JAN_10_SETTLED)
    row = await account_row(account)
    assert (row.cash_fen, row.status, row.arrears_since, row.next_due_at) == (
        -400,
        "ARREARS",
        JAN_10_SETTLED,
        JAN_10_SETTLED + DAY,
    )
    [started] = await events("ARREARS_STARTED")
    assert (started.occurred_at, started.sdk_app_id, started.data["available"]) == (JAN_10_SETTLED, None, "-4.00")
    assert await audit.problems() == []


async def test_S7_postpaid_is_taken_from_cash_and_arrears_follow_the_available_total():
    account = await owner()
    await fund(account, 2000, "gift")
    sdk_app_id = await new_app(account)
    await use(sdk_app_id, 2_000, START + HOUR)  # 14.00
    await settlement.settle_day(JAN_10, JAN_10_SETTLED)
    assert await balances(account) == (-1400, 0, 2000)
    assert (await account_row(account)).status == "NORMAL"  # available 6.00 ≥ 0
    assert await events("ARREARS_STARTED") == []
    assert await audit.problems() == []


async def test_S1_an_exact_charge_to_zero_is_not_arrears():
    account, sdk_app_id = await funded_app(700)
    await use(sdk_app_id, 1_000, START + HOUR)
    await settlement.settle_day(JAN_10, JAN_10_SETTLED)
    row = await account_row(account)
    assert (row.cash_fen, row.status) == (0, "NORMAL")
    assert await audit.problems() == []


# ---------------------------------------------------------------- M-4 IM overage


async def im_stats(sdk_app_id, day, dau, groups, now=None):
    assert await usage.record_im_stats(sdk_app_id, day, dau, groups, now=now or shanghai(2027, 1, 31, 12))


async def test_M4_im_overage_of_a_basic_month_is_205():
    account, sdk_app_id = await funded_app(1_000_000)
    await buy(account, sdk_app_id, "BASIC", 1)  # quotas 10,000 DAU and 100,000 groups
    await im_stats(sdk_app_id, date(2027, 1, 10), 9_000, 100_500)
    await im_stats(sdk_app_id, date(2027, 1, 20), 12_000, 50_000)
    await im_stats(sdk_app_id, date(2027, 1, 19), 11_000, 100_400)
    assert await settlement.settle_month(date(2027, 1, 1), JANUARY_SETTLED) == 1
    [order] = await postpaid()
    # (12,000 − 10,000) × 0.10 + (100,500 − 100,000) × 0.01 = 200.00 + 5.00
    assert (order.amount_fen, order.paid_cash_fen, order.created_at) == (20500, 20500, JANUARY_SETTLED)
    assert [line["amount_fen"] for line in order.lines] == [20000, 500]
    assert (order.details["peakDau"], order.details["peakGroups"]) == (12_000, 100_500)
    [event] = await events("USAGE_SETTLED")
    assert (event.data["amount"], event.data["period"]) == ("205.00", "2027-01")
    assert await settlement.settle_month(date(2027, 1, 1), JANUARY_SETTLED + DAY) == 0  # once per app and month
    assert len(await postpaid()) == 1
    assert await balances(account) == (1_000_000 - 165326 - 20500, 0, 0)
    assert await audit.problems() == []


async def test_M4_only_positive_terms_and_no_charge_for_trial_or_no_package_months():
    account, dau_only = await funded_app(1_000_000)
    within, trialled, bare = [await new_app(account, n) for n in ("Within", "Trial", "Bare")]
    for sdk_app_id in (dau_only, within):
        await at(START)
        await buy(account, sdk_app_id, "BASIC", 1)
    await trial(account, trialled)
    await im_stats(dau_only, date(2027, 1, 12), 10_001, 1)  # 0.10, groups below quota
    await im_stats(within, date(2027, 1, 12), 10_000, 100_000)  # exactly the quotas
    await im_stats(trialled, date(2027, 1, 12), 50_000, 500_000)
    await im_stats(bare, date(2027, 1, 12), 50_000, 500_000)
    assert await settlement.settle_month(date(2027, 1, 1), JANUARY_SETTLED) == 1
    [order] = await postpaid()
    assert (order.sdk_app_id, order.amount_fen, len(order.lines)) == (dau_only, 10, 1)
    assert await audit.problems() == []


async def test_M4_the_sweep_settles_the_month_at_0100_on_the_first():
    account, sdk_app_id = await funded_app(1_000_000)
    await buy(account, sdk_app_id, "BASIC", 1)
    await im_stats(sdk_app_id, date(2027, 1, 10), 12_000, 100_500)
    await settlement.next_due()  # the schedules start at START
    await settlement.sweep(JANUARY_SETTLED - SECOND)
    assert await Order.filter(kind="POSTPAID").count() == 0
    await settlement.sweep(JANUARY_SETTLED)
    assert [o.amount_fen for o in await postpaid()] == [20500]
    assert await Event.filter(type="USAGE_SETTLED").count() == 1
    assert (await Account.get(id=account.id)).status == "NORMAL"
    assert await audit.problems() == []
