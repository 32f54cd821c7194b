"""SPEC M-2…M-4 usage maths: the pure functions of app.domain.usage.rating, and the catalog data
(weights, rates) they are fed with."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.catalog.models import Rate, UsageWeight
from app.domain.usage.rating import im_overage_fen, local_day, overage_fen, split_allowance
from app.domain.usage.settlement import first_daily_due, first_monthly_due


# ---------------------------------------------------------------- the Asia/Shanghai day


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2027, 1, 9, 15, 59, 59, tzinfo=UTC), date(2027, 1, 9)),
        (datetime(2027, 1, 9, 16, 0, tzinfo=UTC), date(2027, 1, 10)),  # 00:00 +08
        (datetime(2027, 1, 10, 15, 59, 59, 999999, tzinfo=UTC), date(2027, 1, 10)),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2027, 1, 10, 3, 0, tzinfo=UTC).astimezone(ZoneInfo("America/New_York")), date(2027, 1, 10)),
    ],
)
def test_M3_usage_day_is_the_asia_shanghai_calendar_day(instant, day):
    assert local_day(instant) == day


# ---------------------------------------------------------------- M-2 allowance split


@pytest.mark.parametrize(
    ("standard", "left", "expected"),
    [
        (360_000, 380_000, (360_000, 0)),
        (20_000, 20_000, (20_000, 0)),
        (20_000, 10_000, (10_000, 10_000)),
        (720_000, 380_000, (380_000, 340_000)),
        (5, 0, (0, 5)),
        (5, -3, (0, 5)),  # an over-used allowance covers nothing
        (0, 100, (0, 0)),
        (0, 0, (0, 0)),
    ],
)
def test_M2_split_allowance(standard, left, expected):
    assert split_allowance(standard, left) == expected


# ---------------------------------------------------------------- M-3 the overage figure


@pytest.mark.parametrize(
    ("billable", "fen"),
    [
        (0, 0),
        (1, 1),  # 0.007 → 0.01
        (71, 50),  # 0.497 → 0.50
        (3, 2),  # 0.021 → 0.02
        (5, 4),  # 3.5 fen → 4 (half up, not to even)
        (15, 11),  # 10.5 → 11
        (25, 18),  # 17.5 → 18
        (64, 45),  # 44.8 → 45
        (642, 449),  # 449.4 → 449
        (1_000, 700),
        (10_000, 7_000),
        (340_000, 238_000),  # 2380.00
        (1_000_001, 700_001),  # 700,000.7 → 700,001
    ],
)
def test_M3_overage_rounds_half_up_once(billable, fen):
    assert overage_fen(billable, 700, 1000) == fen


def test_M3_overage_uses_the_given_rate():
    assert overage_fen(1_000, 800, 1000) == 800
    assert overage_fen(3, 1, 2) == 2  # 1.5 → 2


# ---------------------------------------------------------------- M-4 IM overage


@pytest.mark.parametrize(
    ("dau", "groups", "expected"),
    [
        (12_000, 100_500, (20_000, 500)),  # 200.00 + 5.00
        (10_000, 100_000, (0, 0)),
        (9_000, 100_001, (0, 1)),
        (10_001, 50_000, (10, 0)),
        (0, 0, (0, 0)),
    ],
)
def test_M4_im_overage_each_term_only_when_positive(dau, groups, expected):
    assert im_overage_fen(dau, 10_000, 10, groups, 100_000, 1) == expected


# ---------------------------------------------------------------- schedule instants


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2027, 1, 9, 16, 0, tzinfo=UTC), datetime(2027, 1, 9, 17, 0, tzinfo=UTC)),  # 00:00 → 01:00 +08
        (datetime(2027, 1, 9, 16, 59, 59, tzinfo=UTC), datetime(2027, 1, 9, 17, 0, tzinfo=UTC)),
        (datetime(2027, 1, 9, 17, 0, tzinfo=UTC), datetime(2027, 1, 10, 17, 0, tzinfo=UTC)),  # 01:00 itself: next day
        (datetime(2027, 1, 10, 12, 0, tzinfo=UTC), datetime(2027, 1, 10, 17, 0, tzinfo=UTC)),
    ],
)
def test_M3_first_daily_run_is_the_next_01_00_asia_shanghai(now, due):
    assert first_daily_due(now) == due


@pytest.mark.parametrize(
    ("now", "due"),
    [
        (datetime(2027, 1, 9, 16, 0, tzinfo=UTC), datetime(2027, 1, 31, 17, 0, tzinfo=UTC)),  # → 2027-02-01 01:00 +08
        (datetime(2026, 12, 31, 16, 30, tzinfo=UTC), datetime(2026, 12, 31, 17, 0, tzinfo=UTC)),  # 01-01 00:30 +08
        (datetime(2027, 12, 5, 0, 0, tzinfo=UTC), datetime(2027, 12, 31, 17, 0, tzinfo=UTC)),  # December → January
    ],
)
def test_M4_first_monthly_run_is_01_00_on_the_next_first(now, due):
    assert first_monthly_due(now) == due
    assert first_monthly_due(now).astimezone(ZoneInfo("Asia/Shanghai")).day == 1


def test_M4_monthly_runs_follow_each_other_month_by_month():
    from app.domain.usage.settlement import MONTHLY, SCHEDULES

    step = SCHEDULES[MONTHLY][1]
    due = datetime(2027, 1, 31, 17, 0, tzinfo=UTC)
    seen = []
    for _ in range(12):
        due = step(due)
        seen.append(due)
    assert seen[0] == datetime(2027, 2, 28, 17, 0, tzinfo=UTC)  # 2027-03-01 01:00 +08
    assert all(b - a >= timedelta(days=28) for a, b in zip(seen, seen[1:]))
    assert seen[-1] == datetime(2028, 1, 31, 17, 0, tzinfo=UTC)


# ---------------------------------------------------------------- catalog data (M-2, M-3, M-4)


async def test_M2_consumption_weights_are_catalog_data():
    weights = {w.kind: w.weight for w in await UsageWeight.all()}
    assert weights == {"AUDIO": 1, "VIDEO_SD": 2, "VIDEO_HD": 4, "VIDEO_FHD": 9, "VIDEO_2K": 16, "VIDEO_4K": 36}


async def test_M3_M4_rates_are_catalog_data():
    rates = {r.code: (r.amount_fen, r.per_units) for r in await Rate.all()}
    assert rates["OVERAGE_MINUTES"] == (700, 1000)
    assert rates["IM_DAU_OVERAGE"] == (10, 1)
    assert rates["IM_GROUPS_OVERAGE"] == (1, 1)
