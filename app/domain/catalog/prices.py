"""A component's monthly price at an instant (K-1): the one place every price is read from.

Quotes, purchases, renewals, auto-renewals, upgrades and alignments all call this with the
instant the price is used at, so a scheduled change applies exactly from its `effectiveAt`.
The price in effect at `at` is the latest non-cancelled change with effective_at ≤ at (the
later-created one when two share an instant), else the component row's base price. Reading by
instant is what makes a change "take effect": no timer flips a column, so a simulated clock
jump, a late worker or two API processes all see the same price for the same instant.
"""

from collections.abc import Iterable
from datetime import datetime

from app import cache_validity
from app.domain.catalog import snapshot
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError


async def monthly_prices_fen(codes: Iterable[str], at: datetime) -> dict[str, int]:
    """{component code: monthly price in fen in effect at `at`}, for the codes that exist."""
    wanted = set(codes)
    if not wanted:
        return {}
    prices, upcoming = (await snapshot.current()).monthly_prices_fen(wanted, at)
    # The answer holds until the next scheduled change of these components: a cached response
    # (app/response_cache.py) must not be served at or after it (K-1, N-2).
    cache_validity.cap(upcoming)
    return prices


async def monthly_price_fen(code: str, at: datetime) -> int:
    prices = await monthly_prices_fen([code], at)
    if code not in prices:
        raise DomainError(ErrorCode.INVALID_COMPONENT, f"unknown component {code}", "component")
    return prices[code]
