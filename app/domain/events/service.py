"""Appending events (V-1). Called inside the transaction of the change it records; live delivery
happens after commit through `app.domain.events.bus`. The event's per-account `sequence` and its
webhook outbox rows are written by the same statement (W-2, W-3: `app.domain.events.sequence`)."""

import json
from datetime import datetime
from typing import Any, TypedDict

from tortoise import connections

from app.domain import tx
from app.domain.events import bus
from app.domain.events.models import Event
from app.domain.events.sequence import RECORD_ONE
from app.domain.webhooks import kick


class Subject(TypedDict):
    """Whose event it is, for a caller that writes several alike: `record(type, **subject, …)`."""

    account_id: int
    sdk_app_id: int | None


class SubjectAt(Subject):
    """The same, with the instant: `record(type, **subject_at, data=…)`."""

    at: datetime


async def record(
    type: str,
    *,
    account_id: int,
    at: datetime,
    sdk_app_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    data = data or {}
    rows = await connections.get("default").execute_query_dict(
        RECORD_ONE, [account_id, sdk_app_id, type, json.dumps(data, ensure_ascii=False), at]
    )
    row = rows[0]
    event = Event(
        id=row["id"],
        type=type,
        account_id=account_id,
        sdk_app_id=sdk_app_id,
        data=data,
        occurred_at=at,
        sequence=row["sequence"],
    )
    event._saved_in_db = True
    tx.on_commit_batch("events", event, bus.publish_recorded)
    if row["deliveries"]:
        kick.after_commit()
    return event


def published_after_commit(written: list[bus.Written], deliveries: int = 0) -> None:
    """For events written in bulk by SQL: deliver them like recorded ones, once committed."""
    tx.on_commit(lambda: bus.publish_many(written))
    if deliveries:
        kick.after_commit()


async def page(account_id: int, *, first: int, after_id: int | None, sdk_app_id: int | None) -> list[Event]:
    query = Event.filter(account_id=account_id)
    if sdk_app_id is not None:
        query = query.filter(sdk_app_id=sdk_app_id)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(first + 1)
