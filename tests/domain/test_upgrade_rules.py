"""SPEC U-1, U-3, U-4: the pure upgrade maths (no database, no HTTP)."""

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from app.domain.errors import DomainError
from app.domain.packages.upgrade import (
    Remaining,
    Tier,
    allowance_growth,
    check_change,
    half_up,
    line_amount_fen,
    remaining,
)

START = datetime(2027, 1, 9, 16, 0, tzinfo=UTC)  # 2027-01-10 00:00 Asia/Shanghai
JAN25 = datetime(2027, 1, 24, 16, 0, tzinfo=UTC)  # 2027-01-25 00:00 Asia/Shanghai
DAY = 86400

RTC_PREMIUM, RTC_ULTIMATE = 150000, 500000
IM_PRO, IM_ULTIMATE = 149900, 299900

EDITIONS = {
    "TRIAL": {"RTC": Tier("RTC_TRIAL", 0)},
    "BASIC": {"RTC": Tier("RTC_PREMIUM", 1), "IM": Tier("IM_PRO", 1)},
    "ADVANCED": {"RTC": Tier("RTC_ULTIMATE", 2), "IM": Tier("IM_PRO", 1)},
    "LARGE_ROOM": {"RTC": Tier("RTC_ULTIMATE", 2), "IM": Tier("IM_ULTIMATE", 2)},
}


def change(current: str, target: str) -> list[str]:
    return check_change(current, target, EDITIONS[current], EDITIONS[target])


# ---------------------------------------------------------------- U-3 remaining months


def test_U3_remaining_at_jan25_of_a_one_month_package_is_16_of_31():
    rest = remaining(START, 1, JAN25)
    assert rest == Remaining(left_seconds=16 * DAY, month_seconds=31 * DAY, whole_months=0)
    assert rest.fraction == Fraction(16, 31)
    assert rest.months == Fraction(16, 31)


def test_U3_remaining_counts_the_whole_package_months_after_the_current_one():
    assert remaining(START, 3, JAN25).months == Fraction(16, 31) + 2
    # in the second package month (2027-02-10 → 03-10, 28 days): 2027-02-24 00:00 +08 leaves 14 days
    rest = remaining(START, 3, datetime(2027, 2, 23, 16, 0, tzinfo=UTC))
    assert (rest.left_seconds, rest.month_seconds, rest.whole_months) == (14 * DAY, 28 * DAY, 1)


def test_U3_remaining_at_a_month_start_is_a_whole_month():
    rest = remaining(START, 3, datetime(2027, 2, 9, 16, 0, tzinfo=UTC))  # 2027-02-10 00:00 +08
    assert rest.fraction == 1 and rest.whole_months == 1 and rest.months == 2


def test_U3_remaining_at_the_last_second_of_a_package_month():
    last = datetime(2027, 2, 9, 16, 0, tzinfo=UTC) - timedelta(seconds=1)
    rest = remaining(START, 3, last)
    assert (rest.left_seconds, rest.month_seconds, rest.whole_months) == (1, 31 * DAY, 2)


def test_U3_remaining_uses_the_clamped_months_of_a_jan31_anchor():
    jan31 = datetime(2027, 1, 30, 16, 0, tzinfo=UTC)  # 2027-01-31 00:00 +08; months end Feb 28, Mar 31
    rest = remaining(jan31, 2, datetime(2027, 2, 13, 16, 0, tzinfo=UTC))  # 02-14 00:00 +08
    assert (rest.left_seconds, rest.month_seconds, rest.whole_months) == (14 * DAY, 28 * DAY, 1)
    rest = remaining(jan31, 2, datetime(2027, 3, 14, 16, 0, tzinfo=UTC))  # 03-15 00:00 +08, month 2 is 31 days
    assert (rest.left_seconds, rest.month_seconds, rest.whole_months) == (16 * DAY, 31 * DAY, 0)


def test_U3_partial_seconds_are_not_charged():
    rest = remaining(START, 1, JAN25 + timedelta(microseconds=400_000))
    assert rest.left_seconds == 16 * DAY - 1


# ---------------------------------------------------------------- U-3 line amounts


def test_U3_spec_example_basic_to_advanced_one_month_is_1806_45():
    assert line_amount_fen(RTC_PREMIUM, RTC_ULTIMATE, remaining(START, 1, JAN25)) == 180645


