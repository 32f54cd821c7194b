"""Integer fen inside; "1653.26" strings at the edge."""

import re
from decimal import ROUND_HALF_UP, Decimal

from app.domain.codes import ErrorCode
from app.domain.errors import DomainError


def format_fen(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


# H-3: a plain decimal as written by a person: ASCII digits, optionally a point and one or two
# decimals. No sign, exponent ("1e2"), spaces, thousands separators, NaN/Infinity, or non-ASCII
# digits (which `Decimal` and `\d` would both accept).
_PLAIN_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?", re.ASCII)
MAX_AMOUNT_FEN = 10**13
_MAX_AMOUNT_CHARS = 24  # far above any real amount; keeps a hostile 100,000-digit string cheap


def parse_amount(text: str, field: str = "amount") -> int:
    """A positive amount of at most two decimals, in fen (H-3: else INVALID_AMOUNT)."""
    if not isinstance(text, str) or len(text) > _MAX_AMOUNT_CHARS or not _PLAIN_AMOUNT.fullmatch(text):
        shown = text[:_MAX_AMOUNT_CHARS] if isinstance(text, str) else text
        raise DomainError(
            ErrorCode.INVALID_AMOUNT,
            f'{shown!r} is not a plain decimal amount such as "1653.26" '
            "(digits, optionally a point and one or two decimals)",
            field,
        )
    fen = int(Decimal(text) * 100)
    if fen <= 0:
        raise DomainError(ErrorCode.INVALID_AMOUNT, "amount must be greater than 0", field)
    if fen > MAX_AMOUNT_FEN:
        raise DomainError(ErrorCode.INVALID_AMOUNT, "amount is too large", field)
    return fen


def round_fen(value: Decimal) -> int:
    """Round half up to the fen, once, at the end of a line (SPEC money rule)."""
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
