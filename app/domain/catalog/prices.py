"""A component's monthly price at an instant (K-1): the one place every price is read from.

Quotes, purchases, renewals, auto-renewals, upgrades and alignments all call this with the
instant the price is used at, so a scheduled change applies exactly from its `effectiveAt`.
"""
from collections.abc import Iterable
from datetime import datetime

from app.domain.catalog.models import Component


async def monthly_prices_fen(codes: Iterable[str], at: datetime) -> dict[str, int]:
    """{component code: monthly price in fen in effect at `at`}."""
    wanted = sorted(set(codes))
    rows = await Component.filter(code__in=wanted).only("code", "monthly_price_fen")
    return {row.code: row.monthly_price_fen for row in rows}


async def monthly_price_fen(code: str, at: datetime) -> int:
    return (await monthly_prices_fen([code], at))[code]