def test_U3_spec_example_basic_to_advanced_three_months_is_8806_45():
    assert line_amount_fen(RTC_PREMIUM, RTC_ULTIMATE, remaining(START, 3, JAN25)) == 880645


def test_U3_spec_example_basic_to_large_room_lines_are_each_rounded_then_summed():
    rest = remaining(START, 1, JAN25)
    rtc = line_amount_fen(RTC_PREMIUM, RTC_ULTIMATE, rest)
    im = line_amount_fen(IM_PRO, IM_ULTIMATE, rest)
    assert (rtc, im, rtc + im) == (180645, 77419, 258064)
    # rounding the sum instead would give 5000 × 16/31 = 2580.65: the SPEC sums rounded lines
    assert half_up(Fraction(500000 * 16, 31)) == 258065


def test_U3_rounding_is_half_up_once():
    assert half_up(Fraction(1, 2)) == 1
    assert half_up(Fraction(3, 2)) == 2
    assert half_up(Fraction(149, 100)) == 1
    assert half_up(Fraction(0)) == 0
    one_second = Remaining(1, 31 * DAY, 0)
    assert line_amount_fen(RTC_PREMIUM, RTC_ULTIMATE, one_second) == 0  # 0.13 fen


def test_U3_a_raised_tier_priced_lower_never_pays_out():
    assert line_amount_fen(500000, 100000, remaining(START, 1, JAN25)) == 0


# ---------------------------------------------------------------- U-4 allowance growth


def test_U4_basic_to_advanced_minutes_grow_by_the_fraction_rounded_down():
    rest = remaining(START, 1, JAN25)
    assert allowance_growth(380000, 1400000, rest) == 526451  # 1,020,000 × 16/31 = 526,451.6


def test_U4_no_growth_when_the_allowance_does_not_rise():
    rest = remaining(START, 1, JAN25)
    assert allowance_growth(1400000, 1400000, rest) == 0
    assert allowance_growth(1400000, 380000, rest) == 0


def test_U4_only_the_current_month_fraction_counts():
    assert allowance_growth(380000, 1400000, remaining(START, 3, JAN25)) == 526451
    assert allowance_growth(380000, 1400000, Remaining(1, 31 * DAY, 2)) == 0


# ---------------------------------------------------------------- U-1 allowed changes, from tiers


@pytest.mark.parametrize(
    "current,target,raised",
    [
        ("BASIC", "ADVANCED", ["RTC"]),
        ("BASIC", "LARGE_ROOM", ["IM", "RTC"]),
        ("ADVANCED", "LARGE_ROOM", ["IM"]),
    ],
)
def test_U1_allowed_upgrades_raise_at_least_one_tier(current, target, raised):
    assert change(current, target) == raised


@pytest.mark.parametrize("edition", ["BASIC", "ADVANCED", "LARGE_ROOM"])
def test_U1_same_edition(edition):
    with pytest.raises(DomainError) as refused:
        change(edition, edition)
    assert refused.value.code == "SAME_EDITION"


@pytest.mark.parametrize(
    "current,target",
    [
        ("ADVANCED", "BASIC"),
        ("LARGE_ROOM", "BASIC"),
        ("LARGE_ROOM", "ADVANCED"),
        ("BASIC", "TRIAL"),
    ],
)
def test_U1_downgrades_are_refused(current, target):
    with pytest.raises(DomainError) as refused:
        change(current, target)
    assert refused.value.code == "DOWNGRADE_NOT_ALLOWED"


def test_U1_a_change_that_raises_one_tier_and_lowers_another_is_a_downgrade():
    current = {"RTC": Tier("RTC_ULTIMATE", 2), "IM": Tier("IM_PRO", 1)}
    target = {"RTC": Tier("RTC_PREMIUM", 1), "IM": Tier("IM_ULTIMATE", 2)}
    with pytest.raises(DomainError) as refused:
        check_change("X", "Y", current, target)
    assert refused.value.code == "DOWNGRADE_NOT_ALLOWED"


def test_U1_editions_with_equal_tiers_are_no_upgrade():
    tiers = {"RTC": Tier("RTC_ULTIMATE", 2), "IM": Tier("IM_PRO", 1)}
    with pytest.raises(DomainError) as refused:
        check_change("X", "Y", tiers, dict(tiers))
    assert refused.value.code == "SAME_EDITION"
