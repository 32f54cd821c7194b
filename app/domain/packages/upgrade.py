"""Upgrades (SPEC §6, U-1…U-4): a paid package moves to a higher edition at once, expiries unchanged.

The allowed changes are catalog data (Kill Bill's plan-change policy as data): every component tier
of the target must be ≥ the current one, and at least one higher. The price of each raised
component is its monthly price difference × the component's remaining package months, where the
current package month counts by the second (U-3). The pure maths is `remaining`, `line_amount_fen`
and `allowance_growth`; `plan` applies it to a package, and is shared by `upgradeQuote` and
`upgradePackage`, so the quote is exactly what the mutation charges.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from app.domain.accounts import service as accounts
from app.domain.accounts.caller import Caller
from app.domain.catalog import prices, snapshot
from app.domain.catalog import service as catalog
from app.domain.catalog.models import Component
from app.domain.catalog.pricing import Line
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.events import service as events
from app.domain.money import format_fen
from app.domain.orders import payment
from app.domain.orders import service as orders
from app.domain.packages import read, rules
from app.domain.packages import service as packages
from app.domain.packages.models import Package
from app.domain.packages.periods import Placed
from app.domain.tx import atomic

COMPONENTS = ("rtc", "im")


# ---------------------------------------------------------------- pure maths (no I/O)


@dataclass(frozen=True)
class Remaining:
    """What is left of a component at an instant: part of the current package month, and the whole
    package months after it (U-3)."""

    left_seconds: int  # time left in the current package month, in whole seconds
    month_seconds: int  # that package month's length, in seconds
    whole_months: int  # package months after the current one

    @property
    def fraction(self) -> Fraction:
        return Fraction(self.left_seconds, self.month_seconds)

    @property
    def months(self) -> Fraction:
        return self.fraction + self.whole_months

    def describe(self) -> str:
        """ "(16/31 + 2) months: 1382400 s left of a 2678400 s package month, then 2 whole months"."""
        f = self.fraction
        part = str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"
        text = f"({part} + {self.whole_months}) months" if self.whole_months else f"{part} months"
        text += f": {self.left_seconds} s left of a {self.month_seconds} s package month"
        if self.whole_months:
            text += f", then {self.whole_months} whole month{'s' if self.whole_months > 1 else ''}"
        return text


def remaining(anchor: datetime, months_total: int, at: datetime) -> Remaining:
    """U-3 for one component running from `anchor` for `months_total` anchor-months (B-3, Asia/Shanghai).
    Partial seconds are not charged: the time left is floored to the second."""
    start, end, index = rules.current_month_bounds(anchor, months_total, at)
    left = max(int((end - at).total_seconds()), 0)
    return Remaining(
        left_seconds=left,
        month_seconds=int((end - start).total_seconds()),
        whole_months=max(months_total - index - 1, 0),
    )


def half_up(value: Fraction) -> int:
    """Round a non-negative exact amount (in fen) half up to the fen, as `money.round_fen` does."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def line_amount_fen(old_monthly_fen: int, new_monthly_fen: int, rest: Remaining) -> int:
    """(new − old monthly price) × remaining months, rounded half up once. An upgrade never pays out:
    a raised tier priced lower than the current one (catalog data) costs 0."""
    return half_up(max(new_monthly_fen - old_monthly_fen, 0) * rest.months)


def allowance_growth(old_minutes: int | None, new_minutes: int | None, rest: Remaining) -> int:
    """U-4: (new − old allowance) × the current package month's fraction, rounded down."""
    delta = (new_minutes or 0) - (old_minutes or 0)
    if delta <= 0:
        return 0
    return int(delta * rest.fraction)  # floor: the product is ≥ 0


@dataclass(frozen=True)
class Tier:
    code: str
    tier: int


def check_change(
    current_edition: str, target_edition: str, current: Mapping[str, Tier | None], target: Mapping[str, Tier | None]
) -> list[str]:
    """U-1 from catalog data: the products (RTC, IM) whose tier goes up. Refuses SAME_EDITION, or
    DOWNGRADE_NOT_ALLOWED when any product's tier would go down (a product the target lacks counts
    as a step down)."""
    if current_edition == target_edition:
        raise DomainError(ErrorCode.SAME_EDITION, f"the package is already {current_edition}", "targetEdition")
    raised = []
    for product in sorted(set(current) | set(target)):
        mine, theirs = current.get(product), target.get(product)
        mine_tier = -1 if mine is None else mine.tier
        theirs_tier = -1 if theirs is None else theirs.tier
        if theirs_tier < mine_tier:
            raise DomainError(
                ErrorCode.DOWNGRADE_NOT_ALLOWED,
                f"{target_edition} has a lower {product} tier than {current_edition}; packages can only be upgraded",
                "targetEdition",
            )
        if theirs_tier > mine_tier:
            raised.append(product)
    if not raised:
        raise DomainError(
            ErrorCode.SAME_EDITION, f"{target_edition} raises no component of {current_edition}", "targetEdition"
        )
    return raised


# ---------------------------------------------------------------- applying it to a package


@dataclass
class RaisedComponent:
    which: str  # rtc | im
    old: Component
    new: Component
    rest: Remaining
    amount_fen: int
    old_fen: int  # monthly prices in effect at the upgrade's instant (K-1)
    new_fen: int

    def line(self) -> Line:
        description = (
            f"{self.old.product} {self.old.name} ({self.old.code}) → {self.new.name} ({self.new.code}): "
            f"({format_fen(self.new_fen)} − {format_fen(self.old_fen)}) × "
            f"{self.rest.describe()}"
        )
        return Line(description, self.rest.whole_months + 1, self.amount_fen)

    def as_dict(self) -> dict[str, Any]:
        return {
            "component": self.which,
            "from": self.old.code,
            "to": self.new.code,
            "oldMonthly": format_fen(self.old_fen),
            "newMonthly": format_fen(self.new_fen),
            "leftSeconds": self.rest.left_seconds,
            "monthSeconds": self.rest.month_seconds,
            "wholeMonths": self.rest.whole_months,
            "amount": format_fen(self.amount_fen),
        }


