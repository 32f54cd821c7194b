"""Running an order-placing mutation once (B-8) and shaping its OrderPayload."""
from collections.abc import Awaitable, Callable
from datetime import datetime

from app.domain import idempotency
from app.domain.accounts.caller import Caller
from app.domain.errors import DomainError
from app.domain.orders.models import Order
from app.domain.packages.models import Package
from graphql_schema.errors import user_errors
from graphql_schema.orders.types import OrderPayload, order_of
from graphql_schema.packages.types import package_of
from graphql_schema.permissions import acting_account


async def place_order(
    caller: Caller, *, mutation: str, key: str, request: dict, now: datetime,
    perform: Callable[[], Awaitable[Order]],
) -> OrderPayload:
    fresh: dict = {}

    async def action() -> dict:
        order = await perform()
        # Read inside the transaction, which still holds the package lock: this call's own result,
        # not whatever a concurrent call commits next.
        fresh["order"] = order
        fresh["package"] = await Package.get(id=order.package_id) if order.package_id else None
        return {"orderId": str(order.id)}

    try:
        result = await idempotency.run_once(account_id=acting_account(caller), mutation=mutation, key=key,
                                            request=request, now=now, action=action)
    except DomainError as e:
        return OrderPayload(errors=user_errors(e))
    if fresh:
        order, package = fresh["order"], fresh["package"]
    else:  # a replay: the stored result, as things stand now
        order = await Order.get(id=int(result["orderId"]))
        package = await Package.get(id=order.package_id) if order.package_id else None
    return OrderPayload(order=order_of(order), package=package_of(package) if package else None)
