"""After-commit notifications to the outside (V-1, N-2). The doors install the handlers (Redis
pub/sub and the entitlements cache in the server and the workers); the domain only reports
what was committed: events, and state touched without an event (allowance consumed)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.domain.events.models import Event


@dataclass(slots=True)
class Written:
    """An event written in bulk by SQL, as delivered: `data` may still be its JSON text."""

    id: int
    account_id: int
    sdk_app_id: int | None
    type: str
    data: dict[str, Any] | str
    occurred_at: datetime
    sequence: int = 0


# A recorded Event row, or an event written in bulk by SQL: both are published the same way.
Published = Event | Written
Publisher = Callable[[Published], Awaitable[None]]
Toucher = Callable[[int, int | None], Awaitable[None]]
BulkPublisher = Callable[[list[Written]], Awaitable[None]]
BatchPublisher = Callable[[list[Published]], Awaitable[None]]
_publisher: Publisher | None = None
_toucher: Toucher | None = None
_bulk: BulkPublisher | None = None
_batch: BatchPublisher | None = None


def install(
    publisher: Publisher | None,
    toucher: Toucher | None = None,
    bulk: BulkPublisher | None = None,
    batch: BatchPublisher | None = None,
) -> None:
    global _publisher, _toucher, _bulk, _batch
    _publisher, _toucher, _bulk, _batch = publisher, toucher, bulk, batch


async def publish_recorded(events: list[Published]) -> None:
    """The events one transaction recorded, in order: touched and published together."""
    if _batch is not None:
        await _batch(events)
        return
    for event in events:
        await publish(event)


async def publish(event: Published) -> None:
    if _toucher is not None:
        await _toucher(event.account_id, event.sdk_app_id)
    if _publisher is not None:
        await _publisher(event)


async def touch(account_id: int, sdk_app_id: int | None) -> None:
    if _toucher is not None:
        await _toucher(account_id, sdk_app_id)


async def publish_many(events: list[Written]) -> None:
    if _bulk is not None:
        await _bulk(events)
        return
    for event in events:
        await publish(event)
