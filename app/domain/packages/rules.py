"""Pure calendar rules of packages (B-3, T-1). No I/O."""

import calendar
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

CALENDAR_TZ = ZoneInfo("Asia/Shanghai")
TRIAL_LENGTH = timedelta(days=7)


def add_months(anchor: datetime, months: int) -> datetime:
    """B-3: `months` calendar months after `anchor`, in Asia/Shanghai, keeping the anchor's day and
    clamping to the month's end (Jan 31 + 1 = Feb 28/29, + 2 = Mar 31). Always count from the anchor."""
    local = anchor.astimezone(CALENDAR_TZ)
    index = local.year * 12 + (local.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(anchor.tzinfo)


def trial_expiry(start: datetime) -> datetime:
    """T-1: exactly 7 × 24 h."""
    return start + TRIAL_LENGTH


def package_month_bounds(anchor: datetime, months_total: int, at: datetime) -> tuple[datetime, datetime, int]:
    """The package month containing `at`: (start, end, index from 0). `at` is clamped into the period."""
    for index in range(months_total):
        start, end = add_months(anchor, index), add_months(anchor, index + 1)
        if at < end:
            return start, end, index
    last = max(months_total - 1, 0)
    return add_months(anchor, last), add_months(anchor, last + 1), last


def current_month_bounds(anchor: datetime, months_total: int, at: datetime) -> tuple[datetime, datetime, int]:
    """`package_month_bounds` for pricing the time left (U-3, U-4): a component aligned to T (R-9)
    has T as its anchor while `at` is still before it; that stretch counts as month −1, measured
    against the calendar month before T, so the whole months after it are `months_total`."""
    if at < anchor:
        return add_months(anchor, -1), anchor, -1
    return package_month_bounds(anchor, months_total, at)
