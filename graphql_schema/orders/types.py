from datetime import datetime

import strawberry

from app.domain.catalog.pricing import Line
from app.domain.orders.models import Order as OrderRow
from graphql_schema.catalog.types import EditionCode, QuoteLine, quote_line_of
from graphql_schema.enums import OrderKind, OrderStatus
from graphql_schema.errors import UserError
from graphql_schema.packages.types import PackageSubscription
from graphql_schema.pagination import PageInfo
from graphql_schema.scalars import Money, money


@strawberry.type
class PaymentSplit:
    voucher: Money
    gift: Money
    income: Money
    cash: Money


@strawberry.type
class Order:
    id: strawberry.ID
    kind: OrderKind
    status: OrderStatus
    sdk_app_id: int
    edition: EditionCode | None
    months: int | None
    amount: Money
    paid: PaymentSplit
    lines: list[QuoteLine]
    created_at: datetime


def order_of(o: OrderRow) -> Order:
    return Order(
        id=strawberry.ID(str(o.id)),
        kind=OrderKind(o.kind),
        status=OrderStatus(o.status),
        sdk_app_id=o.sdk_app_id,
        edition=EditionCode(o.edition) if o.edition else None,
        months=o.months,
        amount=money(o.amount_fen),
        paid=PaymentSplit(
            voucher=money(o.paid_voucher_fen),
            gift=money(o.paid_gift_fen),
            income=money(o.paid_income_fen),
            cash=money(o.paid_cash_fen),
        ),
        lines=[quote_line_of(Line.from_dict(l)) for l in o.lines],
        created_at=o.created_at,
    )


@strawberry.type
class OrderEdge:
    node: Order
    cursor: str


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    page_info: PageInfo


@strawberry.type
class OrderPayload:
    order: Order | None = None
    package: PackageSubscription | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PackagePayload:
    package: PackageSubscription | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
