"""§14 at the door: operators manage the catalog (K-1…K-4); `campaigns` is also public (K-3)."""

from datetime import datetime, timedelta

import strawberry
from strawberry.types import Info

from app import clock
from app.domain.accounts.service import hash_token
from app.domain.catalog import audit, campaigns, editing, price_changes
from app.domain.catalog import service as catalog
from app.domain.errors import NotFound
from graphql_schema.catalog.management_types import (
    Campaign,
    CampaignInput,
    CampaignPayload,
    CatalogChangeConnection,
    CatalogChangeEdge,
    EditionPayload,
    PriceChange,
    PriceChangePayload,
    campaign_of,
    catalog_change_of,
    price_change_of,
)
from graphql_schema.catalog.types import EditionCode, edition_of
from graphql_schema.mutation import payload_mutation
from graphql_schema.pagination import (
    PageInfo,
    check_first,
    decode_cursor,
    encode_cursor,
)
from graphql_schema.permissions import operator
from graphql_schema.query import domain_field
from graphql_schema.scalars import Decimal

NOW_GRACE = timedelta(seconds=60)


def operator_id(info: Info) -> str:
    """Who made a change, for the audit trail: a fingerprint of the operator's token (never the token)."""
    operator(info)
    header = info.context.connection.headers.get("authorization") or ""
    token = header.partition(" ")[2].strip()
    return f"operator:{hash_token(token)[:12]}" if token else "operator"


async def _edition_payload(code: str) -> EditionPayload:
    view = await catalog.edition(code, await clock.now())
    assert view is not None  # the edition was just edited in this request
    cells = await catalog.edition_features([code])
    return EditionPayload(edition=edition_of(view, cells[code]))


def _unset_none(value):
    return None if value is strawberry.UNSET else value


@strawberry.type
class CatalogManagementQuery:
    @strawberry.field(description="K-3: the campaigns in effect now; operators see all of them.")
    async def campaigns(self, info: Info) -> list[Campaign]:
        caller = info.context.caller
        rows = await campaigns.listed(at=await clock.now(), everything=caller is not None and caller.is_operator)
        return [campaign_of(c) for c in rows]

    @domain_field(description="K-1 (operators): scheduled price changes, cancelled ones too, by effective time.")
    async def price_changes(self, info: Info, component: str | None = None) -> list[PriceChange]:
        operator(info)
        rows = await price_changes.listed(component)
        return [price_change_of(c) for c in rows]

    @strawberry.field(description="K-4 (operators): every catalog change, newest first.")
    async def catalog_changes(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> CatalogChangeConnection:
        operator(info)
        first = check_first(20 if first is None else first)
        rows = await audit.page(first=first, after_id=decode_cursor("catalog-change", after))
        edges = [
            CatalogChangeEdge(node=catalog_change_of(r), cursor=encode_cursor("catalog-change", r.id))
            for r in rows[:first]
        ]
        end = edges[-1].cursor if edges else after
        return CatalogChangeConnection(edges=edges, page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=end))


@strawberry.type
class CatalogManagementMutation:
    @payload_mutation(description="K-1: a component's monthly price from effectiveAt on (≥ now; now = at once).")
    async def schedule_price_change(
        self, info: Info, component: str, price: Decimal, effective_at: datetime
    ) -> PriceChangePayload:
        who = operator_id(info)
        # A real clock moves while the request travels: "now" from a client may be a little past.
        grace = timedelta(0) if clock.is_simulated() else NOW_GRACE
        row = await price_changes.schedule(
            component, price, effective_at, operator=who, at=await clock.now(), grace=grace
        )
        return PriceChangePayload(price_change=price_change_of(row))

    @payload_mutation(description="K-1: cancel a price change before it takes effect.")
    async def cancel_price_change(self, info: Info, id: strawberry.ID) -> PriceChangePayload:
        who = operator_id(info)
        if not (str(id).isascii() and str(id).isdigit() and len(str(id)) < 19):
            raise NotFound("price change", "id")
        row = await price_changes.cancel(int(str(id)), operator=who, at=await clock.now())
        return PriceChangePayload(price_change=price_change_of(row))

    @payload_mutation(description="K-3: create or replace a campaign.")
    async def upsert_campaign(self, info: Info, input: CampaignInput) -> CampaignPayload:
        who = operator_id(info)
        data = campaigns.CampaignInput(
            code=input.code,
            percent_of_list=input.percent_of_list,
            editions=[e.value for e in input.editions],
            first_order_only=input.first_order_only,
            starts_at=_unset_none(input.starts_at),
            ends_at=_unset_none(input.ends_at),
            enabled=input.enabled,
        )
        row = await campaigns.upsert(data, operator=who, at=await clock.now())
        return CampaignPayload(campaign=campaign_of(row))

    @payload_mutation(description="K-4: set a paid edition's list price (campaigns are a percentage of it).")
    async def set_list_price(self, info: Info, edition: EditionCode, price: Decimal) -> EditionPayload:
        who = operator_id(info)
        await editing.set_list_price(edition.value, price, operator=who, at=await clock.now())
        return await _edition_payload(edition.value)

    @payload_mutation(description="K-4: set one feature-matrix cell of an edition.")
    async def set_edition_feature(
        self, info: Info, edition: EditionCode, feature: str, included: bool, value: str | None = None
    ) -> EditionPayload:
        who = operator_id(info)
        await editing.set_edition_feature(edition.value, feature, included, value, operator=who, at=await clock.now())
        return await _edition_payload(edition.value)
