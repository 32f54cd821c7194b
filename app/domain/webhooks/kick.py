"""Making the outbox relay punctual (W-3). The database says what is owed; an arq job after the
commit (and one deferred to each retry's instant) only makes it go out at once. The worker and
API doors install the enqueuer; without one (tests, CLI) the cron sweep or advanceClock sends."""

from collections.abc import Awaitable, Callable
from datetime import datetime

from app.domain import tx

Enqueuer = Callable[[datetime | None], Awaitable[None]]
_enqueuer: Enqueuer | None = None


def install(enqueuer: Enqueuer | None) -> None:
    global _enqueuer
    _enqueuer = enqueuer


def after_commit() -> None:
    """Ask for a relay run as soon as the current transaction has committed (once per
    transaction, however many of its events have deliveries)."""
    if _enqueuer is None:
        return
    enqueue = _enqueuer

    async def relay(_asked: list[None]) -> None:
        await enqueue(None)

    tx.on_commit_batch("webhook-relay", None, relay)


async def at(due: datetime) -> None:
    """Ask for a relay run at `due` (a retry), outside any transaction."""
    if _enqueuer is not None:
        await _enqueuer(due)
