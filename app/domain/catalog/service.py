"""Reading the catalog (SPEC §1) and quoting purchases (B-4).

Edition views carry their components' monthly prices in effect at the instant they were read
for (K-1, `prices.monthly_prices_fen`); `at=None` means now, by the clock."""

from dataclasses import dataclass, field
from datetime import datetime

from app.domain.accounts.caller import Caller
from app.domain.catalog import campaigns, prices, snapshot
from app.domain.catalog.models import Component, Edition, EditionFeature, Feature

# MIN_MONTHS/MAX_MONTHS are re-exported (the `as` form): callers check durations through this module.
from app.domain.catalog.pricing import MAX_MONTHS as MAX_MONTHS
from app.domain.catalog.pricing import MIN_MONTHS as MIN_MONTHS
from app.domain.catalog.pricing import Line, purchase_lines
from app.domain.catalog.seed import NON_FEATURE_GROUPS
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError

# Kept here for the callers that import them from the catalog service.
PAID_PACKAGE_ORDER_KINDS = campaigns.PAID_PACKAGE_ORDER_KINDS
first_order_eligible = campaigns.first_order_eligible


@dataclass
class EditionView:
    edition: Edition
    rtc: Component
    im: Component | None
    # {component code: monthly price in fen} at the instant the view was read for (K-1).
    monthly_fen: dict[str, int] = field(default_factory=dict)

    def component_price_fen(self, component: Component | None) -> int:
        if component is None:
            return 0
        return self.monthly_fen.get(component.code, component.monthly_price_fen)

    @property
    def current_price_fen(self) -> int:
        """SPEC §1 / K-1: the sum of the components' prices in effect."""
        return self.component_price_fen(self.rtc) + self.component_price_fen(self.im)


async def _instant(at: datetime | None) -> datetime:
    if at is not None:
        return at
    from app import clock

    return await clock.now()


async def _views(rows: list[Edition], at: datetime | None) -> list[EditionView]:
    codes = {c.code for e in rows for c in (e.rtc_component, e.im_component) if c is not None}
    monthly = await prices.monthly_prices_fen(codes, await _instant(at))
    return [EditionView(e, e.rtc_component, e.im_component, monthly) for e in rows]


async def editions(at: datetime | None = None) -> list[EditionView]:
    return await _views(list((await snapshot.current()).editions), at)


async def edition(code: str, at: datetime | None = None) -> EditionView | None:
    e = (await snapshot.current()).edition(code)
    return (await _views([e], at))[0] if e else None


async def purchasable_edition(code: str, at: datetime | None = None) -> EditionView:
    view = await edition(code, at)
    if view is None or not view.edition.purchasable:
        raise DomainError(
            ErrorCode.INVALID_EDITION, f"{code} cannot be purchased; choose BASIC, ADVANCED or LARGE_ROOM", "edition"
        )
    return view


async def features() -> list[Feature]:
    return await Feature.all().order_by("position")


async def edition_features(edition_codes: list[str]) -> dict[str, list[EditionFeature]]:
    """Feature cells per edition, in feature order."""
    cells = await EditionFeature.filter(edition_id__in=edition_codes).select_related("feature")
    by_edition: dict[str, list[EditionFeature]] = {code: [] for code in edition_codes}
    for cell in sorted(cells, key=lambda c: c.feature.position):
        by_edition[cell.edition_id].append(cell)
    return by_edition


def included_feature_codes(cells: list[EditionFeature]) -> list[str]:
    """N-1: the codes an app can use; quotas and limits are not features."""
    return [c.feature_id for c in cells if c.included and c.feature.group not in NON_FEATURE_GROUPS]


def check_months(months: int) -> None:
    if not isinstance(months, int) or not MIN_MONTHS <= months <= MAX_MONTHS:
        raise DomainError(
            ErrorCode.INVALID_DURATION, f"months must be an integer from {MIN_MONTHS} to {MAX_MONTHS}", "months"
        )


async def best_campaign(
    view: EditionView, *, first_order_eligible: bool, at: datetime | None = None
) -> tuple[str, int] | None:
    return await campaigns.best(view.edition, first_order_eligible=first_order_eligible, at=await _instant(at))


async def purchase_quote(
    view: EditionView,
    months: int,
    *,
    campaigns_allowed: bool,
    account_id: int | None,
    at: datetime | None = None,
) -> list[Line]:
    """B-4 at the instant `at` (the view must have been read for the same instant).
    `account_id` None prices as for a new OWNER account."""
    check_months(months)
    campaign = None
    if campaigns_allowed:
        campaign = await campaigns.for_order(view.edition, account_id=account_id, at=await _instant(at))
    return purchase_lines(
        edition_code=view.edition.code,
        edition_name=view.edition.name,
        monthly_fen=view.current_price_fen,
        months=months,
        campaign=campaign,
    )


async def quote_for(caller: Caller | None, view: EditionView, months: int, at: datetime) -> list[Line]:
    """B-4 for whoever places the order: the one place deciding who gets campaigns (A-1)."""
    allowed, account_id = campaigns.terms_for(caller)
    return await purchase_quote(view, months, campaigns_allowed=allowed, account_id=account_id, at=at)
