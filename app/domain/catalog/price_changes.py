"""Scheduled price changes (K-1) and the notice of a rise (K-2).

A change is a row; nothing flips at `effective_at`: `prices.monthly_prices_fen` reads the change
in effect at the instant a price is used, so no timer is needed.
"""

from datetime import datetime, timedelta
from typing import Any

from app.domain.catalog import audit, notices, prices
from app.domain.catalog.inputs import check_text
from app.domain.catalog.models import Component, PriceChange
from app.domain.catalog.pricing import parse_price
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError, NotFound
from app.domain.money import format_fen
from app.domain.tx import atomic


def as_json(c: PriceChange) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "component": c.component_id,
        "price": format_fen(c.price_fen),
        "effectiveAt": c.effective_at.isoformat(),
        "cancelled": c.cancelled,
    }


async def schedule(
    component: str, price: str, effective_at: datetime, *, operator: str, at: datetime, grace: timedelta = timedelta(0)
) -> PriceChange:
    """K-1: `component` costs `price` a month from `effective_at` (≥ now; now = at once). `grace`:
    how far in the past a client's "now" may be and still mean now (a real clock moves while the
    request travels; a simulated one does not, so it gets none)."""
    check_text(component, "component")
    price_fen = parse_price(price, "price")
    if at - grace <= effective_at < at:
        effective_at = at
    if effective_at < at:
        raise DomainError(ErrorCode.INVALID_EFFECTIVE_AT, "effectiveAt must be now or later", "effectiveAt")
    async with atomic():
        # The component row is the lock that orders concurrent changes of one component.
        row = await Component.filter(code=component).select_for_update().first()
        if row is None or row.trial_days is not None:  # a trial component is free by definition (T-1)
            raise DomainError(ErrorCode.INVALID_COMPONENT, f"{component!r} is not a priced component", "component")
        # The price that would apply at effective_at without this change: what it replaces.
        old_fen = await prices.monthly_price_fen(component, effective_at)
        change = await PriceChange.create(
            component_id=component, price_fen=price_fen, effective_at=effective_at, created_at=at, created_by=operator
        )
        await audit.record(
            operator=operator,
            at=at,
            kind="PRICE_CHANGE_SCHEDULED",
            subject=f"component:{component}",
            before={"component": component, "price": format_fen(old_fen), "effectiveAt": effective_at.isoformat()},
            after=as_json(change),
        )
        if price_fen > old_fen:
            await notices.price_rise(component, old_fen, price_fen, effective_at, at=at)
    return change


async def cancel(change_id: int, *, operator: str, at: datetime) -> PriceChange:
    """K-1: only before it takes effect; cancelling a cancelled change again changes nothing."""
    async with atomic():
        change = await PriceChange.filter(id=change_id).select_for_update().first()
        if change is None:
            raise NotFound("price change", "id")
        if change.cancelled:
            return change
        if change.effective_at <= at:
            raise DomainError(ErrorCode.PRICE_CHANGE_IN_EFFECT, "the price change is already in effect", "id")
        before = as_json(change)
        change.cancelled, change.cancelled_at = True, at
        await change.save(update_fields=["cancelled", "cancelled_at"])
        await audit.record(
            operator=operator,
            at=at,
            kind="PRICE_CHANGE_CANCELLED",
            subject=f"component:{change.component_id}",
            before=before,
            after=as_json(change),
        )
    return change


async def listed(component: str | None) -> list[PriceChange]:
    """Every change (cancelled ones too), by effective time then creation."""
    query = PriceChange.all()
    if component is not None:
        check_text(component, "component")
        query = query.filter(component_id=component)
    return await query.order_by("effective_at", "id")
