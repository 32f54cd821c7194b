"""SPEC B-4 price maths (campaign rounding, purchase lines) and the catalog quote."""

import pytest

from app.domain.catalog import service as catalog
from app.domain.catalog.pricing import Line, campaign_price_fen, purchase_lines
from app.domain.money import format_fen, round_fen


@pytest.mark.parametrize(
    ("list_fen", "percent", "expected"),
    [
        (337400, 49, 165326),  # BASIC FIRST_ORDER 1653.26
        (337400, 73, 246302),  # BASIC ALL_CUSTOMERS 2463.02
        (774900, 73, 565677),  # ADVANCED ALL_CUSTOMERS 5656.77
        (774900, 49, 379701),  # ADVANCED FIRST_ORDER 3797.01
        (924900, 49, 453201),  # LARGE_ROOM FIRST_ORDER 4532.01
        (924900, 73, 675177),
        (150, 49, 74),  # 73.5 → 74: half up
        (50, 49, 25),  # 24.5 → 25
        (5, 50, 3),  # 2.5 → 3 (not banker's 2)
        (1, 50, 1),  # 0.5 → 1
        (149, 49, 73),  # 73.01
        (151, 49, 74),  # 73.99
        (100, 100, 100),
        (0, 49, 0),
    ],
)
def test_B4_campaign_price_rounds_half_up_to_the_fen(list_fen, percent, expected):
    assert campaign_price_fen(list_fen, percent) == expected


def test_money_round_and_format():
    from decimal import Decimal

    assert round_fen(Decimal("2.5")) == 3 and round_fen(Decimal("2.4999")) == 2 and round_fen(Decimal("3.5")) == 4
    assert format_fen(165326) == "1653.26" and format_fen(5) == "0.05" and format_fen(0) == "0.00"
    assert format_fen(-1050) == "-10.50"


def test_B4_purchase_lines_without_campaign():
    lines = purchase_lines(edition_code="BASIC", edition_name="基础互动版", monthly_fen=299900, months=3, campaign=None)
    assert [(l.months, l.amount_fen, l.campaign) for l in lines] == [(3, 899700, None)]
    assert "BASIC" in lines[0].description
    assert sum(line.amount_fen for line in lines) == 899700


def test_B4_purchase_lines_campaign_on_the_first_month_only():
    lines = purchase_lines(
        edition_code="BASIC", edition_name="基础互动版", monthly_fen=299900, months=3, campaign=("FIRST_ORDER", 165326)
    )
    assert [(l.months, l.amount_fen, l.campaign) for l in lines] == [(1, 165326, "FIRST_ORDER"), (2, 599800, None)]
    assert sum(line.amount_fen for line in lines) == 765126
    one = purchase_lines(
        edition_code="BASIC", edition_name="基础互动版", monthly_fen=299900, months=1, campaign=("FIRST_ORDER", 165326)
    )
    assert [(l.months, l.amount_fen, l.campaign) for l in one] == [(1, 165326, "FIRST_ORDER")]


@pytest.mark.parametrize("campaign_fen", [299900, 300000])
def test_B4_campaign_applies_only_when_lower_than_the_current_price(campaign_fen):
    lines = purchase_lines(
        edition_code="BASIC",
        edition_name="基础互动版",
        monthly_fen=299900,
        months=2,
        campaign=("ALL_CUSTOMERS", campaign_fen),
    )
    assert [(l.months, l.amount_fen, l.campaign) for l in lines] == [(2, 599800, None)]


def test_line_round_trips_through_its_dict():
    line = Line("x", 2, 599800, "FIRST_ORDER")
    assert Line.from_dict(line.as_dict()) == line


async def test_B4_catalog_quote_picks_the_best_eligible_campaign():
    basic = await catalog.purchasable_edition("BASIC")
    assert basic.current_price_fen == 299900 and basic.edition.list_price_fen == 337400
    assert await catalog.best_campaign(basic, first_order_eligible=True) == ("FIRST_ORDER", 165326)
    assert await catalog.best_campaign(basic, first_order_eligible=False) == ("ALL_CUSTOMERS", 246302)
    new_owner = await catalog.purchase_quote(basic, 3, campaigns_allowed=True, account_id=None)
    assert [(l.months, l.amount_fen, l.campaign) for l in new_owner] == [(1, 165326, "FIRST_ORDER"), (2, 599800, None)]
    sub_user = await catalog.purchase_quote(basic, 3, campaigns_allowed=False, account_id=None)
    assert [(l.months, l.amount_fen, l.campaign) for l in sub_user] == [(3, 899700, None)]
    large = await catalog.purchasable_edition("LARGE_ROOM")
    assert large.current_price_fen == 799900
    quote = await catalog.purchase_quote(large, 1, campaigns_allowed=True, account_id=None)
    assert sum(line.amount_fen for line in quote) == 453201


async def test_B1_catalog_refuses_bad_months_and_editions():
    from app.domain.errors import DomainError

    for months in (0, 37, -3):
        with pytest.raises(DomainError) as refused:
            catalog.check_months(months)
        assert refused.value.code == "INVALID_DURATION"
    for months in (1, 36):
        catalog.check_months(months)
    for code in ("TRIAL", "GOLD"):
        with pytest.raises(DomainError) as refused:
            await catalog.purchasable_edition(code)
        assert refused.value.code == "INVALID_EDITION"
