"""Integer fen inside; "1653.26" strings at the edge."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.domain.errors import DomainError


def format_fen(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


def parse_amount(text: str, field: str = "amount") -> int:
    """A positive amount of at most two decimals, in fen (H-3: else INVALID_AMOUNT)."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise DomainError("INVALID_AMOUNT", f"{text!r} is not a decimal amount", field)
    if not value.is_finite() or value <= 0:
        raise DomainError("INVALID_AMOUNT", "amount must be greater than 0", field)
    if value.as_tuple().exponent < -2:  # "12.300" is written with three decimals: refused as written
        raise DomainError("INVALID_AMOUNT", "amount has more than two decimals", field)
    fen = int(value * 100)
    if fen > 10**13:
        raise DomainError("INVALID_AMOUNT", "amount is too large", field)
    return fen


def round_fen(value: Decimal) -> int:
    """Round half up to the fen, once, at the end of a line (SPEC money rule)."""
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))
