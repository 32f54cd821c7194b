"""Postpaid settlement (M-3, M-4, S-1, S-7): one POSTPAID order per app with a charge, taken
from cash even into a negative balance; idempotent per (app, kind, period) by a unique row."""

import logging
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.functions import Max

from app.domain import locks, observe, tx
from app.domain.accounts import arrears
from app.domain.catalog.models import Edition, Rate
from app.domain.catalog.pricing import Line
from app.domain.events import service as events
from app.domain.ledger import service as ledger
from app.domain.ledger.service import Posting
from app.domain.money import format_fen
from app.domain.orders import service as orders
from app.domain.packages.models import Package
from app.domain.packages.rules import CALENDAR_TZ
from app.domain.usage.models import (
    ImDailyStat,
    Settlement,
    SettlementSchedule,
    UsageRecord,
)
from app.domain.usage.rating import im_overage_fen, overage_fen

log = logging.getLogger(__name__)
RUN_AT = time(1, 0)  # 01:00 Asia/Shanghai
DAILY, MONTHLY = "USAGE_DAILY", "IM_MONTHLY"


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=CALENDAR_TZ)


def first_daily_due(now: datetime) -> datetime:
    local = now.astimezone(CALENDAR_TZ)
    due = datetime.combine(local.date(), RUN_AT, tzinfo=CALENDAR_TZ)
    return due if due > local else due + timedelta(days=1)


def first_monthly_due(now: datetime) -> datetime:
    local = now.astimezone(CALENDAR_TZ)
    due = datetime.combine(local.date().replace(day=1), RUN_AT, tzinfo=CALENDAR_TZ)
    if due > local:
        return due
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return datetime(year, month, 1, 1, 0, tzinfo=CALENDAR_TZ)


# What a settlement charges, priced inside its claiming transaction: the order lines and details.
Priced = tuple[list[Line], dict[str, Any]]
Pricer = Callable[[BaseDBAsyncClient, int], Awaitable[Priced]]


async def _charge(sdk_app_id: int, account_id: int, kind: str, period: str, at: datetime, price: Pricer) -> bool:
    """Claim (app, kind, period) once, price it inside the same transaction, write the order and
    take the money from cash (S-7). `price(conn, settlement_id)` returns (lines, details)."""
    async with tx.atomic() as conn:
        account = await locks.account(account_id, at)
        claimed = await conn.execute_query_dict(
            "INSERT INTO settlement (sdk_app_id, kind, period, created_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (sdk_app_id, kind, period) DO NOTHING RETURNING id",
            [sdk_app_id, kind, period, at],
        )
        if not claimed:
            return False
        settlement_id = claimed[0]["id"]
        lines, details = await price(conn, settlement_id)
        amount = sum(line.amount_fen for line in lines)
        if amount <= 0:
            return False
        order = await orders.create(
            account_id=account_id,
            placed_by_id=None,
            sdk_app_id=sdk_app_id,
            package_id=None,
            kind="POSTPAID",
            edition=None,
            months=None,
            lines=lines,
            at=at,
            details={"settlement": kind, "period": period, **details},
        )
        order.paid_cash_fen = amount
        await order.save(update_fields=["paid_cash_fen"])
        await Settlement.filter(id=settlement_id).update(order_id=order.id)
        await ledger.post(
            account, "POSTPAID", [Posting("CASH", -amount), Posting("REVENUE", amount)], at=at, order_id=order.id
        )
        await events.record(
            "USAGE_SETTLED",
            account_id=account_id,
            sdk_app_id=sdk_app_id,
            at=at,
            data={"orderId": str(order.id), "kind": kind, "period": period, "amount": format_fen(amount)},
        )
        await arrears.after_charge(account, at)
    return True


CLAIM_USAGE = """
UPDATE usage_record SET settlement_id = $1
WHERE sdk_app_id = $2 AND day <= $3 AND billable_minutes > 0 AND settlement_id IS NULL
RETURNING billable_minutes, day
"""


async def settle_day(day: date, at: datetime) -> int:
    """M-3 for one Asia/Shanghai day; billable usage of earlier days reported late is billed with it."""
    rate = await Rate.get(code="OVERAGE_MINUTES")
    rows = await (
        UsageRecord.filter(day__lte=day, billable_minutes__gt=0, settlement_id__isnull=True)
        .distinct()
        .values("sdk_app_id", "account_id")
    )
    count = 0
    for row in sorted(rows, key=lambda r: r["sdk_app_id"]):

        async def price(conn: BaseDBAsyncClient, settlement_id: int, app: int = row["sdk_app_id"]) -> Priced:
            claimed = await conn.execute_query_dict(CLAIM_USAGE, [settlement_id, app, day])
            billable = sum(r["billable_minutes"] for r in claimed)
            late = sorted({r["day"].isoformat() for r in claimed if r["day"] < day})
            amount = overage_fen(billable, rate.amount_fen, rate.per_units)
            text = (
                f"Standard minutes beyond the allowance or without a package on {day.isoformat()}"
                + (f" (and reported late for {', '.join(late)})" if late else "")
                + f": {billable} × {format_fen(rate.amount_fen)} per {rate.per_units}"
            )
            return [Line(text, 0, amount)], {"standardMinutes": billable}

        count += await _charge_guarded(row["sdk_app_id"], row["account_id"], DAILY, day.isoformat(), at, price)
    return count


