"""What renewing does to a package's periods (R-1, B-3, R-5, M-2): extending components from
their anchors, the renewal's lines and payment, the allowance of a new package month.

Shared by the customer's renewals (packages.service), auto-renewal at expiry (packages.autorenew)
and refunds (which take a renewal's period back). It locks nothing: callers hold account →
application → package (app/domain/locks.py) and call this inside their transaction.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain.accounts.models import Account, Application, Voucher
from app.domain.catalog import prices, snapshot
from app.domain.catalog.pricing import Line
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.events import service as events
from app.domain.orders import payment
from app.domain.orders import service as orders
from app.domain.orders.models import Order
from app.domain.packages import rules
from app.domain.packages.models import Package


@dataclass
class Locked:
    account: Account
    app: Application
    package: Package | None


@dataclass(frozen=True)
class Placed:
    """An order-placing command's answer: the order and its package as this transaction left them
    (the objects it wrote, so the answer costs no second read)."""

    order: Order
    package: Package | None


def schedule(package: Package) -> None:
    """Set the next instant a timer has work on this package (C-1), and make it punctual."""
    from app.domain.timers import packages as package_timers

    package_timers.schedule(package)


async def plan_payment(
    locked: Locked,
    lines: list[Line],
    at: datetime,
    *,
    voucher_ids: list[int] | None = None,
    vouchers: list[Voucher] | None = None,
) -> payment.Split:
    """B-5/B-6 before anything is written: refused here, nothing has to be undone."""
    if vouchers is None:
        vouchers = await payment.lock_vouchers(locked.account, voucher_ids or [], at)
    return payment.plan_split(locked.account, sum(line.amount_fen for line in lines), vouchers)


def component_state(package: Package, which: str) -> dict[str, Any]:
    return {
        "anchor": getattr(package, f"{which}_anchor").isoformat(),
        "months": getattr(package, f"{which}_months"),
        "expiresAt": getattr(package, f"{which}_expires_at").isoformat(),
    }


def extend_component(package: Package, which: str, months: int, at: datetime) -> bool:
    """R-1 / B-3: from the current expiry keeping the anchor; restarted from now once expired.
    Returns True when the component restarted (a new anchor)."""
    # A component renewed at its very expiry instant (auto-renewal) continues: no gap, same anchor.
    restarted: bool = getattr(package, f"{which}_expires_at") < at
    if restarted:
        total, anchor = months, at
        setattr(package, f"{which}_anchor", at)
    else:
        total = getattr(package, f"{which}_months") + months
        anchor = getattr(package, f"{which}_anchor")
    setattr(package, f"{which}_months", total)
    setattr(package, f"{which}_expires_at", rules.add_months(anchor, total))
    return restarted


def refresh_status(package: Package, at: datetime) -> None:
    """R-5: ACTIVE while both components run, EXPIRED once either has ended."""
    if package.status in ("ACTIVE", "EXPIRED"):
        package.status = "ACTIVE" if package.expires_at > at else "EXPIRED"


async def renewal_prices_fen(
    package: Package, components: tuple[str, ...], months: int, at: datetime
) -> dict[str, int]:
    """R-1 / R-2: each renewed component's code → its monthly price in effect at `at` (K-1) × months.
    The one renewal price: a customer's renewal (its order lines) and an auto-renewal (its charge
    and the R-4 shortfall test) both take it from here."""
    codes = [getattr(package, f"{which}_code") for which in components]
    monthly = await prices.monthly_prices_fen(codes, at)
    return {code: monthly[code] * months for code in codes}


async def renewal_lines(package: Package, components: tuple[str, ...], months: int, at: datetime) -> list[Line]:
    """The order lines of a renewal: each component at its renewal price."""
    amounts = await renewal_prices_fen(package, components, months, at)
    rows = (await snapshot.current()).components
    return [
        Line(f"{rows[code].name} ({code}), {months} month{'s' if months > 1 else ''}", months, amount)
        for code, amount in amounts.items()
    ]


def renewable(package: Package | None) -> Package:
    if package is None or package.status not in ("ACTIVE", "EXPIRED") or package.edition == "TRIAL":
        raise DomainError(ErrorCode.NO_ACTIVE_PACKAGE, "the application has no paid package to renew", "sdkAppId")
    return package


def set_allowance(package: Package, month: int, minutes: int | None) -> None:
    """M-2: the included minutes of package month `month` (0-based from the RTC anchor)."""
    package.allowance_month, package.allowance_granted, package.allowance_used = month, minutes or 0, 0


async def allowance_granted(package: Package, at: datetime) -> None:
    await events.record(
        "ALLOWANCE_GRANTED",
        account_id=package.account_id,
        sdk_app_id=package.application_id,
        at=at,
        data={"packageId": str(package.id), "month": package.allowance_month + 1, "minutes": package.allowance_granted},
    )


async def grant_allowance(package: Package, month: int, at: datetime) -> None:
    set_allowance(package, month, (await snapshot.current()).included_minutes(package.edition))
    await allowance_granted(package, at)


async def apply_renewal(
    locked: Locked,
    package: Package,
    components: tuple[str, ...],
    months: int,
    *,
    at: datetime,
    kind: str,
    placed_by_id: int | None,
    scope: str,
    voucher_ids: list[int] | None = None,
    vouchers: list[Voucher] | None = None,
) -> Order:
    """Extend `components` by `months`, write the order and take the money, in the caller's transaction."""
    lines = await renewal_lines(package, components, months, at)
    split = await plan_payment(locked, lines, at, voucher_ids=voucher_ids, vouchers=vouchers)
    before = {which: component_state(package, which) for which in components}
    restarted = {which: extend_component(package, which, months, at) for which in components}
    after = {which: component_state(package, which) for which in components}
    refresh_status(package, at)
    if restarted.get("rtc") and package.status == "ACTIVE":
        await grant_allowance(package, 0, at)
    order = await orders.create(
        account_id=locked.account.id,
        placed_by_id=placed_by_id,
        sdk_app_id=package.application_id,
        package_id=package.id,
        kind=kind,
        edition=package.edition,
        months=months,
        lines=lines,
        at=at,
        scope=scope,
        details={"before": before, "after": after},
        split=split,
    )
    await payment.collect(locked.account, split, order_id=order.id, kind=kind, at=at)
    schedule(package)
    await package.save()
    return order
