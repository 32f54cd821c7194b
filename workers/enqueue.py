"""The punctual side of timers: after a commit, a deferred arq job per (row, due instant).
The job id is deterministic, so asking twice for the same due instant enqueues once."""
from datetime import datetime

from arq import ArqRedis

from app import redis_conn
from app.domain.timers import punctual
from app.domain.webhooks import kick

TASKS = {"package": "run_package_timers", "account": "run_account_timers"}


def install(pool: ArqRedis) -> None:
    async def enqueue(kind: str, row_id: int, due: datetime) -> None:
        await pool.enqueue_job(TASKS[kind], row_id, _job_id=redis_conn.key(punctual.job_id(kind, row_id, due)),
                               _defer_until=due)

    async def relay(due: datetime | None) -> None:
        """W-3: a relay run after a commit (at once), or at a retry's instant (one job per second)."""
        if due is None:
            await pool.enqueue_job("relay_webhooks")
        else:
            await pool.enqueue_job("relay_webhooks", _job_id=redis_conn.key(f"webhooks:{int(due.timestamp())}"),
                                   _defer_until=due)

    punctual.install(enqueue)
    kick.install(relay)
