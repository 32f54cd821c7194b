"""Operators find accounts for the console (UI-2): by id, or by a part of the name."""

from app.domain.accounts.models import Account
from app.domain.inputs import clean_text

MAX_ID = 2**63 - 1  # account ids are bigint


async def search(text: str | None, first: int) -> list[Account]:
    query = Account.all()
    # H-3: a NUL or a lone surrogate cannot reach PostgreSQL (INVALID_INPUT naming `search`)
    text = clean_text(text or "", "search").strip()
    if text:
        by_id = text.isascii() and text.isdigit() and int(text) <= MAX_ID
        query = Account.filter(id=int(text)) if by_id else Account.filter(name__icontains=text)
    return await query.order_by("-id").limit(first)
