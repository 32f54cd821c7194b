"""H-3 for the catalog's free-text arguments: a NUL or an unpaired surrogate is INVALID_INPUT with
the field named, before any query (PostgreSQL would refuse the text with a database error)."""

from app.domain.codes import ErrorCode
from app.domain.errors import DomainError

MAX_CHARS = 200


def check_text(value: str, field: str, max_chars: int = MAX_CHARS) -> str:
    if len(value) > max_chars:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} is at most {max_chars} characters", field)
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} holds a NUL character or an unpaired surrogate", field)
    return value
