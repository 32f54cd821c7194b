"""K-4: operators edit list prices and feature-matrix cells; each edit is audited."""

from datetime import datetime
from typing import Any

from app.domain.catalog import audit
from app.domain.catalog.inputs import check_text
from app.domain.catalog.models import Edition, EditionFeature, Feature
from app.domain.catalog.pricing import parse_price
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.money import format_fen
from app.domain.tx import atomic

VALUE_MAX = 200
# Matrix rows that are also the numbers entitlements and allowances use (N-1, M-2): editing the
# cell edits the column too, so the matrix and the product never disagree.
INT_COLUMNS = {
    "MAX_PARTICIPANTS": "max_participants",
    "MAX_VIDEO_STREAMS": "max_video_streams",
    "CALL_MINUTES": "included_minutes",
    "DAU": "included_dau",
    "PEAK_GROUPS": "included_peak_groups",
}
REQUIRED_INT = ("MAX_PARTICIPANTS", "MAX_VIDEO_STREAMS")


def _columns(feature: str, included: bool, value: str | None) -> dict[str, Any]:
    """The edition columns a cell stands for; {} when the cell is only shown."""
    if feature == "RESOLUTIONS":
        items = [v.strip() for v in (value or "").split(",") if v.strip()]
        if not items:
            raise DomainError(ErrorCode.INVALID_INPUT, "RESOLUTIONS takes a comma-separated list", "value")
        return {"resolutions": items}
    if feature not in INT_COLUMNS:
        return {}
    digits = (value or "").replace(",", "").strip()
    if not digits.isdigit() or not digits.isascii() or len(digits) > 12:
        if feature in REQUIRED_INT:
            raise DomainError(ErrorCode.INVALID_INPUT, f"{feature} takes a whole number", "value")
        return {INT_COLUMNS[feature]: None} if not included else {}
    return {INT_COLUMNS[feature]: int(digits)}


async def _locked_edition(code: str) -> Edition:
    row = await Edition.filter(code=code).select_for_update().first()
    if row is None:
        raise DomainError(ErrorCode.INVALID_EDITION, f"unknown edition {code}", "edition")
    return row


async def set_list_price(edition: str, price: str, *, operator: str, at: datetime) -> Edition:
    """The list price campaigns are a percentage of (B-4). TRIAL is free and has no list price to set."""
    price_fen = parse_price(price, "price")
    async with atomic():
        row = await _locked_edition(edition)
        if not row.purchasable:
            raise DomainError(ErrorCode.INVALID_EDITION, f"{edition} is not sold, so it has no list price", "edition")
        before = {"edition": edition, "listPrice": format_fen(row.list_price_fen)}
        row.list_price_fen = price_fen
        await row.save(update_fields=["list_price_fen"])
        await audit.record(
            operator=operator,
            at=at,
            kind="LIST_PRICE_SET",
            subject=f"edition:{edition}",
            before=before,
            after={"edition": edition, "listPrice": format_fen(price_fen)},
        )
    return row


def _cell_json(edition: str, feature: str, cell: EditionFeature | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    return {"edition": edition, "feature": feature, "included": cell.included, "value": cell.value}


async def set_edition_feature(
    edition: str, feature: str, included: bool, value: str | None, *, operator: str, at: datetime
) -> Edition:
    """One cell of the feature matrix: whether `edition` includes `feature`, and the value shown."""
    check_text(feature, "feature")
    if value is not None:
        check_text(value, "value", VALUE_MAX)
    columns = _columns(feature, included, value)
    async with atomic():
        row = await _locked_edition(edition)
        if not await Feature.exists(code=feature):
            raise DomainError(ErrorCode.INVALID_FEATURE, f"unknown feature {feature!r}", "feature")
        cell = await EditionFeature.filter(edition_id=edition, feature_id=feature).select_for_update().first()
        before = _cell_json(edition, feature, cell)
        if cell is None:
            cell = EditionFeature(edition_id=edition, feature_id=feature, included=included, value=value)
        cell.included, cell.value = included, value
        await cell.save()
        if columns:
            for name, column_value in columns.items():
                setattr(row, name, column_value)
            await row.save(update_fields=list(columns))
        await audit.record(
            operator=operator,
            at=at,
            kind="EDITION_FEATURE_SET",
            subject=f"edition:{edition}/feature:{feature}",
            before=before,
            after=_cell_json(edition, feature, cell),
        )
    return row
