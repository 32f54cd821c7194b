"""Making timers punctual (C-1). The database says what is due; a deferred job per
(row, due time) only makes it run on time. The worker door installs the enqueuer; in simulated
time nothing is enqueued (advanceClock runs what is due)."""

from collections.abc import Awaitable, Callable
from datetime import datetime

from tortoise.models import Model

from app import clock
from app.domain import tx

Enqueuer = Callable[[str, int, datetime], Awaitable[None]]
_enqueuer: Enqueuer | None = None


def install(enqueuer: Enqueuer | None) -> None:
    global _enqueuer
    _enqueuer = enqueuer


def job_id(kind: str, row_id: int, due: datetime) -> str:
    return f"{kind}:{row_id}:{int(due.timestamp())}"


def at_due(kind: str, row: Model, due: datetime | None) -> None:
    """After commit, ask for a run of `kind` on `row` at `due` (the row's id is read at commit,
    so a row inserted later in the same transaction works too)."""
    if due is None or _enqueuer is None or clock.is_simulated():
        return
    enqueue = _enqueuer
    tx.on_commit(lambda: enqueue(kind, row.pk, due))
