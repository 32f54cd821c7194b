"""Evidence of the write path: the envelope steps one unit of work went through, in order.

`locks` records each lock it takes (and each catch-up), `idempotency` each keyed run or replay.
Nothing is recorded unless someone is collecting (a context variable, so concurrent requests
never mix): the write-path test collects while it calls every mutation and timer task, and
checks the order against the envelope's. Outside a collection a step costs one lookup.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_steps: ContextVar[list[str] | None] = ContextVar("write_path_steps", default=None)


def record(step: str) -> None:
    steps = _steps.get()
    if steps is not None:
        steps.append(step)


@contextmanager
def collect() -> Iterator[list[str]]:
    """Every step recorded by this task (and tasks started from it) until the block ends."""
    steps: list[str] = []
    token = _steps.set(steps)
    try:
        yield steps
    finally:
        _steps.reset(token)
