"""workers/enqueue_script.py writes exactly what arq 0.28's enqueue_job writes (issue 10): the same
job under the same key, the same queue score and expiry, once per job id."""

from datetime import UTC, datetime, timedelta

import pytest
from arq import create_pool
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import deserialize_job
from arq.utils import to_unix_ms

from workers.enqueue_script import Enqueuer
from workers.settings import redis_settings

QUEUE = "test:enqueue-script:queue"


@pytest.fixture
async def pool():
    pool = await create_pool(redis_settings(), default_queue_name=QUEUE)
    keys = [job_key_prefix + "ours", job_key_prefix + "arqs", result_key_prefix + "done", job_key_prefix + "done"]
    await pool.delete(QUEUE, *keys)
    try:
        yield pool
    finally:
        await pool.delete(QUEUE, *keys)
        await pool.aclose()


async def test_C1_the_script_writes_the_job_arq_writes(pool):
    due = datetime.now(UTC) + timedelta(minutes=5)
    assert await Enqueuer(pool).enqueue("run_package_timers", 42, job_id="ours", defer_until=due) is True
    assert await pool.enqueue_job("run_package_timers", 42, _job_id="arqs", _defer_until=due) is not None
    ours = deserialize_job(await pool.get(job_key_prefix + "ours"))
    arqs = deserialize_job(await pool.get(job_key_prefix + "arqs"))
    assert (ours.function, ours.args, ours.kwargs, ours.job_try) == (
        arqs.function,
        arqs.args,
        arqs.kwargs,
        arqs.job_try,
    )
    assert abs((ours.enqueue_time - arqs.enqueue_time).total_seconds()) < 5
    assert await pool.zscore(QUEUE, "ours") == await pool.zscore(QUEUE, "arqs") == to_unix_ms(due)
    ttl_ours, ttl_arqs = await pool.pttl(job_key_prefix + "ours"), await pool.pttl(job_key_prefix + "arqs")
    assert abs(ttl_ours - ttl_arqs) < 5000 and ttl_ours > 24 * 3600 * 1000


async def test_C1_a_job_id_is_enqueued_once_and_not_again_after_it_ran(pool):
    jobs = Enqueuer(pool)
    due = datetime.now(UTC) + timedelta(seconds=30)
    assert await jobs.enqueue("relay_webhooks", job_id="ours", defer_until=due) is True
    assert await jobs.enqueue("relay_webhooks", job_id="ours", defer_until=due + timedelta(hours=1)) is False
    assert await pool.zscore(QUEUE, "ours") == to_unix_ms(due)  # the first one stands
    await pool.set(result_key_prefix + "done", b"x")  # a finished job whose result arq keeps
    assert await jobs.enqueue("relay_webhooks", job_id="done", defer_until=due) is False
    assert await pool.zscore(QUEUE, "done") is None
