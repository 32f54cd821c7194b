"""Appending events (V-1). Called inside the transaction of the change it records; live delivery
happens after commit through `app.domain.events.bus`."""
from datetime import datetime

from app.domain import tx
from app.domain.events import bus
from app.domain.events.models import Event


async def record(
    type: str,
    *,
    account_id: int,
    at: datetime,
    sdk_app_id: int | None = None,
    data: dict | None = None,
) -> Event:
    event = await Event.create(
        type=type, account_id=account_id, sdk_app_id=sdk_app_id, data=data or {}, occurred_at=at
    )
    tx.on_commit(lambda: bus.publish(event))
    return event


def published_after_commit(written: list[bus.Written]) -> None:
    """For events written in bulk by SQL: deliver them like recorded ones, once committed."""
    tx.on_commit(lambda: bus.publish_many(written))


async def page(account_id: int, *, first: int, after_id: int | None, sdk_app_id: int | None) -> list[Event]:
    query = Event.filter(account_id=account_id)
    if sdk_app_id is not None:
        query = query.filter(sdk_app_id=sdk_app_id)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(first + 1)
