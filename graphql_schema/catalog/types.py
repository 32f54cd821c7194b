from enum import Enum

import strawberry

from app.domain.catalog.pricing import Line
from app.domain.catalog.service import EditionView
from graphql_schema.scalars import Money, money


@strawberry.enum
class EditionCode(Enum):
    TRIAL = "TRIAL"
    BASIC = "BASIC"
    ADVANCED = "ADVANCED"
    LARGE_ROOM = "LARGE_ROOM"


@strawberry.type
class Feature:
    code: str
    group: str
    name: str


@strawberry.type
class EditionFeature:
    feature: Feature
    included: bool
    value: str | None


@strawberry.type
class Edition:
    code: EditionCode
    name: str
    list_price: Money
    current_price: Money
    trial_days: int | None
    max_participants: int
    max_video_streams: int
    resolutions: list[str]
    included_minutes: int | None
    included_dau: int | None
    included_peak_groups: int | None
    features: list[EditionFeature]


@strawberry.type
class FeatureMatrixRow:
    feature: Feature
    values: list[EditionFeature]


@strawberry.type
class FeatureMatrix:
    editions: list[Edition]
    rows: list[FeatureMatrixRow]


@strawberry.type
class QuoteLine:
    description: str
    months: int
    amount: Money
    campaign: str | None


@strawberry.type
class Quote:
    lines: list[QuoteLine]
    total: Money


def feature_of(row) -> Feature:
    return Feature(code=row.code, group=row.group, name=row.name)


def edition_feature_of(cell) -> EditionFeature:
    return EditionFeature(feature=feature_of(cell.feature), included=cell.included, value=cell.value)


def edition_of(view: EditionView, cells) -> Edition:
    e = view.edition
    return Edition(
        code=EditionCode(e.code),
        name=e.name,
        list_price=money(e.list_price_fen),
        current_price=money(view.current_price_fen),
        trial_days=e.trial_days,
        max_participants=e.max_participants,
        max_video_streams=e.max_video_streams,
        resolutions=list(e.resolutions),
        included_minutes=e.included_minutes,
        included_dau=e.included_dau,
        included_peak_groups=e.included_peak_groups,
        features=[edition_feature_of(c) for c in cells],
    )


def quote_line_of(line: Line) -> QuoteLine:
    return QuoteLine(
        description=line.description, months=line.months, amount=money(line.amount_fen), campaign=line.campaign
    )


def quote_of(lines: list[Line]) -> Quote:
    return Quote(lines=[quote_line_of(line) for line in lines], total=money(sum(l.amount_fen for l in lines)))
