"""The B-8 commands of renewal management (§12): R-8 renewPackages, R-9 alignExpiry, F-5
cancelRenewal. One key covers a whole batch; its stored result is what the batch touched."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain import idempotency
from app.domain.accounts.caller import Caller
from app.domain.commands import AlignExpiry, CancelRenewal, RenewPackages
from app.domain.orders.models import Order
from app.domain.packages.models import Package
from app.domain.refunds.commands import stored_refund_id
from app.domain.renewals import align, cancel, renew_batch


@dataclass(frozen=True)
class Batch:
    orders: list[Order]
    packages: list[Package]


def _record(batch: Batch) -> dict[str, Any]:
    return {"orderIds": [str(o.id) for o in batch.orders], "packageIds": [str(p.id) for p in batch.packages]}


async def _replay(stored: dict[str, Any]) -> Batch:
    """The stored result, as things stand now."""
    order_ids, package_ids = [int(i) for i in stored["orderIds"]], [int(i) for i in stored["packageIds"]]
    orders = {o.id: o for o in await Order.filter(id__in=order_ids)}
    packages = {p.id: p for p in await Package.filter(id__in=package_ids)}
    return Batch([orders[i] for i in order_ids], [packages[i] for i in package_ids])


async def _once(
    caller: Caller, command: RenewPackages | AlignExpiry, key: str, at: datetime, run: Callable[[], Awaitable[Batch]]
) -> Batch:
    return await idempotency.once(
        command, account_id=idempotency.key_space(caller), key=key, now=at, run=run, record=_record, replay=_replay
    )


async def renew_packages(caller: Caller, command: RenewPackages, *, key: str, at: datetime) -> Batch:
    items = [renew_batch.Item(i.sdk_app_id, i.months, i.scope) for i in command.items]

    async def run() -> Batch:
        done = await renew_batch.renew_all(caller, items, voucher_ids=list(command.voucher_ids), at=at)
        return Batch([o for o, _ in done], [p for _, p in done])

    return await _once(caller, command, key, at, run)


async def align_expiry(caller: Caller, command: AlignExpiry, *, key: str, at: datetime) -> Batch:
    async def run() -> Batch:
        orders, packages = await align.align(caller, list(command.sdk_app_ids), command.day, at=at)
        return Batch(orders, packages)

    return await _once(caller, command, key, at, run)


async def cancel_renewal(caller: Caller, command: CancelRenewal, *, key: str, at: datetime) -> int:
    """The refund's id (the door reads the refund with its order)."""

    async def run() -> int:
        return (await cancel.cancel(caller, command.order_id, at=at)).id

    return await idempotency.once(
        command,
        account_id=idempotency.key_space(caller),
        key=key,
        now=at,
        run=run,
        record=lambda refund_id: {"refundId": str(refund_id)},
        replay=stored_refund_id,
    )
