"""SPEC C-1 through the arq door: tasks called directly, once through `Worker(burst=True)`, and the
punctual deferred jobs (`workers.enqueue` + `app.domain.timers.punctual`) with deterministic ids.

The arq queue lives in its own Redis database (not the conftest's, which other runs flush) under a
queue name unique to the test, and everything the test put there is deleted afterwards.
"""

import os
import random
import uuid
from datetime import timedelta
from urllib.parse import urlparse, urlunparse

import pytest
from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix, retry_key_prefix
from arq.jobs import Job
from arq.worker import Worker
from tortoise import connections

from app import clock, redis_conn
from app.domain import tx
from app.domain.events.models import Event
from app.domain.packages.models import Package
from app.domain.timers import packages as package_timers
from app.domain.timers import punctual
from app.settings import get_settings
from tests.conftest import REDIS_URL, START
from tests.factories import new_account, new_app
from tests.money import credit, purchase, renew, start_trial
from workers import enqueue, tasks
from workers.settings import WorkerSettings

QUEUE_DB = int(os.environ.get("ROOMKIT_TEST_ARQ_DB", "13"))
ONE_MONTH = START + timedelta(days=31)  # 2027-02-10 00:00 Asia/Shanghai


def queue_redis_settings() -> RedisSettings:
    parsed = urlparse(REDIS_URL)
    return RedisSettings.from_dsn(urlunparse(parsed._replace(path=f"/{QUEUE_DB}")))


@pytest.fixture(autouse=True)
async def private_package_ids():
    """Job ids are deterministic (`package:<id>:<epoch>`) and other test runs share the Redis server:
    start this test's package ids far from anyone else's, so no leftover result blocks an enqueue."""
    await connections.get("default").execute_query(
        f"SELECT setval(pg_get_serial_sequence('package', 'id'), {random.randint(10**12, 10**15)})"
    )


@pytest.fixture
async def arq_queue():
    """(pool, queue name) on the dedicated Redis database; cleaned up afterwards."""
    queue = f"roomkit-test:{uuid.uuid4().hex}"
    pool: ArqRedis = await create_pool(queue_redis_settings(), default_queue_name=queue)
    seen: set[str] = set()

    async def job_ids() -> list[str]:
        ids = [i.decode() for i in await pool.zrange(queue, 0, -1)]
        seen.update(ids)
        return ids

    pool.test_job_ids = job_ids  # type: ignore[attr-defined]
    pool.test_seen = seen  # type: ignore[attr-defined]
    try:
        yield pool, queue
    finally:
        punctual.install(None)
        await job_ids()
        keys = [
            p + i for i in seen for p in (job_key_prefix, result_key_prefix, retry_key_prefix, in_progress_key_prefix)
        ]
        await pool.delete(queue, queue + ":health-check", *keys)
        await pool.aclose()


async def run_burst(queue: str) -> Worker:
    """An in-process worker with the production task list; Tortoise is already initialised by the
    test session, so no start-up hook."""
    worker = Worker(
        functions=WorkerSettings.functions,
        redis_settings=queue_redis_settings(),
        queue_name=queue,
        burst=True,
        handle_signals=False,
        poll_delay=0.05,
        keep_result=60,
        max_tries=1,
    )
    try:
        await worker.main()
    finally:
        await worker.close()
    return worker


async def trial_app(client) -> tuple[str, int, Package]:
    _, token = await new_account(client)
    app = await new_app(client, token)
    assert (await start_trial(client, token, app))["errors"] == []
    return token, app, await Package.get(application_id=app)


# ---------------------------------------------------------------- tasks called directly


async def test_C1_task_functions_run_what_is_due_once(client):
    _, _, trial = await trial_app(client)
    end = START + timedelta(days=7)
    await clock.set_simulated_now(end - timedelta(seconds=1))
    assert await tasks.run_package_timers({}, trial.id) == 0
    assert await tasks.ping({}) == "pong"
    await clock.set_simulated_now(end)
    assert await tasks.run_package_timers({}, trial.id) == 1
    assert await tasks.run_package_timers({}, trial.id) == 0
    assert await tasks.sweep({}) == 0
    assert (await Package.get(id=trial.id)).status == "TRIAL_ENDED"
    assert await Event.filter(type="TRIAL_ENDED").count() == 1


# ---------------------------------------------------------------- through Worker(burst=True)


