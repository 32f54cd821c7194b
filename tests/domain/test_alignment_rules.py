"""R-9 arithmetic, pure: the target instant T, the fraction to the second, half up per line,
allowance rounded down (Asia/Shanghai has no DST, so every day is 86,400 s)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from app.domain.renewals.alignment import Fraction, target

SH = ZoneInfo("Asia/Shanghai")


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH).astimezone(UTC)


@pytest.mark.parametrize(
    ("expiry", "day", "aligned"),
    [
        (sh(2027, 2, 10), 25, sh(2027, 2, 25)),
        (sh(2027, 2, 10), 10, sh(2027, 2, 10)),  # already on the day at 00:00: T = E
        (sh(2027, 2, 10, 0, 0, 1), 10, sh(2027, 3, 10)),  # one second past: the next month
        (sh(2027, 2, 26), 25, sh(2027, 3, 25)),
        (sh(2027, 3, 31), 28, sh(2027, 4, 28)),  # the 31st aligned to the 28th
        (sh(2027, 12, 20), 1, sh(2028, 1, 1)),  # across the year
        (sh(2028, 2, 29), 28, sh(2028, 3, 28)),
    ],
)
def test_R9_target_is_the_earliest_midnight_on_the_day_at_or_after_the_expiry(expiry, day, aligned):
    assert target(expiry, day) == aligned


def test_R9_worked_example_fraction_prices_and_minutes():
    f = Fraction.of(sh(2027, 2, 10), sh(2027, 2, 25))
    assert (f.num, f.den) == (15 * 86400, 28 * 86400)
    assert (f.price_fen(150000), f.price_fen(149900)) == (80357, 80304)
    assert f.price_fen(150000) + f.price_fen(149900) == 160661
    assert f.minutes(380000) == 203571


def test_R9_fraction_counts_seconds_and_rounds_half_up_once():
    f = Fraction.of(sh(2027, 2, 10), sh(2027, 2, 10, 12))  # half a day of a 28-day month
    assert (f.num, f.den) == (43200, 2419200)
    assert f.price_fen(5600) == 100  # 5600 × 1/56 = 100 exactly
    assert Fraction(1, 2).price_fen(1) == 1  # 0.5 fen → 1 (half up)
    assert Fraction(1, 3).price_fen(1) == 0
    assert Fraction(2, 3).minutes(10) == 6  # 6.67 → 6 (down)
