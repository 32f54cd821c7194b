"""What operators count (O-1), reported by the domain after commit.

The domain knows nothing of Prometheus: the doors install a `Sink` (app.metrics.install). Each
report waits for the outermost transaction to commit, so a rolled-back order, renewal or timer
run is never counted; outside a transaction it is reported at once.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.domain import tx


@dataclass(frozen=True)
class Sink:
    order_placed: Callable[[str, str | None, int], None]
    auto_renew_attempt: Callable[[str, str | None], None]
    timer_done: Callable[[float], None]
    timers_done: Callable[[list[float]], None]
    webhook_delivery: Callable[[str], None] | None = None


_sink: Sink | None = None


def install(sink: Sink | None) -> None:
    global _sink
    _sink = sink


def _after_commit(report: Callable[[Sink], None]) -> None:
    if _sink is None:
        return

    async def run() -> None:
        if _sink is not None:
            report(_sink)

    if not tx.active():
        report(_sink)
    else:
        tx.on_commit(run)


def order_placed(kind: str, edition: str | None, amount_fen: int) -> None:
    _after_commit(lambda s: s.order_placed(kind, edition, amount_fen))


def auto_renew_attempt(reason: str | None) -> None:
    """reason None = renewed."""
    _after_commit(lambda s: s.auto_renew_attempt("success" if reason is None else "failure", reason))


def timer_done(due: datetime, now: datetime) -> None:
    """A timed transition owed at `due` was applied by a run at `now` (due → done)."""
    lateness = (now - due).total_seconds()
    _after_commit(lambda s: s.timer_done(lateness))


def timers_done(dues: list[datetime], now: datetime) -> None:
    if dues:
        lateness = [(now - due).total_seconds() for due in dues]
        _after_commit(lambda s: s.timers_done(lateness))


def webhook_delivery(outcome: str) -> None:
    """One attempt's outcome (W-4): the HTTP call has happened whatever the transaction does."""
    if _sink is not None and _sink.webhook_delivery is not None:
        _sink.webhook_delivery(outcome)
