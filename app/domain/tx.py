"""Transactions with after-commit callbacks.

Side effects that must not happen for a rolled-back change (publishing an event to live
subscribers, enqueueing a punctual timer job) are registered with `on_commit` and run only once
the outermost `atomic()` block has committed. A nested block that fails drops its callbacks
even when the outer block goes on and commits.
"""
import logging
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from tortoise.transactions import in_transaction

log = logging.getLogger(__name__)
Callback = Callable[[], Awaitable[None]]
_pending: ContextVar[list[Callback] | None] = ContextVar("after_commit", default=None)


@asynccontextmanager
async def atomic():
    parent = _pending.get()
    mine: list[Callback] = []
    token = _pending.set(mine)
    try:
        async with in_transaction() as conn:
            yield conn
    finally:
        _pending.reset(token)
    # Reached only when the block succeeded.
    if parent is not None:
        parent.extend(mine)
        return
    for callback in mine:
        try:
            await callback()
        except Exception:  # the change is committed; a failed side effect must not undo the answer
            log.exception("after-commit callback failed")


def active() -> bool:
    """Inside an `atomic()` block?"""
    return _pending.get() is not None


def on_commit(callback: Callback) -> None:
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("on_commit outside atomic(): the change would have no commit to wait for")
    pending.append(callback)
