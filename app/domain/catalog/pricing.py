"""Pure price maths (B-4, R-1). No I/O: callers pass catalog rows in."""

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.money import parse_amount, round_fen

MIN_MONTHS, MAX_MONTHS = 1, 36
PRICE_PATTERN = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


def parse_price(text: str, field: str = "price") -> int:
    """H-3 for catalog prices: plain digits with at most two decimals, > 0 (no spaces, signs,
    exponents, NaN); else INVALID_AMOUNT."""
    if not isinstance(text, str) or not PRICE_PATTERN.fullmatch(text):
        raise DomainError(ErrorCode.INVALID_AMOUNT, "a price is digits with at most two decimals, e.g. 1500.00", field)
    return parse_amount(text, field)


@dataclass(frozen=True)
class Line:
    description: str
    months: int
    amount_fen: int
    campaign: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "months": self.months,
            "amount_fen": self.amount_fen,
            "campaign": self.campaign,
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "Line":
        return Line(d["description"], d["months"], d["amount_fen"], d.get("campaign"))


def campaign_price_fen(list_price_fen: int, percent_of_list: int) -> int:
    return round_fen(Decimal(list_price_fen) * percent_of_list / 100)


def purchase_lines(
    *,
    edition_code: str,
    edition_name: str,
    monthly_fen: int,
    months: int,
    campaign: tuple[str, int] | None,
) -> list[Line]:
    """`campaign` is (code, first-month price in fen) of the best eligible campaign, if any.
    It applies to the first month only, and only when it beats the current price."""
    label = f"{edition_name} ({edition_code})"
    if campaign is not None and campaign[1] < monthly_fen:
        code, first_fen = campaign
        lines = [Line(f"{label}, first month, campaign {code}", 1, first_fen, code)]
        if months > 1:
            lines.append(Line(f"{label}, months 2–{months}", months - 1, monthly_fen * (months - 1)))
        return lines
    return [Line(f"{label}, {months} month{'s' if months > 1 else ''}", months, monthly_fen * months)]
