"""A worker logs each task like the API logs each request (O-2): one JSON line per run with the
task name, job id, try, duration and outcome; lines logged during the run carry the job id."""

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

import structlog
from arq.typing import WorkerCoroutine

from app import clock

log = structlog.get_logger("roomkit.worker")
P = ParamSpec("P")
R = TypeVar("R")
Ctx = dict[Any, Any]  # arq's job context, as arq types it


def logged(task: Callable[Concatenate[Ctx, P], Awaitable[R]]) -> WorkerCoroutine:
    """Wrap an arq task; functools.wraps keeps its name, which is the name arq enqueues by."""

    @functools.wraps(task)
    async def run(ctx: Ctx, *args: P.args, **kwargs: P.kwargs) -> R:
        started = clock.monotonic()
        outcome = "ok"
        with structlog.contextvars.bound_contextvars(
            task=task.__name__, job_id=ctx.get("job_id"), job_try=ctx.get("job_try")
        ):
            try:
                return await task(ctx, *args, **kwargs)
            except BaseException as e:  # arq's Retry and cancellation included: recorded, then re-raised
                outcome = type(e).__name__
                raise
            finally:
                duration = clock.monotonic() - started
                (log.info if outcome == "ok" else log.error)(
                    "task",
                    duration_ms=round(duration * 1000, 3),
                    outcome=outcome,
                    exc_info=outcome not in ("ok", "Retry", "CancelledError"),
                )

    return run
