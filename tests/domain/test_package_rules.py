"""SPEC B-3 (calendar months from the anchor, Asia/Shanghai) and T-1 (7 × 24 h): the pure rules."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.packages.rules import add_months, package_month_bounds, trial_expiry

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    ("anchor", "months", "expected"),
    [
        (sh(2027, 1, 31, 10), 1, sh(2027, 2, 28, 10)),
        (sh(2028, 1, 31, 10), 1, sh(2028, 2, 29, 10)),  # leap year
        (sh(2027, 1, 31, 10), 2, sh(2027, 3, 31, 10)),
        (sh(2027, 1, 31, 10), 3, sh(2027, 4, 30, 10)),
        (sh(2027, 1, 31, 10), 13, sh(2028, 2, 29, 10)),
        (sh(2027, 1, 10), 1, sh(2027, 2, 10)),
        (sh(2027, 1, 10), 36, sh(2030, 1, 10)),
        (sh(2027, 12, 15, 8, 30), 1, sh(2028, 1, 15, 8, 30)),  # year wrap
        (sh(2028, 2, 29), 12, sh(2029, 2, 28)),
        (sh(2027, 3, 30, 23, 59, 59), 11, sh(2028, 2, 29, 23, 59, 59)),
        (sh(2027, 5, 31), 1, sh(2027, 6, 30)),
        (sh(2027, 1, 31, 10), 0, sh(2027, 1, 31, 10)),
    ],
)
def test_B3_add_months_keeps_the_anchor_day_and_clamps(anchor, months, expected):
    assert add_months(anchor, months) == expected


def test_B3_add_months_always_counts_from_the_anchor():
    anchor = sh(2027, 1, 31, 10)
    chained = add_months(add_months(anchor, 1), 1)
    assert chained == sh(2027, 3, 28, 10)  # why months must be counted from the anchor
    assert add_months(anchor, 2) == sh(2027, 3, 31, 10)
    assert [add_months(anchor, n).day for n in range(1, 13)] == [28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31]


def test_B3_add_months_uses_the_shanghai_calendar_for_utc_instants():
    # 2027-01-30 16:30 UTC is 2027-01-31 00:30 in Shanghai: the anchor day is the 31st
    anchor = datetime(2027, 1, 30, 16, 30, tzinfo=UTC)
    result = add_months(anchor, 1)
    assert result == sh(2027, 2, 28, 0, 30) == datetime(2027, 2, 27, 16, 30, tzinfo=UTC)
    assert result.utcoffset() == timedelta(0)  # returned in the anchor's zone
    # the harness start: 2027-01-10 00:00 Shanghai
    assert add_months(datetime(2027, 1, 9, 16, tzinfo=UTC), 1) == datetime(2027, 2, 9, 16, tzinfo=UTC)


def test_T1_trial_lasts_exactly_seven_times_24_hours():
    start = datetime(2027, 1, 9, 16, 0, 7, tzinfo=UTC)
    assert trial_expiry(start) == datetime(2027, 1, 16, 16, 0, 7, tzinfo=UTC)
    assert (trial_expiry(start) - start).total_seconds() == 7 * 24 * 3600
    # across a month end, still 168 h
    late = sh(2027, 1, 28, 12)
    assert trial_expiry(late) == sh(2027, 2, 4, 12)


def test_package_month_bounds_finds_the_month_containing_an_instant():
    anchor = sh(2027, 1, 31, 10)
    jan31, feb28, mar31, apr30 = anchor, sh(2027, 2, 28, 10), sh(2027, 3, 31, 10), sh(2027, 4, 30, 10)
    assert package_month_bounds(anchor, 3, anchor) == (jan31, feb28, 0)
    assert package_month_bounds(anchor, 3, sh(2027, 2, 28, 9, 59, 59)) == (jan31, feb28, 0)
    assert package_month_bounds(anchor, 3, feb28) == (feb28, mar31, 1)  # a month ends where the next begins
    assert package_month_bounds(anchor, 3, sh(2027, 3, 15)) == (feb28, mar31, 1)
    assert package_month_bounds(anchor, 3, mar31) == (mar31, apr30, 2)
    # clamped into the period
    assert package_month_bounds(anchor, 3, sh(2027, 6, 1)) == (mar31, apr30, 2)
    assert package_month_bounds(anchor, 3, sh(2027, 1, 1)) == (jan31, feb28, 0)
    assert package_month_bounds(anchor, 1, sh(2027, 2, 1)) == (jan31, feb28, 0)


def test_package_month_bounds_month_lengths_for_upgrade_fractions():
    # U-3's example: BASIC bought 2027-01-10 00:00 for 1 month; at 01-25 00:00, 16 of 31 days are left
    anchor = sh(2027, 1, 10)
    start, end, index = package_month_bounds(anchor, 1, sh(2027, 1, 25))
    assert (start, end, index) == (sh(2027, 1, 10), sh(2027, 2, 10), 0)
    assert (end - sh(2027, 1, 25)) / (end - start) == 16 / 31
    start, end, index = package_month_bounds(anchor, 3, sh(2027, 2, 20))
    assert (start, end, index) == (sh(2027, 2, 10), sh(2027, 3, 10), 1)
    assert (end - start) == timedelta(days=28)
