"""H-3: text a client sends that we store (names, keys, ids, notes) is checked here, once.

PostgreSQL refuses a NUL character in text and jsonb, and an unpaired surrogate (which a JSON
"\\ud800" escape turns into a lone surrogate `str` in Python) cannot even be encoded as UTF-8 for
the wire. Either would reach the database as an error mid-transaction; refusing it first gives
the client `INVALID_INPUT` with the field named, and leaves nothing half-written.
"""

import re

from app.domain.codes import ErrorCode
from app.domain.errors import DomainError

MAX_TEXT = 200
# Python's JSON decoder joins a valid surrogate pair into one code point, so any code point
# left in U+D800–U+DFFF is unpaired.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def clean_text(value: str, field: str, max_len: int | None = MAX_TEXT) -> str:
    """`value` unchanged when it can be stored; else INVALID_INPUT naming `field`.

    `max_len` (None: unbounded) is checked here too, as INVALID_INPUT; callers whose rule names
    another code for the length (INVALID_NAME, INVALID_IDEMPOTENCY_KEY…) check it themselves and
    pass None.
    """
    if not isinstance(value, str):
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} must be a string", field)
    found = _UNSTORABLE.search(value)
    if found is not None:
        what = "a NUL character" if found.group() == "\x00" else "an unpaired surrogate"
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} holds {what} (at position {found.start()})", field)
    if max_len is not None and len(value) > max_len:
        raise DomainError(ErrorCode.INVALID_INPUT, f"{field} is longer than {max_len} characters", field)
    return value


def clean_optional(value: str | None, field: str, max_len: int | None = MAX_TEXT) -> str | None:
    return None if value is None else clean_text(value, field, max_len)
