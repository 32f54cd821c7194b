"""The order-placing B-8 commands of one application: purchase (B-1…B-8), renew (R-1), upgrade
(U-1…U-4). Each takes its typed input, the caller, the key and the instant, and runs at most once
per (account, key); the answer is the order with its package, fresh or replayed."""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from app.domain import idempotency
from app.domain.accounts.caller import Caller
from app.domain.commands import PurchasePackage, RenewPackage, UpgradePackage
from app.domain.orders.models import Order
from app.domain.packages import service, upgrade
from app.domain.packages.models import Package
from app.domain.packages.periods import Placed

__all__ = ["Placed", "purchase", "renew", "upgrade_package"]


async def _placed(order: Order) -> Placed:
    # A replay: the order's package as things stand now.
    package_id: int | None = order.package_id
    return Placed(order, await Package.get(id=package_id) if package_id else None)


def _record(placed: Placed) -> dict[str, Any]:
    return {"orderId": str(placed.order.id)}


async def _replay(stored: dict[str, Any]) -> Placed:
    return await _placed(await Order.get(id=int(stored["orderId"])))


async def _once(
    caller: Caller,
    command: PurchasePackage | RenewPackage | UpgradePackage,
    key: str,
    at: datetime,
    place: Callable[[], Awaitable[Placed]],
) -> Placed:
    return await idempotency.once(
        command, account_id=idempotency.key_space(caller), key=key, now=at, run=place, record=_record, replay=_replay
    )


async def purchase(caller: Caller, command: PurchasePackage, *, key: str, at: datetime) -> Placed:
    return await _once(
        caller,
        command,
        key,
        at,
        lambda: service.purchase(
            caller,
            sdk_app_id=command.sdk_app_id,
            edition=command.edition,
            months=command.months,
            auto_renew=command.auto_renew,
            accept_agreements=command.accept_agreements,
            voucher_ids=list(command.voucher_ids),
            at=at,
        ),
    )


async def renew(caller: Caller, command: RenewPackage, *, key: str, at: datetime) -> Placed:
    return await _once(
        caller,
        command,
        key,
        at,
        lambda: service.renew(
            caller,
            sdk_app_id=command.sdk_app_id,
            months=command.months,
            scope=command.scope,
            voucher_ids=list(command.voucher_ids),
            at=at,
        ),
    )


async def upgrade_package(caller: Caller, command: UpgradePackage, *, key: str, at: datetime) -> Placed:
    return await _once(
        caller,
        command,
        key,
        at,
        lambda: upgrade.upgrade(caller, sdk_app_id=command.sdk_app_id, target_edition=command.target_edition, at=at),
    )
