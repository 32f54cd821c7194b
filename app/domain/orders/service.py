"""Creating and reading orders."""

from datetime import datetime
from typing import Any

from app.domain import observe
from app.domain.accounts.caller import Caller
from app.domain.catalog.pricing import Line
from app.domain.errors import NotFound
from app.domain.orders.models import Order
from app.domain.orders.payment import Split


async def create(
    *,
    account_id: int,
    placed_by_id: int | None,
    sdk_app_id: int,
    package_id: int | None,
    kind: str,
    edition: str | None,
    months: int | None,
    lines: list[Line],
    at: datetime,
    scope: str | None = None,
    details: dict[str, Any] | None = None,
    split: Split | None = None,
) -> Order:
    """The order row, with the payment split planned for it (B-5) when it is prepaid."""
    paid: dict[str, int] = {}
    if split is not None:
        paid = dict(
            paid_voucher_fen=split.voucher,
            paid_gift_fen=split.gift,
            paid_income_fen=split.income,
            paid_cash_fen=split.cash,
        )
        details = {**(details or {}), "voucherIds": [str(v) for v in split.voucher_ids]}
    order = await Order.create(
        account_id=account_id,
        placed_by_id=placed_by_id,
        sdk_app_id=sdk_app_id,
        package_id=package_id,
        kind=kind,
        edition=edition,
        months=months,
        scope=scope,
        amount_fen=sum(l.amount_fen for l in lines),
        lines=[l.as_dict() for l in lines],
        details=details or {},
        created_at=at,
        using_db=None,
        **paid,  # using_db named, else mypy matches the ** keys against it
    )
    observe.order_placed(kind, edition, order.amount_fen)  # counted once committed (O-1)
    return order


async def get_for(caller: Caller, order_id: int) -> Order:
    order = await Order.get_or_none(id=order_id)
    if order is None or (not caller.is_operator and order.account_id != caller.account_id):
        raise NotFound("order", "id")
    return order


async def page(
    account_id: int, *, first: int, before_id: int | None, sdk_app_id: int | None, kind: str | None
) -> list[Order]:
    """Newest first; `before_id` is the cursor of the last order already seen."""
    query = Order.filter(account_id=account_id)
    if sdk_app_id is not None:
        query = query.filter(sdk_app_id=sdk_app_id)
    if kind is not None:
        query = query.filter(kind=kind)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(first + 1)
