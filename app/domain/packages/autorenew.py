"""Auto-renewal at the expiry instant (R-2, R-3) and the reminder test of R-4."""

from datetime import datetime
from typing import Any

from app.domain import idempotency, observe
from app.domain.accounts.models import Account, Application, Voucher
from app.domain.commands import AutoRenewal
from app.domain.events import service as events
from app.domain.money import format_fen
from app.domain.packages import periods
from app.domain.packages.models import Package

SCOPE_OF = {("rtc", "im"): "FULL", ("rtc",): "RTC_ONLY", ("im",): "IM_ONLY"}


def expiring(p: Package) -> tuple[str, ...]:
    """The components that end at the package's expiry instant: what auto-renewal renews."""
    at = p.expires_at
    return tuple(w for w in ("rtc", "im") if getattr(p, f"{w}_code") and getattr(p, f"{w}_expires_at") == at)


async def renewal_price_fen(p: Package, components: tuple[str, ...], months: int, at: datetime) -> int:
    """R-2 / K-1: at the prices in effect at `at` (the expiry instant for an auto-renewal)."""
    return sum((await periods.renewal_prices_fen(p, components, months, at)).values())


async def best_voucher(account_id: int, price_fen: int, at: datetime, *, lock: bool) -> Voucher | None:
    """R-2: the largest unexpired, unused voucher not above the price."""
    query = Voucher.filter(account_id=account_id, used_at__isnull=True, expires_at__gt=at, amount_fen__lte=price_fen)
    if lock:
        query = query.select_for_update()
    return await query.order_by("-amount_fen", "expires_at", "id").first()


async def renewal_shortfall(account: Account, p: Package, at: datetime) -> bool:
    """R-4: would the renewal at expiry fail for want of money?"""
    price = await renewal_price_fen(p, expiring(p), p.auto_renew_months, p.expires_at)
    # The vouchers that will still be valid when the renewal happens, not merely now.
    voucher = await best_voucher(account.id, price, p.expires_at, lock=False)
    return account.available_fen < price - (voucher.amount_fen if voucher else 0)


def refusal(account: Account, price_fen: int, voucher: Voucher | None) -> str | None:
    """R-3, checked in this order."""
    if account.status in ("SUSPENDED", "BANNED"):
        return "ACCOUNT_RESTRICTED"
    if not account.real_name_verified:
        return "REAL_NAME_ABNORMAL"
    if account.available_fen < price_fen - (voucher.amount_fen if voucher else 0):
        return "INSUFFICIENT_BALANCE"
    return None


async def attempt(account: Account, p: Package, due: datetime) -> str | None:
    """Renew what expires at `due`; returns None on success, else the recorded failure reason.
    The caller holds the account and package locks."""
    components = expiring(p)
    months = p.auto_renew_months
    price = await renewal_price_fen(p, components, months, due)
    voucher = await best_voucher(account.id, price, due, lock=True)
    reason = refusal(account, price, voucher)
    if reason is not None:
        p.auto_renew_failure_reason = reason
        await events.record(
            "AUTO_RENEW_FAILED", account_id=account.id, sdk_app_id=p.application_id, at=due, data={"reason": reason}
        )  # exactly R-3's shape
        observe.auto_renew_attempt(reason)
        return reason
    app = await Application.get(sdk_app_id=p.application_id)
    locked = periods.Locked(account, app, p)
    scope = SCOPE_OF[components]

    charged: list[bool] = []

    async def renew() -> str:
        charged.append(True)
        order = await periods.apply_renewal(
            locked,
            p,
            components,
            months,
            at=due,
            kind="AUTO_RENEWAL",
            placed_by_id=None,
            scope=scope,
            vouchers=[voucher] if voucher else [],
        )
        return str(order.id)

    async def replayed(stored: dict[str, Any]) -> str:
        return str(stored["orderId"])

    # One charge per (package, period) even if every other guard failed (ARCHITECTURE, Timers).
    key = f"auto-renew:{p.id}:{int(due.timestamp())}"
    # Internal keys live in their own space (the negated account id): no customer key can collide.
    order_id = await idempotency.once(
        AutoRenewal(p.id, due),
        account_id=-account.id,
        key=key,
        now=due,
        run=renew,
        record=lambda placed: {"orderId": placed},
        replay=replayed,
    )
    if not charged:
        # The key had already succeeded: this period was renewed by an earlier, committed run, so
        # nothing may be charged or announced again. The row in hand is stale; reading it afresh
        # moves its expiry past `due`, which ends the caller's loop instead of repeating it.
        await p.refresh_from_db()
        if p.expires_at <= due:
            raise RuntimeError(f"auto-renewal of package {p.id} at {due} was charged but its period is missing")
        return None
    p.auto_renew_failure_reason = None
    observe.auto_renew_attempt(None)
    await events.record(
        "AUTO_RENEWED",
        account_id=account.id,
        sdk_app_id=p.application_id,
        at=due,
        data={
            "orderId": order_id,
            "packageId": str(p.id),
            "scope": scope,
            "months": months,
            "amount": format_fen(price),
            "expiresAt": p.expires_at.isoformat(),
        },
    )
    return None
