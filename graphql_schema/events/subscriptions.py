import json
from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from app import live_events, redis_conn
from app.domain.errors import DomainError
from graphql_schema.errors import from_domain
from graphql_schema.events.types import Event
from graphql_schema.ids import own_app_filter
from graphql_schema.permissions import acting_account, customer_side


@strawberry.type
class EventsSubscription:
    @strawberry.subscription(
        description="The caller's account's events, live (graphql-transport-ws; the token "
        'in connection_init as {"Authorization": "Bearer …"}).'
    )
    async def events(self, info: Info, sdk_app_id: int | None = None) -> AsyncGenerator[Event, None]:
        caller = customer_side(info, "account:read")
        try:
            await own_app_filter(caller, sdk_app_id)  # H-3: another account's app is NOT_FOUND
        except DomainError as e:
            raise from_domain(e)
        async for item in live_events.listen(redis_conn.get(), acting_account(caller)):
            if sdk_app_id is not None and item["sdkAppId"] != sdk_app_id:
                continue
            yield Event(
                id=strawberry.ID(str(item["id"])),
                type=item["type"],
                sdk_app_id=item["sdkAppId"],
                data=json.dumps(item["data"], ensure_ascii=False, sort_keys=True),
                occurred_at=datetime.fromisoformat(item["occurredAt"]),
                sequence=item.get("sequence", 0),
            )
