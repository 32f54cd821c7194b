"""The punctual side of timers: after a commit, a deferred arq job per (row, due instant).
The job id is deterministic, so asking twice for the same due instant enqueues once."""
from datetime import datetime

from arq import ArqRedis

from app.domain.timers import punctual

TASKS = {"package": "run_package_timers", "account": "run_account_timers"}


def install(pool: ArqRedis) -> None:
    async def enqueue(kind: str, row_id: int, due: datetime) -> None:
        await pool.enqueue_job(TASKS[kind], row_id, _job_id=punctual.job_id(kind, row_id, due), _defer_until=due)

    punctual.install(enqueue)
