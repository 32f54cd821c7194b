import strawberry
from strawberry.types import Info

from app import clock
from app.domain.webhooks import deliveries, endpoints
from graphql_schema.ids import parse_id
from graphql_schema.mutation import payload_mutation
from graphql_schema.permissions import customer_side
from graphql_schema.webhooks.types import (
    WebhookDeliveryPayload,
    WebhookEndpointPayload,
    delivery_of,
    endpoint_of,
)

SCOPE = "webhooks:write"


@strawberry.type
class WebhooksMutation:
    @payload_mutation(description="W-1: a new endpoint; the answer carries its signing secret, shown only here.")
    async def create_webhook_endpoint(
        self, info: Info, url: str, event_types: list[str] | None = None, description: str | None = None
    ) -> WebhookEndpointPayload:
        caller = customer_side(info, SCOPE)
        created = await endpoints.create(
            caller, url=url, event_types=event_types, description=description, at=await clock.now()
        )
        return WebhookEndpointPayload(endpoint=endpoint_of(created.endpoint), secret=created.secret)

    @payload_mutation(description="W-1, W-5: change an endpoint; enabled: true enables a disabled one again.")
    async def update_webhook_endpoint(
        self,
        info: Info,
        id: strawberry.ID,
        url: str | None = None,
        event_types: list[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
    ) -> WebhookEndpointPayload:
        caller = customer_side(info, SCOPE)
        endpoint = await endpoints.update(
            caller,
            parse_id(id, "webhook endpoint", "id"),
            url=url,
            event_types=event_types,
            description=description,
            enabled=enabled,
            at=await clock.now(),
        )
        return WebhookEndpointPayload(endpoint=endpoint_of(endpoint))

    @payload_mutation(description="W-1: remove an endpoint with its deliveries (the events stay).")
    async def delete_webhook_endpoint(self, info: Info, id: strawberry.ID) -> WebhookEndpointPayload:
        caller = customer_side(info, SCOPE)
        endpoint = await endpoints.delete(caller, parse_id(id, "webhook endpoint", "id"))
        return WebhookEndpointPayload(endpoint=endpoint_of(endpoint))

    @payload_mutation(description="W-6: a new secret; for 24 h every attempt is signed with both, the new first.")
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID) -> WebhookEndpointPayload:
        caller = customer_side(info, SCOPE)
        rotated = await endpoints.rotate(caller, parse_id(id, "webhook endpoint", "id"), at=await clock.now())
        return WebhookEndpointPayload(endpoint=endpoint_of(rotated.endpoint), secret=rotated.secret)

    @payload_mutation(description="W-5: send a delivery again now (a new attempt, the same webhook-id).")
    async def redeliver_webhook(self, info: Info, delivery_id: strawberry.ID) -> WebhookDeliveryPayload:
        caller = customer_side(info, SCOPE)
        view = await deliveries.redeliver(caller, parse_id(delivery_id, "webhook delivery", "deliveryId"))
        return WebhookDeliveryPayload(delivery=delivery_of(view))
