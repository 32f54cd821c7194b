"""K-4: every operator change to the catalog is recorded (operator, time, before, after), and
announced once committed so every cache keyed on the catalog version drops its answers.

The announcement is a hook the doors install (`install`): the API processes and the workers bump
the catalog version in Redis (app/catalog_version.py). It runs in the transaction's after-commit
(tx.on_commit), so no process can recompute and cache an answer from the rows before the change
under the new version.
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from app.domain import tx
from app.domain.catalog import snapshot
from app.domain.catalog.models import CatalogChange

Announcer = Callable[[], Awaitable[object]]
_announcer: Announcer | None = None


def install(announcer: Announcer | None) -> None:
    global _announcer
    _announcer = announcer


async def announce() -> None:
    if _announcer is not None:
        await _announcer()


async def record(
    *, operator: str, at: datetime, kind: str, subject: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> CatalogChange:
    """Write the audit row in the caller's transaction and bump the catalog version after commit."""
    row = await CatalogChange.create(at=at, operator=operator, kind=kind, subject=subject, before=before, after=after)
    snapshot.written()
    tx.on_commit(announce)
    return row


async def page(*, first: int, after_id: int | None) -> list[CatalogChange]:
    """Newest first; `first + 1` rows so the caller knows whether there is a next page."""
    query = CatalogChange.all()
    if after_id is not None:
        query = query.filter(id__lt=after_id)
    return await query.order_by("-id").limit(first + 1)
