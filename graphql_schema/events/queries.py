import strawberry
from strawberry.types import Info

from app.domain.events import service as events
from graphql_schema.events.types import EventConnection, EventEdge, event_of
from graphql_schema.ids import own_app_filter
from graphql_schema.pagination import PageInfo, check_first, decode_cursor, encode_cursor
from graphql_schema.permissions import acting_account, customer_side
from graphql_schema.query import domain_field


@strawberry.type
class EventsQuery:
    @domain_field(description="The account's events in the order they happened (V-1); follow endCursor for new ones.")
    async def events(
        self, info: Info, first: int | None = 50, after: str | None = None, sdk_app_id: int | None = None
    ) -> EventConnection:
        caller = customer_side(info, "account:read")
        first = check_first(50 if first is None else first)
        await own_app_filter(caller, sdk_app_id)
        rows = await events.page(
            acting_account(caller), first=first, after_id=decode_cursor("event", after), sdk_app_id=sdk_app_id
        )
        page = rows[:first]
        edges = [EventEdge(node=event_of(e), cursor=encode_cursor("event", e.id)) for e in page]
        end = edges[-1].cursor if edges else after
        return EventConnection(edges=edges, page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=end))