async def test_C1_a_due_package_transitions_through_the_worker_path(client, arq_queue):
    pool, queue = arq_queue
    _, _, trial = await trial_app(client)
    end = START + timedelta(days=7)
    await clock.set_simulated_now(end)  # due, not yet run
    job_id = punctual.job_id("package", trial.id, end)
    pool.test_seen.add(job_id)
    job = await pool.enqueue_job("run_package_timers", trial.id, _job_id=job_id)
    assert job is not None
    assert await pool.enqueue_job("run_package_timers", trial.id, _job_id=job_id) is None  # one job per id

    worker = await run_burst(queue)
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    assert await job.result(timeout=5) == 1
    assert (await Package.get(id=trial.id)).status == "TRIAL_ENDED"
    [ended] = await Event.filter(type="TRIAL_ENDED")
    assert ended.occurred_at == end and ended.sdk_app_id == trial.application_id
    # the kept result blocks a re-enqueue of the same (row, due instant)
    assert await pool.enqueue_job("run_package_timers", trial.id, _job_id=job_id) is None


async def test_C1_the_sweep_job_runs_every_due_transition(client, arq_queue):
    pool, queue = arq_queue
    _, _, trial = await trial_app(client)
    account_id, token = await new_account(client, name="Payer")
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    await clock.set_simulated_now(ONE_MONTH)
    job = await pool.enqueue_job("sweep")
    pool.test_seen.add(job.job_id)
    worker = await run_burst(queue)
    assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
    # trial end; two reminders and the expiry of the paid package
    assert await job.result(timeout=5) == 4
    assert (await Package.get(id=trial.id)).status == "TRIAL_ENDED"
    assert (await Package.get(application_id=app)).status == "EXPIRED"
    assert sorted(
        await Event.filter(sdk_app_id=app, type__in=["RENEWAL_REMINDER", "PACKAGE_EXPIRED"]).values_list(
            "type", flat=True
        )
    ) == ["PACKAGE_EXPIRED", "RENEWAL_REMINDER", "RENEWAL_REMINDER"]
    # a second run has nothing to do
    job = await pool.enqueue_job("sweep")
    pool.test_seen.add(job.job_id)
    await run_burst(queue)
    assert await job.result(timeout=5) == 0


# ---------------------------------------------------------------- punctual deferred jobs


@pytest.fixture
def real_clock(monkeypatch):
    monkeypatch.setenv("CLOCK_MODE", "real")
    get_settings.cache_clear()
    assert not clock.is_simulated()
    yield
    monkeypatch.setenv("CLOCK_MODE", "simulated")
    get_settings.cache_clear()


async def test_C1_a_purchase_in_real_time_enqueues_a_deferred_job_with_a_deterministic_id(
    client, arq_queue, real_clock
):
    pool, queue = arq_queue
    enqueue.install(pool)
    account_id, token = await new_account(client)
    await credit(client, account_id, "20000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    package = await Package.get(application_id=app)
    due = package.next_due_at
    assert due is not None and due == package.expires_at - timedelta(days=7)  # the first reminder
    expected = redis_conn.key(f"package:{package.id}:{int(due.timestamp())}")  # job ids carry the prefix
    assert await pool.test_job_ids() == [expected]
    assert abs(await pool.zscore(queue, expected) - due.timestamp() * 1000) < 1  # deferred to the due instant
    info = await Job(expected, pool, _queue_name=queue).info()
    assert (info.function, info.args) == ("run_package_timers", (package.id,))
    assert await pool.exists(job_key_prefix + expected) == 1

    # scheduling again for the same due instant enqueues nothing new
    async with tx.atomic():
        row = await Package.get(id=package.id)
        package_timers.schedule(row)
        package_timers.schedule(row)
    assert await pool.test_job_ids() == [expected]

    # a renewal moves the due instant: one more job, for the new instant; the old one is harmless
    assert (await renew(client, token, app, 1))["errors"] == []
    package = await Package.get(id=package.id)
    renewed = redis_conn.key(f"package:{package.id}:{int(package.next_due_at.timestamp())}")
    assert renewed != expected
    assert sorted(await pool.test_job_ids()) == sorted([expected, renewed])
    assert await tasks.run_package_timers({}, package.id) == 0  # not due yet: a stale or early run does nothing


async def test_C2_in_simulated_time_nothing_is_enqueued(client, arq_queue):
    pool, _ = arq_queue
    enqueue.install(pool)
    account_id, token = await new_account(client)
    await credit(client, account_id, "20000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    assert (await Package.get(application_id=app)).next_due_at is not None
    assert await pool.test_job_ids() == []
