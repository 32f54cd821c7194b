"""Cursor pagination shared by the connections (H-3: page size ≤ 100, 101 is an error)."""

import base64

import strawberry

from app.domain.codes import ErrorCode
from graphql_schema.errors import ApiError

MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


def check_first(first: int) -> int:
    if first < 0 or first > MAX_PAGE:
        raise ApiError(ErrorCode.BAD_USER_INPUT, f"first must be between 0 and {MAX_PAGE}")
    return first


def encode_cursor(kind: str, id: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{id}".encode()).decode()


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix != kind:
            raise ValueError
        return int(value)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(ErrorCode.BAD_USER_INPUT, "after is not a cursor of this list")
