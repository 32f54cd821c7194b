"""W-5: what was sent where — deliveries of an endpoint, newest first, with every attempt — and
redelivery on request."""

from dataclasses import dataclass

from app.domain.accounts.caller import Caller
from app.domain.errors import NotFound
from app.domain.events.models import Event
from app.domain.webhooks import endpoints, relay
from app.domain.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@dataclass
class DeliveryView:
    delivery: WebhookDelivery
    endpoint: WebhookEndpoint
    event: Event
    attempts: list[WebhookAttempt]


async def _views(rows: list[WebhookDelivery], endpoint: WebhookEndpoint | None = None) -> list[DeliveryView]:
    if not rows:
        return []
    ids = [d.id for d in rows]
    events = {e.id: e for e in await Event.filter(id__in=[d.event_id for d in rows])}
    ends = (
        {endpoint.id: endpoint}
        if endpoint is not None
        else {w.id: w for w in await WebhookEndpoint.filter(id__in=[d.endpoint_id for d in rows])}
    )
    attempts: dict[int, list[WebhookAttempt]] = {i: [] for i in ids}
    for a in await WebhookAttempt.filter(delivery_id__in=ids).order_by("at", "id"):
        attempts[a.delivery_id].append(a)
    return [DeliveryView(d, ends[d.endpoint_id], events[d.event_id], attempts[d.id]) for d in rows]


async def page(
    caller: Caller, endpoint_id: int, *, status: str | None, first: int, after_id: int | None
) -> list[DeliveryView]:
    """`first + 1` rows at most (the extra one says there is a next page)."""
    endpoint = await endpoints.get_for(caller, endpoint_id)
    query = WebhookDelivery.filter(endpoint_id=endpoint.id)
    if status is not None:
        query = query.filter(status=status)
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    return await _views(await query.order_by("-id").limit(first + 1), endpoint)


async def get_for(caller: Caller, delivery_id: int) -> DeliveryView:
    d = await WebhookDelivery.get_or_none(id=delivery_id, account_id=caller.account_id)
    if d is None or caller.account_id is None:
        raise NotFound("webhook delivery", "deliveryId")
    return (await _views([d]))[0]


async def redeliver(caller: Caller, delivery_id: int) -> DeliveryView:
    """Send it again now, whatever its status: a new attempt of the same delivery (same webhook-id)."""
    await get_for(caller, delivery_id)
    await relay.redeliver(delivery_id)
    return await get_for(caller, delivery_id)
