"""Money at the edge: `Decimal` is a string with two decimals, e.g. "1653.26"."""
from typing import NewType

import strawberry

from app.domain.money import format_fen

Decimal = strawberry.scalar(
    NewType("Decimal", str),
    name="Decimal",
    description='Money or a ratio as a string with two decimals, e.g. "1653.26".',
    serialize=str,
    parse_value=lambda v: str(v),
)


@strawberry.type
class Money:
    amount: Decimal
    currency: str = "CNY"


def money(fen: int) -> Money:
    return Money(amount=Decimal(format_fen(fen)))