@dataclass
class Plan:
    package: Package
    target: catalog.EditionView
    raised: list[RaisedComponent]
    minutes_added: int

    @property
    def lines(self) -> list[Line]:
        return [r.line() for r in self.raised]


def upgradable(package: Package | None, at: datetime) -> Package:
    """U-1: only a running paid package (not a trial, not an expired one)."""
    if package is None or package.status != "ACTIVE" or package.edition == "TRIAL" or package.expires_at <= at:
        raise DomainError(
            ErrorCode.NO_ACTIVE_PACKAGE, "the application has no active paid package to upgrade", "sdkAppId"
        )
    return package


async def plan(package: Package | None, target_edition: str, at: datetime) -> Plan:
    """What upgrading `package` to `target_edition` at `at` changes and costs (U-1, U-3, U-4)."""
    package = upgradable(package, at)
    target = await catalog.edition(target_edition, at)
    if target is None:
        raise DomainError(ErrorCode.INVALID_EDITION, f"unknown edition {target_edition}", "targetEdition")
    codes = [c for c in (package.rtc_code, package.im_code) if c]
    rows = (await snapshot.current()).components
    monthly = await prices.monthly_prices_fen(codes, at)  # U-3 / K-1: the prices in effect now
    mine = {w: rows[getattr(package, f"{w}_code")] for w in COMPONENTS if getattr(package, f"{w}_code")}
    theirs = {"rtc": target.rtc, "im": target.im}
    by_product = {c.product: w for w, c in mine.items()}
    current_tiers = {c.product: Tier(c.code, c.tier) for c in mine.values()}
    target_tiers = {c.product: Tier(c.code, c.tier) for c in theirs.values() if c is not None}
    raised_products = check_change(package.edition, target_edition, current_tiers, target_tiers)
    raised = []
    for product in raised_products:
        which = by_product.get(product)
        if which is None:  # the package lacks the product altogether: not in the seeded catalog
            raise DomainError(
                ErrorCode.DOWNGRADE_NOT_ALLOWED, f"the package has no {product} component to raise", "targetEdition"
            )
        rest = remaining(getattr(package, f"{which}_anchor"), getattr(package, f"{which}_months"), at)
        old, new = mine[which], theirs[which]
        assert new is not None  # check_change raises only a product the target edition has
        old_fen, new_fen = monthly[old.code], target.component_price_fen(new)
        raised.append(RaisedComponent(which, old, new, rest, line_amount_fen(old_fen, new_fen, rest), old_fen, new_fen))
    # U-4: the allowance runs by the RTC component's package months (M-2); grown only when the
    # current month's grant has been made (a late grant gives the new edition's full amount anyway).
    current_edition = await catalog.edition(package.edition, at)
    rtc_rest = remaining(package.rtc_anchor, package.rtc_months, at)
    _, _, month_index = rules.current_month_bounds(package.rtc_anchor, package.rtc_months, at)
    minutes = 0
    if package.allowance_month == month_index:
        minutes = allowance_growth(
            current_edition.edition.included_minutes if current_edition else 0,
            target.edition.included_minutes,
            rtc_rest,
        )
    return Plan(package, target, raised, minutes)


async def quote(caller: Caller, sdk_app_id: int, target_edition: str, at: datetime) -> Plan:
    await accounts.get_application(caller, sdk_app_id)  # H-2
    return await plan(await read.current_for_app(sdk_app_id), target_edition, at)


async def upgrade(caller: Caller, *, sdk_app_id: int, target_edition: str, at: datetime) -> Placed:
    """U-1…U-4 in one transaction: lock account → app → package, check, charge, change the package."""
    async with atomic():
        locked = await packages.lock_app(caller, sdk_app_id, at)
        packages.check_account_may_buy(locked)
        p = await plan(locked.package, target_edition, at)
        package = p.package
        from_edition = package.edition
        split = payment.plan_split(locked.account, sum(line.amount_fen for line in p.lines), [])
        order = await orders.create(
            account_id=locked.account.id,
            placed_by_id=caller.actor_account_id,
            sdk_app_id=sdk_app_id,
            package_id=package.id,
            kind="UPGRADE",
            edition=target_edition,
            months=None,
            lines=p.lines,
            at=at,
            details={
                "from": from_edition,
                "to": target_edition,
                "components": [r.as_dict() for r in p.raised],
                "minutesAdded": p.minutes_added,
            },
            split=split,
        )
        if split.total:
            await payment.collect(locked.account, split, order_id=order.id, kind=order.kind, at=at)
        # U-2: expiries, anchors and months stay; the edition and its component codes change.
        package.edition = target_edition
        package.rtc_code = p.target.rtc.code
        if p.target.im is not None:
            package.im_code = p.target.im.code
        package.allowance_granted += p.minutes_added
        await package.save(update_fields=["edition", "rtc_code", "im_code", "allowance_granted"])
        await events.record(
            "PACKAGE_UPGRADED",
            account_id=locked.account.id,
            sdk_app_id=sdk_app_id,
            at=at,
            data={
                "orderId": str(order.id),
                "packageId": str(package.id),
                "from": from_edition,
                "to": target_edition,
                "amount": format_fen(order.amount_fen),
                "minutesAdded": p.minutes_added,
                "expiresAt": package.expires_at.isoformat(),
            },
        )
    return Placed(order, package)
