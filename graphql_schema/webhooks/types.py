from datetime import datetime

import strawberry

from app.domain.codes import DeliveryStatus as DeliveryStatusValue
from app.domain.webhooks.deliveries import DeliveryView
from app.domain.webhooks.models import WebhookAttempt as AttemptRow
from app.domain.webhooks.models import WebhookEndpoint as EndpointRow
from graphql_schema.errors import UserError
from graphql_schema.events.types import Event, event_of
from graphql_schema.pagination import PageInfo

# strawberry.enum registers the domain enum class itself (and returns it): the GraphQL enum is
# that class, named here as a plain alias so that it stays a type for the checker.
strawberry.enum(DeliveryStatusValue, name="DeliveryStatus")
DeliveryStatus = DeliveryStatusValue


@strawberry.type
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    description: str | None
    event_types: list[str]
    enabled: bool
    disabled_reason: str | None
    created_at: datetime


def endpoint_of(e: EndpointRow) -> WebhookEndpoint:
    """Never the secret (W-1, W-7)."""
    return WebhookEndpoint(
        id=strawberry.ID(str(e.id)),
        url=e.url,
        description=e.description,
        event_types=list(e.event_types or []),
        enabled=e.enabled,
        disabled_reason=e.disabled_reason,
        created_at=e.created_at,
    )


@strawberry.type
class WebhookAttempt:
    at: datetime
    http_status: int | None
    duration_ms: int
    error: str | None
    response_body: str | None


def attempt_of(a: AttemptRow) -> WebhookAttempt:
    return WebhookAttempt(
        at=a.at, http_status=a.http_status, duration_ms=a.duration_ms, error=a.error, response_body=a.response_body
    )


@strawberry.type
class WebhookDelivery:
    id: strawberry.ID
    endpoint: WebhookEndpoint
    event: Event
    status: DeliveryStatus
    attempts: list[WebhookAttempt]
    next_attempt_at: datetime | None


def delivery_of(v: DeliveryView) -> WebhookDelivery:
    d = v.delivery
    return WebhookDelivery(
        id=strawberry.ID(str(d.id)),
        endpoint=endpoint_of(v.endpoint),
        event=event_of(v.event),
        status=DeliveryStatusValue(d.status),
        attempts=[attempt_of(a) for a in v.attempts],
        next_attempt_at=d.next_attempt_at if d.status == "PENDING" else None,
    )


@strawberry.type
class WebhookDeliveryEdge:
    node: WebhookDelivery
    cursor: str


@strawberry.type
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge]
    page_info: PageInfo


@strawberry.type
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None = None
    secret: str | None = strawberry.field(default=None, description="Only from create and rotate (W-1, W-6).")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookDeliveryPayload:
    delivery: WebhookDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
