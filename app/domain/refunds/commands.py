"""F-1…F-4 as a B-8 command: requestRefund runs at most once per (account, key)."""

from datetime import datetime
from typing import Any

from app.domain import idempotency
from app.domain.accounts.caller import Caller
from app.domain.commands import RequestRefund
from app.domain.refunds import service


async def stored_refund_id(stored: dict[str, Any]) -> int:
    return int(stored["refundId"])


async def request_refund(caller: Caller, command: RequestRefund, *, key: str, at: datetime) -> int:
    """The refund's id (the door reads the refund with its order)."""

    async def run() -> int:
        return (await service.request(caller, command.order_id, at=at)).id

    return await idempotency.once(
        command,
        account_id=idempotency.key_space(caller),
        key=key,
        now=at,
        run=run,
        record=lambda refund_id: {"refundId": str(refund_id)},
        replay=stored_refund_id,
    )
