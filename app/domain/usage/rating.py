"""Pure usage maths (M-2…M-4). No I/O."""

from datetime import date, datetime
from decimal import Decimal

from app.domain.money import round_fen
from app.domain.packages.rules import CALENDAR_TZ


def local_day(at: datetime) -> date:
    return at.astimezone(CALENDAR_TZ).date()


def split_allowance(standard_minutes: int, allowance_left: int) -> tuple[int, int]:
    """(included, billable): the allowance covers what it can, the rest is postpaid."""
    included = min(standard_minutes, max(allowance_left, 0))
    return included, standard_minutes - included


def overage_fen(billable_minutes: int, rate_fen: int, per_units: int) -> int:
    """M-3: 7.00 per 1,000 standard minutes, rounded half up once."""
    return round_fen(Decimal(billable_minutes) * rate_fen / per_units)


def im_overage_fen(
    peak_dau: int, dau_quota: int, dau_rate_fen: int, peak_groups: int, group_quota: int, group_rate_fen: int
) -> tuple[int, int]:
    """M-4: each term only when positive; (dau fen, groups fen)."""
    return max(peak_dau - dau_quota, 0) * dau_rate_fen, max(peak_groups - group_quota, 0) * group_rate_fen
