"""How long the answer being computed stays true (N-1's valid_until, K-1's scheduled prices).

The whole-response cache (app/response_cache.py) opens a holder before it lets a request execute;
any code that computes from time-bounded facts calls `cap(instant)` and the cached response is
never served at or after the earliest instant noted. Outside a cached request `cap` does nothing.
A holder is a mutable dict in a ContextVar, so notes made in tasks that graphql-core gathers
(which copy the context) still reach it.
"""

from contextvars import ContextVar
from datetime import datetime

_holder: ContextVar[dict | None] = ContextVar("cache_validity", default=None)


def open_holder() -> dict:
    holder: dict = {"until": None}
    _holder.set(holder)
    return holder


def cap(instant: datetime | str | None) -> None:
    holder = _holder.get()
    if holder is None or instant is None:
        return
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    if holder["until"] is None or instant < holder["until"]:
        holder["until"] = instant
