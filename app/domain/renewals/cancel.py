"""F-5: cancelling (退订) a renewal none of whose added period has started.

The period comes off exactly as F-4's renewal refund takes it off, through the same code
(`refunds.execute` → `remove_renewal`); only the eligibility differs: no 120 h window, no review,
and the account's one no-reason refund stays unused (Refund.reason CANCELLATION).
"""

from datetime import datetime

from app.domain.accounts.caller import Caller
from app.domain.codes import AccountStatus, ErrorCode, OrderKind, RefundStatus
from app.domain.errors import DomainError, NotFound
from app.domain.events import service as events
from app.domain.orders.models import Order
from app.domain.refunds import service as refunds
from app.domain.refunds.models import Refund
from app.domain.tx import atomic

CANCELLATION = "CANCELLATION"


async def check_cancellable(locked: refunds.Locked, at: datetime) -> None:
    if locked.account.status == AccountStatus.BANNED:
        raise DomainError(ErrorCode.ACCOUNT_BANNED, "the account is banned; no refunds (S-6)")
    if locked.order.kind != OrderKind.RENEWAL:
        # AUTO_RENEWAL included: it starts at the instant it is placed.
        raise DomainError(
            ErrorCode.ORDER_NOT_REFUNDABLE, "only a renewal that has not started can be cancelled", "orderId"
        )
    await refunds.check_order(locked.order, locked.package)
    starts = [start for start, _ in refunds.renewal_periods(locked.order)]
    if not starts or any(start <= at for start in starts):
        raise DomainError(
            ErrorCode.RENEWAL_ALREADY_STARTED, "the period this renewal added has already begun", "orderId"
        )


async def cancel(caller: Caller, order_id: int, *, at: datetime) -> Refund:
    async with atomic():
        found = await Order.get_or_none(id=order_id)
        if found is None or found.account_id != caller.account_id:
            raise NotFound("order", "orderId")  # H-2
        locked = await refunds.lock_order(found.account_id, order_id, at)
        await check_cancellable(locked, at)
        refund = await Refund.create(
            account_id=locked.account.id,
            order_id=order_id,
            status=RefundStatus.APPROVED,
            reason=CANCELLATION,
            amount_fen=0,
            created_at=at,
        )
        done = await refunds.execute(locked, refund, at)
        await events.record(
            "RENEWAL_CANCELLED",
            account_id=locked.account.id,
            sdk_app_id=locked.order.sdk_app_id,
            at=at,
            data=refunds.event_data(refund, locked.order, **done),
        )
    return refund
