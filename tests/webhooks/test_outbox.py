"""SPEC W-3: at least once, from the transactional outbox. A process killed right after its commit
(before anything reached Redis) and a Redis that lost every job still deliver every event: the
database says what is owed. The receiver deduplicates by webhook-id."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from arq import create_pool
from arq.worker import Worker

from app import redis_conn
from app.domain.events.models import Event
from app.domain.webhooks import kick
from app.domain.webhooks.models import WebhookDelivery
from tests.conftest import DATABASE_URL, REDIS_URL
from tests.factories import new_account
from tests.money import credit
from tests.webhooks.receiver import create_endpoint, verify
from workers import enqueue
from workers.settings import WorkerSettings, redis_settings

REPO = Path(__file__).resolve().parents[2]

# Commits N credits (each a BALANCE_CREDITED event owed to the endpoint); the last transaction's
# first after-commit callback kills the process, before the punctual job can be enqueued.
KILLED_AFTER_COMMIT = r"""
import asyncio, os, signal, sys

async def main(account_id, n):
    from arq import create_pool
    from app import clock, db, redis_conn
    from app.domain import tx
    from app.domain.accounts import funding
    from workers import enqueue
    from workers.settings import redis_settings

    await db.init_db(pool_size=2)
    pool = await create_pool(redis_settings(), default_queue_name=redis_conn.key("arq:queue"))
    enqueue.install(pool)

    async def die():
        os.kill(os.getpid(), signal.SIGKILL)

    for i in range(n):
        async with tx.atomic():
            if i == n - 1:
                tx.on_commit(die)
            await funding.credit(account_id, 100, "cash", at=await clock.now())
    print("not killed", flush=True)

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
"""


def env(**extra) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
        "CLOCK_MODE": "simulated",
        "DB_POOL_SIZE": "5",
        "PYTHONUNBUFFERED": "1",
        "WEBHOOKS_ALLOW_PRIVATE": "true",
        **extra,
    }


async def wait_until(
    predicate, timeout: float, what: str, proc: subprocess.Popen | None = None, log: Path | None = None
):
    deadline = time.monotonic() + timeout
    while not await predicate():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"worker exited {proc.returncode}: {log.read_text() if log else ''}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {log.read_text()[-3000:] if log else ''}")
        await asyncio.sleep(0.1)


async def test_W3_killed_right_after_commit_the_event_is_still_delivered(client, receiver, tmp_path):
    account_id, token = await new_account(client)
    _, secret = await create_endpoint(client, token, receiver.url, types=["BALANCE_CREDITED"])
    queue = redis_conn.key("arq:queue")
    proc = subprocess.run(
        [sys.executable, "-c", KILLED_AFTER_COMMIT, account_id, "3"],
        cwd=REPO,
        env=env(),  # noqa: ASYNC221, PLW1510
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stdout + proc.stderr
    # committed: three events, three deliveries owed; only the first two asked Redis for a relay run
    events = await Event.filter(account_id=int(account_id), type="BALANCE_CREDITED").order_by("sequence")
    assert len(events) == 3
    assert await WebhookDelivery.filter(status="PENDING").count() == 3
    assert await redis_conn.get().zcard(queue) >= 1  # (commits within 50 ms share one job)
    log = tmp_path / "worker.log"
    with open(log, "wb") as out:  # noqa: ASYNC230
        worker = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", "app", "worker"],
            cwd=REPO,
            env=env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:

        async def delivered() -> bool:
            return {r.id for r in receiver.received} >= {str(e.id) for e in events}

        await wait_until(delivered, 60, "the three webhooks", worker, log)
        await wait_until(lambda: _none_pending(), 30, "deliveries recorded", worker, log)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(5)
    unique = {r.id: verify(secret, r) for r in receiver.received}  # the receiver dedupes by webhook-id
    assert sorted(b["sequence"] for b in unique.values()) == [e.sequence for e in events]
    assert await WebhookDelivery.filter(status="SUCCEEDED").count() == 3


async def _none_pending() -> bool:
    return not await WebhookDelivery.filter(status="PENDING").exists()


async def test_W3_redis_flushed_every_event_is_still_delivered(client, receiver):
    account_id, token = await new_account(client)
    _, secret = await create_endpoint(client, token, receiver.url)
    queue = redis_conn.key("arq:queue")
    pool = await create_pool(redis_settings(REDIS_URL), default_queue_name=queue)
    enqueue.install(pool)
    try:
        for _ in range(5):
            await credit(client, account_id, "1.00")
        assert await pool.zcard(queue) >= 1  # punctual relay jobs after the commits
        assert receiver.received == []
        await pool.flushdb()  # Redis lost every job
        assert await pool.zcard(queue) == 0
        worker = Worker(
            functions=WorkerSettings.functions,
            cron_jobs=WorkerSettings.cron_jobs,
            redis_settings=redis_settings(REDIS_URL),
            queue_name=queue,
            burst=True,
            handle_signals=False,
            poll_delay=0.05,
            max_tries=1,
        )
        try:
            await worker.main()  # a restarted worker's start-up sweeps
        finally:
            await worker.close()
    finally:
        kick.install(None)
        from app.domain.timers import punctual

        punctual.install(None)
        await pool.aclose()
    events = await Event.filter(account_id=int(account_id), type="BALANCE_CREDITED").values_list("id", flat=True)
    unique = {r.id: verify(secret, r) for r in receiver.received}
    assert set(unique) == {str(i) for i in events}
    assert not await WebhookDelivery.filter(status="PENDING").exists()
