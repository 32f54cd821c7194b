"""§14 types: price changes, campaigns, the catalog audit trail, and their payloads."""

import json
from datetime import datetime

import strawberry

from app.domain.catalog.models import Campaign as CampaignRow
from app.domain.catalog.models import CatalogChange as CatalogChangeRow
from app.domain.catalog.models import PriceChange as PriceChangeRow
from graphql_schema.catalog.types import Edition, EditionCode
from graphql_schema.errors import UserError
from graphql_schema.pagination import PageInfo
from graphql_schema.scalars import Money, money


@strawberry.type
class PriceChange:
    id: strawberry.ID
    component: str
    price: Money
    effective_at: datetime
    created_at: datetime
    cancelled: bool


@strawberry.type
class Campaign:
    code: str
    percent_of_list: int
    editions: list[EditionCode]
    first_order_only: bool
    starts_at: datetime | None
    ends_at: datetime | None
    enabled: bool


@strawberry.type
class CatalogChange:
    id: strawberry.ID
    at: datetime
    kind: str
    subject: str
    before: str | None = strawberry.field(description="JSON of the value before the change; null when created")
    after: str | None = strawberry.field(description="JSON of the value after the change")
    operator: str = strawberry.field(description="Who made it: a fingerprint of the operator's token")


@strawberry.type
class CatalogChangeEdge:
    node: CatalogChange
    cursor: str


@strawberry.type
class CatalogChangeConnection:
    edges: list[CatalogChangeEdge]
    page_info: PageInfo


@strawberry.type
class PriceChangePayload:
    price_change: PriceChange | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CampaignPayload:
    campaign: Campaign | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EditionPayload:
    edition: Edition | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class CampaignInput:
    code: str
    percent_of_list: int
    editions: list[EditionCode]
    first_order_only: bool
    enabled: bool
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def price_change_of(row: PriceChangeRow) -> PriceChange:
    return PriceChange(
        id=strawberry.ID(str(row.id)),
        component=row.component_id,
        price=money(row.price_fen),
        effective_at=row.effective_at,
        created_at=row.created_at,
        cancelled=row.cancelled,
    )


def campaign_of(row: CampaignRow) -> Campaign:
    return Campaign(
        code=row.code,
        percent_of_list=row.percent_of_list,
        editions=[EditionCode(e) for e in row.editions or []],
        first_order_only=row.first_order_only,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        enabled=row.enabled,
    )


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def catalog_change_of(row: CatalogChangeRow) -> CatalogChange:
    return CatalogChange(
        id=strawberry.ID(str(row.id)),
        at=row.at,
        kind=row.kind,
        subject=row.subject,
        before=_json(row.before),
        after=_json(row.after),
        operator=row.operator,
    )
