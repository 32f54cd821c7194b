"""Reading the catalog (SPEC §1) and quoting purchases (B-4)."""
from dataclasses import dataclass

from app.domain.catalog.models import Campaign, Component, Edition, EditionFeature, Feature
from app.domain.catalog.pricing import MAX_MONTHS, MIN_MONTHS, Line, campaign_price_fen, purchase_lines
from app.domain.catalog.seed import NON_FEATURE_GROUPS
from app.domain.errors import DomainError

PAID_PACKAGE_ORDER_KINDS = ("PURCHASE", "RENEWAL", "UPGRADE", "AUTO_RENEWAL")


@dataclass
class EditionView:
    edition: Edition
    rtc: Component
    im: Component | None

    @property
    def current_price_fen(self) -> int:
        return self.rtc.monthly_price_fen + (self.im.monthly_price_fen if self.im else 0)


async def editions() -> list[EditionView]:
    rows = await Edition.all().order_by("position").select_related("rtc_component", "im_component")
    return [EditionView(e, e.rtc_component, e.im_component) for e in rows]


async def edition(code: str) -> EditionView | None:
    e = await Edition.get_or_none(code=code).select_related("rtc_component", "im_component")
    return EditionView(e, e.rtc_component, e.im_component) if e else None


async def purchasable_edition(code: str) -> EditionView:
    view = await edition(code)
    if view is None or not view.edition.purchasable:
        raise DomainError("INVALID_EDITION", f"{code} cannot be purchased; choose BASIC, ADVANCED or LARGE_ROOM",
                          "edition")
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
        raise DomainError("INVALID_DURATION", f"months must be an integer from {MIN_MONTHS} to {MAX_MONTHS}",
                          "months")


async def best_campaign(view: EditionView, *, first_order_eligible: bool) -> tuple[str, int] | None:
    """The lowest first-month price among the eligible active campaigns (they never stack)."""
    best = None
    for c in await Campaign.filter(active=True).order_by("code"):
        if c.first_order_only and not first_order_eligible:
            continue
        price = campaign_price_fen(view.edition.list_price_fen, c.percent_of_list)
        if best is None or price < best[1]:
            best = (c.code, price)
    return best


async def first_order_eligible(account_id: int) -> bool:
    from app.domain.orders.models import Order

    return not await Order.filter(account_id=account_id, kind__in=PAID_PACKAGE_ORDER_KINDS).exists()


async def purchase_quote(
    view: EditionView, months: int, *, campaigns_allowed: bool, account_id: int | None
) -> list[Line]:
    """B-4. `account_id` None prices as for a new OWNER account."""
    check_months(months)
    campaign = None
    if campaigns_allowed:
        eligible = True if account_id is None else await first_order_eligible(account_id)
        campaign = await best_campaign(view, first_order_eligible=eligible)
    return purchase_lines(
        edition_code=view.edition.code, edition_name=view.edition.name, monthly_fen=view.current_price_fen,
        months=months, campaign=campaign,
    )
