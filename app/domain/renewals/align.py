"""R-9: the unified expiry day (统一到期日) — `alignExpiry` and its quote."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.domain.accounts.caller import Caller
from app.domain.accounts.models import Application
from app.domain.catalog.models import Edition
from app.domain.catalog.prices import monthly_prices_fen
from app.domain.catalog.pricing import Line
from app.domain.codes import ErrorCode, OrderKind, PackageStatus
from app.domain.columns import column
from app.domain.errors import DomainError, NotFound
from app.domain.events import service as events
from app.domain.money import format_fen
from app.domain.orders import payment
from app.domain.orders import service as orders
from app.domain.orders.models import Order
from app.domain.packages import read, rules
from app.domain.packages import service as packages
from app.domain.packages.models import Package
from app.domain.renewals import alignment, batch
from app.domain.renewals.alignment import Fraction
from app.domain.tx import atomic

FIELD = "sdkAppIds"


@dataclass
class Step:
    which: str
    code: str
    expiry: datetime
    aligned: datetime
    fraction: Fraction
    line: Line


@dataclass
class Plan:
    package: Package
    steps: list[Step] = field(default_factory=list)
    minutes: int = 0  # the RTC short month's included minutes

    @property
    def lines(self) -> list[Line]:
        return [s.line for s in self.steps]


def check_day(day: int) -> None:
    if not isinstance(day, int) or not alignment.MIN_DAY <= day <= alignment.MAX_DAY:
        raise DomainError(ErrorCode.INVALID_DAY, "day is a day of the month from 1 to 28", "day")


def alignable(package: Package | None) -> Package:
    if package is None or package.status != PackageStatus.ACTIVE or package.edition == "TRIAL":
        raise DomainError(ErrorCode.NO_ACTIVE_PACKAGE, "the application has no active paid package")
    return package


def _local(instant: datetime) -> str:
    return instant.astimezone(rules.CALENDAR_TZ).strftime("%Y-%m-%d %H:%M")


async def plan(package: Package, day: int, at: datetime) -> Plan:
    """Each component from its expiry E to T; no step when T = E. Prices in effect at `at` (K-1)."""
    result = Plan(package)
    codes = [c for c in (package.rtc_code, package.im_code) if c]
    prices = await monthly_prices_fen(codes, at)
    for which in ("rtc", "im"):
        code = getattr(package, f"{which}_code")
        if code is None:
            continue
        expiry = getattr(package, f"{which}_expires_at")
        aligned = alignment.target(expiry, day)
        if aligned == expiry:
            continue
        fraction = Fraction.of(expiry, aligned)
        description = f"{code}, {_local(expiry)} → {_local(aligned)} (unified expiry day {day})"
        result.steps.append(
            Step(which, code, expiry, aligned, fraction, Line(description, 0, fraction.price_fen(prices[code])))
        )
    rtc = next((s for s in result.steps if s.which == "rtc"), None)
    if rtc is not None:
        allowance = (await Edition.get(code=package.edition)).included_minutes or 0
        result.minutes = rtc.fraction.minutes(allowance)
    return result


async def quote(caller: Caller, sdk_app_ids: list[int], day: int, at: datetime) -> list[Line]:
    """`alignExpiryQuote`: the lines `alignExpiry` would charge now, unpaid (no locks)."""
    check_day(day)
    batch.check_apps(sdk_app_ids, FIELD)
    owned = set(
        await column(Application.filter(sdk_app_id__in=sdk_app_ids, account_id=caller.account_id), "sdk_app_id", int)
    )
    lines = []
    for index, sdk_app_id in enumerate(sdk_app_ids):
        if sdk_app_id not in owned:
            raise batch.at_index(NotFound("application"), FIELD, index)
        try:
            package = alignable(await read.current_for_app(sdk_app_id))
        except DomainError as e:
            raise batch.at_index(e, FIELD, index)
        lines += (await plan(package, day, at)).lines
    return lines


def _state(package: Package) -> dict[str, dict[str, Any]]:
    return {w: packages.component_state(package, w) for w in ("rtc", "im") if getattr(package, f"{w}_code")}


async def _apply(caller: Caller, locked: packages.Locked, p: Plan, day: int, at: datetime) -> Order:
    package = p.package
    split = payment.plan_split(locked.account, sum(line.amount_fen for line in p.lines), [])
    before = _state(package)
    for step in p.steps:
        if step.which == "rtc":
            alignment.move_rtc(package, step.aligned, p.minutes)
        else:
            alignment.move_im(package, step.aligned)
    packages.refresh_status(package, at)
    order = await orders.create(
        account_id=locked.account.id,
        placed_by_id=caller.actor_account_id,
        sdk_app_id=package.application_id,
        package_id=package.id,
        kind=OrderKind.ALIGNMENT,
        edition=package.edition,
        months=None,
        lines=p.lines,
        at=at,
        details={"day": day, "before": before, "after": _state(package), "shortMonthMinutes": p.minutes},
        split=split,
    )
    await payment.collect(locked.account, split, order_id=order.id, kind=OrderKind.ALIGNMENT, at=at)
    packages.schedule(package)  # the expiry, the reminders and the short month's grant move (C-1)
    await package.save()
    await events.record(
        "EXPIRY_ALIGNED",
        account_id=locked.account.id,
        sdk_app_id=package.application_id,
        at=at,
        data={
            "orderId": str(order.id),
            "packageId": str(package.id),
            "day": day,
            "amount": format_fen(order.amount_fen),
            "expiresAt": package.expires_at.isoformat(),
            "shortMonthMinutes": p.minutes,
        },
    )
    return order


async def align(
    caller: Caller,
    sdk_app_ids: list[int],
    day: int,
    *,
    at: datetime,
) -> tuple[list[Order], list[Package]]:
    """All or nothing; one ALIGNMENT order per package that changed, in the order given."""
    check_day(day)
    batch.check_apps(sdk_app_ids, FIELD)
    async with atomic():
        locked = await batch.lock_apps(caller, sdk_app_ids, at, FIELD)
        batch.check_account(locked.values())
        errors, plans = [], []
        for index, sdk_app_id in enumerate(sdk_app_ids):
            mine = locked[sdk_app_id]
            try:
                packages.check_account_may_buy(mine)
                plans.append((mine, await plan(alignable(mine.package), day, at)))
            except DomainError as e:
                errors.append(batch.at_index(e, FIELD, index))
        batch.raise_if(errors)
        account = next(iter(locked.values())).account
        due = sum(line.amount_fen for _, p in plans for line in p.lines)
        if due > account.available_fen:  # B-6 on the whole call
            raise DomainError(
                ErrorCode.INSUFFICIENT_BALANCE,
                f"{format_fen(due)} is due but the available balance is {format_fen(account.available_fen)}",
            )
        done = [await _apply(caller, mine, p, day, at) for mine, p in plans if p.steps]
    return done, [p.package for _, p in plans]
