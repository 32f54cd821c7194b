"""Operators find accounts for the console (UI-2): by id, or by a part of the name."""

from app.domain.accounts.models import Account


async def search(text: str | None, first: int) -> list[Account]:
    query = Account.all()
    text = (text or "").strip()
    if text:
        query = Account.filter(id=int(text)) if text.isdigit() else Account.filter(name__icontains=text)
    return await query.order_by("-id").limit(first)
