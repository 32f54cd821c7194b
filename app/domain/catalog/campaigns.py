"""Campaigns as data (K-3) and the one rule for which campaign an order gets (B-4, A-1).

A campaign applies to an order or quote at instant t when it is enabled, lists the order's
edition, and t is inside its window: starts_at ≤ t < ends_at (null = open on that side). Among
those, a first-order-only campaign needs an account that never had a paid room-kit order; the
lowest first-month price wins, and campaigns never stack (B-4).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app import cache_validity
from app.domain import rows
from app.domain.accounts.caller import Caller
from app.domain.catalog import audit, snapshot
from app.domain.catalog.models import Campaign, Edition
from app.domain.catalog.pricing import campaign_price_fen
from app.domain.codes import ErrorCode
from app.domain.columns import column
from app.domain.errors import DomainError
from app.domain.tx import atomic

PAID_PACKAGE_ORDER_KINDS = ("PURCHASE", "RENEWAL", "UPGRADE", "AUTO_RENEWAL")
FIRST_ORDER = "SELECT 1 FROM billing_order WHERE account_id = $1 AND kind = ANY($2) LIMIT 1"
CODE_MAX = 32


def in_effect(c: Campaign, at: datetime) -> bool:
    # An answer that depends on a campaign window stays true only until the window's next edge:
    # a cached response (app/response_cache.py) must not outlive it (K-3, N-2).
    for edge in (c.starts_at, c.ends_at):
        if edge is not None and edge > at:
            cache_validity.cap(edge)
    return c.enabled and (c.starts_at is None or c.starts_at <= at) and (c.ends_at is None or at < c.ends_at)


async def listed(*, at: datetime, everything: bool) -> list[Campaign]:
    """`campaigns`: operators see every campaign, everyone else the ones in effect at `at`."""
    rows = list((await snapshot.current()).campaigns)
    return rows if everything else [c for c in rows if in_effect(c, at)]


async def first_order_eligible(account_id: int) -> bool:
    """B-4: never had a paid room-kit order (a refunded one, or one placed by a sub-user, counts)."""
    return not await rows.exists(FIRST_ORDER, account_id, list(PAID_PACKAGE_ORDER_KINDS))


async def best(edition: Edition, *, first_order_eligible: bool, at: datetime) -> tuple[str, int] | None:
    """(code, first-month price in fen) of the cheapest campaign in effect for `edition` at `at`."""
    found = None
    for c in (await snapshot.current()).campaigns:
        if not in_effect(c, at) or edition.code not in (c.editions or []):
            continue
        if c.first_order_only and not first_order_eligible:
            continue
        price = campaign_price_fen(edition.list_price_fen, c.percent_of_list)
        if found is None or price < found[1]:
            found = (c.code, price)
    return found


def terms_for(caller: Caller | None) -> tuple[bool, int | None]:
    """(campaigns allowed, account whose history decides first-order eligibility). A-1: sub-users
    and collaborators get none; B-4: no token (or one with no account) prices as a new OWNER."""
    if caller is None or caller.account_id is None:
        return True, None
    return caller.actor_type == "OWNER", caller.account_id


async def for_order(edition: Edition, *, account_id: int | None, at: datetime) -> tuple[str, int] | None:
    eligible = True if account_id is None else await first_order_eligible(account_id)
    return await best(edition, first_order_eligible=eligible, at=at)


# ---------------------------------------------------------------- operators (K-3, K-4)


@dataclass(frozen=True)
class CampaignInput:
    code: str
    percent_of_list: int
    editions: list[str]
    first_order_only: bool
    starts_at: datetime | None
    ends_at: datetime | None
    enabled: bool


def as_json(c: Campaign) -> dict[str, Any]:
    return {
        "code": c.code,
        "percentOfList": c.percent_of_list,
        "editions": list(c.editions or []),
        "firstOrderOnly": c.first_order_only,
        "enabled": c.enabled,
        "startsAt": c.starts_at.isoformat() if c.starts_at else None,
        "endsAt": c.ends_at.isoformat() if c.ends_at else None,
    }


async def _check(data: CampaignInput) -> list[str]:
    code = data.code.strip()
    if not code or len(code) > CODE_MAX or not all(ch.isalnum() or ch == "_" for ch in code) or not code.isascii():
        raise DomainError(ErrorCode.INVALID_INPUT, f"code is 1–{CODE_MAX} letters, digits or _", "code")
    if not 1 <= data.percent_of_list <= 99:
        raise DomainError(ErrorCode.INVALID_PERCENT, "percentOfList must be from 1 to 99", "percentOfList")
    if data.starts_at is not None and data.ends_at is not None and data.ends_at <= data.starts_at:
        raise DomainError(ErrorCode.INVALID_WINDOW, "endsAt must be after startsAt", "endsAt")
    purchasable = set(await column(Edition.filter(purchasable=True), "code", str))
    editions = list(dict.fromkeys(data.editions))  # keeps the operator's order, drops repeats
    for index, code_ in enumerate(editions):
        if code_ not in purchasable:
            raise DomainError(
                ErrorCode.INVALID_EDITION,
                f"{code_} cannot be bought, so no campaign applies to it",
                f"editions.{index}",
            )
    return editions


async def upsert(data: CampaignInput, *, operator: str, at: datetime) -> Campaign:
    """Create or replace the campaign `data.code`; bad input changes nothing."""
    editions = await _check(data)
    code = data.code.strip()
    async with atomic():
        row = await Campaign.filter(code=code).select_for_update().first()
        before = as_json(row) if row else None
        if row is None:
            row = Campaign(code=code, name=code)
        row.percent_of_list, row.editions = data.percent_of_list, editions
        row.first_order_only, row.enabled = data.first_order_only, data.enabled
        row.starts_at, row.ends_at = data.starts_at, data.ends_at
        await row.save()
        await audit.record(
            operator=operator,
            at=at,
            kind="CAMPAIGN_UPSERTED",
            subject=f"campaign:{code}",
            before=before,
            after=as_json(row),
        )
    return row
