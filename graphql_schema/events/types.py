import json
from datetime import datetime

import strawberry

from app.domain.events.models import Event as EventRow
from graphql_schema.pagination import PageInfo


@strawberry.type
class Event:
    id: strawberry.ID
    type: str
    sdk_app_id: int | None
    data: str
    occurred_at: datetime
    sequence: int = strawberry.field(description="W-2: 1, 2, 3 … per account, with no gaps, in commit order.")


def event_of(e: EventRow) -> Event:
    return Event(
        id=strawberry.ID(str(e.id)),
        type=e.type,
        sdk_app_id=e.sdk_app_id,
        data=json.dumps(e.data, ensure_ascii=False, sort_keys=True),
        occurred_at=e.occurred_at,
        sequence=e.sequence,
    )


@strawberry.type
class EventEdge:
    node: Event
    cursor: str


@strawberry.type
class EventConnection:
    edges: list[EventEdge]
    page_info: PageInfo
