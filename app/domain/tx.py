"""Transactions with after-commit callbacks.

Side effects that must not happen for a rolled-back change (publishing an event to live
subscribers, enqueueing a punctual timer job) are registered with `on_commit` and run only once
the outermost `atomic()` block has committed. A nested block that fails drops its callbacks
even when the outer block goes on and commits.
"""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

log = logging.getLogger(__name__)
Callback = Callable[[], Awaitable[None]]


class _Block(list[Callback]):
    """The after-commit callbacks of one atomic() block, and its batches (on_commit_batch)."""

    __slots__ = ("batches",)

    def __init__(self) -> None:
        super().__init__()
        self.batches: dict[str, list[Any]] = {}


_pending: ContextVar[_Block | None] = ContextVar("after_commit", default=None)


_join_next: ContextVar[bool] = ContextVar("join_outer", default=False)


def join_next() -> None:
    """The next atomic() block, opened inside this one, runs in this transaction itself instead of
    a savepoint (two round trips fewer). Only for a caller that lets any failure of that block
    abort the whole transaction (idempotency.run_once): then a savepoint could never be used."""
    _join_next.set(True)


def cancel_join() -> None:
    _join_next.set(False)


@asynccontextmanager
async def atomic() -> AsyncIterator[BaseDBAsyncClient]:
    parent = _pending.get()
    if parent is not None and _join_next.get():
        _join_next.set(False)
        from tortoise import connections

        yield connections.get("default")  # the open transaction's client; callbacks go to the parent
        return
    mine = _Block()
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


def scope() -> object | None:
    """An identity of the transaction block running now (None outside one): what a value read
    once per transaction is kept against."""
    return _pending.get()


def active() -> bool:
    """Inside an `atomic()` block?"""
    return _pending.get() is not None


def on_commit(callback: Callback) -> None:
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("on_commit outside atomic(): the change would have no commit to wait for")
    pending.append(callback)


def on_commit_batch(name: str, item: Any, flush: Callable[[list[Any]], Awaitable[None]]) -> None:
    """`item` joins the block's batch `name`, handed to `flush` once after commit as one list (the
    events of a command published in one Redis round trip instead of two per event). The flush
    takes the place of the batch's first callback; a failed block drops its batch with it."""
    pending = _pending.get()
    if pending is None:
        raise RuntimeError("on_commit_batch outside atomic(): the change would have no commit to wait for")
    batch = pending.batches.get(name)
    if batch is None:
        batch = pending.batches[name] = []
        pending.append(lambda: flush(batch))
    batch.append(item)
