"""IDs travel as strings; a malformed one is simply not found (H-2)."""
from app.domain.errors import NotFound


def parse_id(value: str | int | None, what: str, field: str) -> int:
    try:
        parsed = int(str(value))
    except (TypeError, ValueError):
        raise NotFound(what, field)
    if parsed <= 0 or parsed >= 2**63:
        raise NotFound(what, field)
    return parsed