async def _quota_edition(sdk_app_id: int, start: datetime, end: datetime) -> Edition | None:
    """M-4: the paid edition the app had in [start, end); the highest quotas if it changed."""
    packages = await Package.filter(application_id=sdk_app_id, started_at__lt=end).exclude(edition="TRIAL")
    codes = set()
    for p in packages:
        ended = p.ended_at or max(p.rtc_expires_at, p.im_expires_at or p.rtc_expires_at)
        if ended > start and p.status != "REFUNDED":
            codes.add(p.edition)  # an upgrade rewrites the edition upwards: the highest one is kept
    if not codes:
        return None
    editions = await Edition.filter(code__in=list(codes))
    return max(editions, key=lambda e: ((e.included_dau or 0) + (e.included_peak_groups or 0), e.position))


async def settle_month(first_day: date, at: datetime) -> int:
    """M-4 for the calendar month starting at `first_day`."""
    next_first = (
        first_day.replace(year=first_day.year + 1, month=1)
        if first_day.month == 12
        else first_day.replace(month=first_day.month + 1)
    )
    start, end = _local_midnight(first_day), _local_midnight(next_first)
    rates = {r.code: r for r in await Rate.filter(code__in=("IM_DAU_OVERAGE", "IM_GROUPS_OVERAGE"))}
    rows = await (
        ImDailyStat.filter(day__gte=first_day, day__lt=next_first)
        .group_by("sdk_app_id", "account_id")
        .annotate(peak_dau=Max("dau"), peak_groups=Max("peak_groups"))
        .values("sdk_app_id", "account_id", "peak_dau", "peak_groups")
    )
    count, period = 0, first_day.strftime("%Y-%m")
    for row in sorted(rows, key=lambda r: r["sdk_app_id"]):
        edition = await _quota_edition(row["sdk_app_id"], start, end)
        if edition is None:
            continue
        dau_fen, groups_fen = im_overage_fen(
            int(row["peak_dau"]),
            edition.included_dau or 0,
            rates["IM_DAU_OVERAGE"].amount_fen,
            int(row["peak_groups"]),
            edition.included_peak_groups or 0,
            rates["IM_GROUPS_OVERAGE"].amount_fen,
        )
        lines = []
        if dau_fen:
            lines.append(
                Line(
                    f"IM peak daily DAU {row['peak_dau']} above the {edition.code} quota "
                    f"{edition.included_dau} in {period}",
                    0,
                    dau_fen,
                )
            )
        if groups_fen:
            lines.append(
                Line(
                    f"IM peak groups {row['peak_groups']} above the {edition.code} quota "
                    f"{edition.included_peak_groups} in {period}",
                    0,
                    groups_fen,
                )
            )
        if lines:
            details = {"peakDau": int(row["peak_dau"]), "peakGroups": int(row["peak_groups"])}

            async def price(
                conn: BaseDBAsyncClient,
                settlement_id: int,
                lines: list[Line] = lines,
                details: dict[str, Any] = details,
            ) -> Priced:
                return lines, details

            count += await _charge_guarded(row["sdk_app_id"], row["account_id"], MONTHLY, period, at, price)
    return count


# Per schedule: its first due instant, and the due instant after a given one.
SCHEDULES: dict[str, tuple[Callable[[datetime], datetime], Callable[[datetime], datetime]]] = {
    DAILY: (first_daily_due, lambda due: due + timedelta(days=1)),
    MONTHLY: (first_monthly_due, lambda due: first_monthly_due(due + timedelta(hours=1))),
}


async def _schedule_row(name: str, now: datetime) -> SettlementSchedule:
    row = await SettlementSchedule.get_or_none(name=name)
    if row is None:
        first, _ = SCHEDULES[name]
        await SettlementSchedule.get_or_create(name=name, defaults={"next_due_at": first(now)})
        row = await SettlementSchedule.get(name=name)
    return row


async def sweep(now: datetime) -> int:
    """Run each settlement whose time has come, one period at a time.

    Each app is charged in a transaction of its own (its settlement row makes it idempotent), so
    one failing app neither rolls back the others nor holds their account locks to the end of the
    day; it stays unsettled and is billed by the next run (late usage is claimed by day ≤ the
    period). The schedule moves on with a compare-and-set on the instant that was run, so two
    runners at once settle nothing twice and skip no period."""
    total = 0
    for name in (DAILY, MONTHLY):
        await _schedule_row(name, now)
        while True:
            row = await SettlementSchedule.get(name=name)
            if row.next_due_at > now:
                break
            due = row.next_due_at
            local_day = due.astimezone(CALENDAR_TZ).date()
            if name == DAILY:
                total += await settle_day(local_day - timedelta(days=1), due)
            else:
                previous = (local_day - timedelta(days=1)).replace(day=1)
                total += await settle_month(previous, due)
            await SettlementSchedule.filter(name=name, next_due_at=due).update(next_due_at=SCHEDULES[name][1](due))
            observe.timer_done(due, now)
    return total


async def _charge_guarded(
    sdk_app_id: int,
    account_id: int,
    kind: str,
    period: str,
    at: datetime,
    price: Pricer,
) -> bool:
    """One app's charge; a failure is logged and leaves that app for the next run."""
    try:
        return await _charge(sdk_app_id, account_id, kind, period, at, price)
    except Exception:
        log.exception("settlement %s %s failed for app %s; it is retried by the next run", kind, period, sdk_app_id)
        return False


async def next_due() -> datetime | None:
    """The schedule starts from the first time anyone asks, so no period before it is skipped."""
    from app import clock

    now = await clock.now()
    for name in SCHEDULES:
        await _schedule_row(name, now)
    row = await SettlementSchedule.all().order_by("next_due_at").first()
    return row.next_due_at if row else None
