import strawberry
from strawberry.types import Info

from app.domain.webhooks import deliveries, endpoints
from graphql_schema.ids import parse_id
from graphql_schema.pagination import (
    PageInfo,
    check_first,
    decode_cursor,
    encode_cursor,
)
from graphql_schema.permissions import customer_side
from graphql_schema.query import domain_field
from graphql_schema.webhooks.types import (
    DeliveryStatus,
    WebhookDeliveryConnection,
    WebhookDeliveryEdge,
    WebhookEndpoint,
    delivery_of,
    endpoint_of,
)


@strawberry.type
class WebhooksQuery:
    @strawberry.field(description="W-1, W-5: the account's webhook endpoints (never their secrets).")
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        caller = customer_side(info, "account:read")
        return [endpoint_of(e) for e in await endpoints.list_for(caller)]

    @domain_field(description="W-5: an endpoint's deliveries, newest first, with every attempt.")
    async def webhook_deliveries(
        self,
        info: Info,
        endpoint_id: strawberry.ID,
        status: DeliveryStatus | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> WebhookDeliveryConnection:
        caller = customer_side(info, "account:read")
        first = check_first(20 if first is None else first)
        rows = await deliveries.page(
            caller,
            parse_id(endpoint_id, "webhook endpoint", "endpointId"),
            status=status.value if status else None,
            first=first,
            after_id=decode_cursor("delivery", after),
        )
        edges = [
            WebhookDeliveryEdge(node=delivery_of(v), cursor=encode_cursor("delivery", v.delivery.id))
            for v in rows[:first]
        ]
        end = edges[-1].cursor if edges else after
        return WebhookDeliveryConnection(
            edges=edges, page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=end)
        )
