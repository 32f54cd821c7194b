"""The console's usage page (UI-2): standard minutes per Asia/Shanghai day for one app."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.functions import Sum

from app.domain.usage.models import UsageRecord

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class UsageDay:
    day: date
    standard_minutes: int
    included_minutes: int  # taken from the package month's allowance (M-2)
    billable_minutes: int  # billed postpaid (M-3)


async def daily(sdk_app_id: int, days: int, now: datetime) -> list[UsageDay]:
    """The last `days` days up to today, oldest first, with zeros for days without usage."""
    today = now.astimezone(SHANGHAI).date()
    first = today - timedelta(days=days - 1)
    rows = await (
        UsageRecord.filter(sdk_app_id=sdk_app_id, day__gte=first, day__lte=today)
        .annotate(std=Sum("standard_minutes"), inc=Sum("included_minutes"), bill=Sum("billable_minutes"))
        .group_by("day")
        .values("day", "std", "inc", "bill")
    )
    by_day = {r["day"]: r for r in rows}
    out = []
    for i in range(days):
        d = first + timedelta(days=i)
        r = by_day.get(d) or {}
        out.append(UsageDay(d, int(r.get("std") or 0), int(r.get("inc") or 0), int(r.get("bill") or 0)))
    return out
