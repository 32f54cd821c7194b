"""The punctual side of timers: after a commit, a deferred arq job per (row, due instant).
The job id is deterministic, so asking twice for the same due instant enqueues once."""

from datetime import UTC, datetime

from arq import ArqRedis

from app import clock, redis_conn
from app.domain.timers import punctual
from app.domain.webhooks import kick
from workers.enqueue_script import Enqueuer

TASKS = {"package": "run_package_timers", "account": "run_account_timers"}
KICK_MS = 50  # commits within one 50 ms window share one relay job, run at the window's end


def install(pool: ArqRedis) -> None:
    jobs = Enqueuer(pool)  # arq's enqueue_job in one round trip (workers/enqueue_script.py)

    async def enqueue(kind: str, row_id: int, due: datetime) -> None:
        await jobs.enqueue(
            TASKS[kind], row_id, job_id=redis_conn.key(punctual.job_id(kind, row_id, due)), defer_until=due
        )

    async def relay(due: datetime | None) -> None:
        """W-3: a relay run after a commit (at the end of the current 50 ms window: every commit of
        the window happened before it, so one job sends them all), or at a retry's instant (one job
        per second). The relay function keeps no result, so a finished job never blocks an id."""
        if due is None:
            window = (int(clock.wall_now().timestamp() * 1000) // KICK_MS + 1) * KICK_MS
            await jobs.enqueue(
                "relay_webhooks",
                job_id=redis_conn.key(f"webhooks:kick:{window}"),
                defer_until=datetime.fromtimestamp(window / 1000, UTC),
            )
        else:
            await jobs.enqueue(
                "relay_webhooks", job_id=redis_conn.key(f"webhooks:{int(due.timestamp())}"), defer_until=due
            )

    punctual.install(enqueue)
    kick.install(relay)
