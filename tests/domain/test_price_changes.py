"""K-1 in the domain: which change is in effect at an instant, and what "now" accepts."""

from datetime import timedelta

import pytest

from app.domain.catalog import price_changes, prices
from app.domain.catalog.seed import seed_catalog
from app.domain.errors import DomainError
from tests.conftest import START

SECOND = timedelta(seconds=1)


@pytest.fixture(autouse=True)
async def restore_catalog():
    yield
    await seed_catalog(reset=True)


async def test_K1_price_in_effect_latest_change_wins_ties_go_to_the_later_one_cancelled_ignored():
    t = START + timedelta(days=1)
    await price_changes.schedule("RTC_PREMIUM", "1600.00", t, operator="op", at=START)
    await price_changes.schedule("RTC_PREMIUM", "1650.00", t, operator="op", at=START)  # same instant, later
    cancelled = await price_changes.schedule("IM_PRO", "1.00", t, operator="op", at=START)
    await price_changes.cancel(cancelled.id, operator="op", at=START)
    assert await prices.monthly_prices_fen(["RTC_PREMIUM", "IM_PRO"], t - SECOND) == {
        "RTC_PREMIUM": 150000,
        "IM_PRO": 149900,
    }
    assert await prices.monthly_prices_fen(["RTC_PREMIUM", "IM_PRO", "NOPE"], t) == {
        "RTC_PREMIUM": 165000,
        "IM_PRO": 149900,
    }
    assert await prices.monthly_prices_fen([], t) == {}


async def test_K1_a_slightly_past_now_counts_as_now_only_within_the_grace():
    change = await price_changes.schedule(
        "IM_PRO", "1600.00", START - 30 * SECOND, operator="op", at=START, grace=timedelta(seconds=60)
    )
    assert change.effective_at == START
    with pytest.raises(DomainError) as refused:
        await price_changes.schedule("IM_PRO", "1600.00", START - SECOND, operator="op", at=START)
    assert (refused.value.code, refused.value.field) == ("INVALID_EFFECTIVE_AT", "effectiveAt")
    with pytest.raises(DomainError):
        await price_changes.schedule(
            "IM_PRO", "1600.00", START - 61 * SECOND, operator="op", at=START, grace=timedelta(seconds=60)
        )
