from datetime import datetime

import strawberry

from app.domain.orders.models import Order as OrderRow
from app.domain.refunds.models import Refund as RefundRow
from graphql_schema.enums import RefundStatus
from graphql_schema.errors import UserError
from graphql_schema.orders.types import Order, PaymentSplit, order_of
from graphql_schema.scalars import Money, money


@strawberry.type(description="F-1…F-4: a no-reason refund of a purchase or renewal.")
class Refund:
    id: strawberry.ID
    order: Order
    status: RefundStatus
    amount: Money = strawberry.field(description="F-3: the money returned, vouchers excluded.")
    returned: PaymentSplit = strawberry.field(
        description="The money returned per sub-balance (voucher is always 0: vouchers are not returned)."
    )
    note: str | None = strawberry.field(description="The operator's review note, if any.")
    created_at: datetime
    decided_at: datetime | None


def refund_of(r: RefundRow, order: OrderRow) -> Refund:
    return Refund(
        id=strawberry.ID(str(r.id)),
        order=order_of(order),
        status=RefundStatus(r.status),
        amount=money(r.amount_fen),
        returned=PaymentSplit(
            voucher=money(0), gift=money(r.gift_fen), income=money(r.income_fen), cash=money(r.cash_fen)
        ),
        note=r.note,
        created_at=r.created_at,
        decided_at=r.decided_at,
    )


@strawberry.type
class RefundPayload:
    refund: Refund | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
