import strawberry
from strawberry.types import Info

from app.domain.errors import DomainError
from app.domain.orders import service as orders
from graphql_schema.enums import OrderKind
from graphql_schema.ids import own_app_filter, parse_id
from graphql_schema.orders.types import Order, OrderConnection, OrderEdge, order_of
from graphql_schema.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from graphql_schema.permissions import acting_account, customer_side
from graphql_schema.query import domain_field


@strawberry.type
class OrdersQuery:
    @domain_field(description="The account's orders, newest first.")
    async def orders(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        sdk_app_id: int | None = None,
        kind: OrderKind | None = None,
    ) -> OrderConnection:
        caller = customer_side(info, "orders:read")
        first = check_first(20 if first is None else first)
        await own_app_filter(caller, sdk_app_id)
        rows = await orders.page(
            acting_account(caller),
            first=first,
            before_id=decode_cursor("order", after),
            sdk_app_id=sdk_app_id,
            kind=kind.value if kind else None,
        )
        page = rows[:first]
        edges = [OrderEdge(node=order_of(o), cursor=encode_cursor("order", o.id)) for o in page]
        return OrderConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None),
        )

    @strawberry.field
    async def order(self, info: Info, id: strawberry.ID) -> Order | None:
        caller = customer_side(info, "orders:read")
        try:
            return order_of(await orders.get_for(caller, parse_id(id, "order", "id")))
        except DomainError:
            return None
