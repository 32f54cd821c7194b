"""R-9 arithmetic (pure) and the short package month an alignment creates (timers).

No imports of the package service here: the timers import this module.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.domain.events import service as events
from app.domain.packages import rules
from app.domain.packages.models import Package

MIN_DAY, MAX_DAY = 1, 28
SECOND = timedelta(seconds=1)


def target(expiry: datetime, day: int) -> datetime:
    """T: the earliest instant ≥ `expiry` that is 00:00:00 Asia/Shanghai on day `day` of a month."""
    local = expiry.astimezone(rules.CALENDAR_TZ)
    candidate = local.replace(day=day, hour=0, minute=0, second=0, microsecond=0)
    if candidate < local:
        year, month = divmod(local.year * 12 + local.month, 12)  # the next month (month is 1-based)
        candidate = candidate.replace(year=year, month=month + 1)
    assert day <= calendar.monthrange(candidate.year, candidate.month)[1]
    return candidate.astimezone(UTC)


@dataclass(frozen=True)
class Fraction:
    """(T − E) ÷ (add_months(E, 1) − E), both counted in whole seconds."""

    num: int
    den: int

    @staticmethod
    def of(expiry: datetime, aligned: datetime) -> "Fraction":
        return Fraction((aligned - expiry) // SECOND, (rules.add_months(expiry, 1) - expiry) // SECOND)

    def price_fen(self, monthly_fen: int) -> int:
        """Half up, once per line (integers: exact)."""
        return (2 * monthly_fen * self.num + self.den) // (2 * self.den)

    def minutes(self, allowance: int) -> int:
        """The short month's included minutes: rounded down."""
        return allowance * self.num // self.den


# --- The short month in the timers (M-2): granted at its start E, pro-rated.


def next_grant_at(p: Package) -> datetime:
    """While aligned and before the short month: the months of the old schedule, then E."""
    assert p.prior_anchor is not None and p.prior_months is not None and p.short_month_start is not None  # aligned
    month = p.allowance_month + 1
    if month < p.prior_months:
        return rules.add_months(p.prior_anchor, month)
    return p.short_month_start


def short_month_due(p: Package) -> bool:
    return p.prior_anchor is not None and p.prior_months is not None and p.allowance_month + 1 >= p.prior_months


async def grant_short_month(p: Package, at: datetime) -> None:
    """The short month is month −1 of the new anchor T: the month starting at T is month 0 again."""
    p.allowance_month, p.allowance_granted, p.allowance_used = -1, p.short_month_minutes or 0, 0
    p.prior_anchor = p.prior_months = p.short_month_start = p.short_month_minutes = None
    await events.record(
        "ALLOWANCE_GRANTED",
        account_id=p.account_id,
        sdk_app_id=p.application_id,
        at=at,
        data={"packageId": str(p.id), "month": 0, "minutes": p.allowance_granted, "short": True},
    )


def move_rtc(p: Package, aligned: datetime, minutes: int) -> None:
    """The RTC component now ends at T with T as its anchor; the short month E → T is owed `minutes`."""
    if p.prior_anchor is None:
        p.prior_anchor, p.prior_months = p.rtc_anchor, p.rtc_months
        p.short_month_start, p.short_month_minutes = p.rtc_expires_at, minutes
    else:
        # Aligned again before the short month began: that short month simply grows.
        p.short_month_minutes = (p.short_month_minutes or 0) + minutes
    p.rtc_anchor, p.rtc_months, p.rtc_expires_at = aligned, 0, aligned


def move_im(p: Package, aligned: datetime) -> None:
    p.im_anchor, p.im_months, p.im_expires_at = aligned, 0, aligned
