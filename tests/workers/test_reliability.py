"""SPEC C-1 on real PostgreSQL and Redis: the database is the schedule, so two workers at once, a
lost Redis and a worker killed mid-batch change nothing but lateness. Every transition happens
exactly once, every auto-renewal is charged once, and the ledger audit is clean after each.

Worker processes (`python -m app worker`) run against the test database with CLOCK_MODE=simulated
(they read the same clock row) and a Redis database of their own for their arq queue; the test
never holds a transaction open while they run.
"""

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from arq import create_pool, cron
from arq.connections import RedisSettings
from arq.worker import Worker

from app import clock, redis_conn
from app.domain import tx
from app.domain.accounts import funding
from app.domain.accounts.models import Account, Application
from app.domain.events.models import Event
from app.domain.ledger.models import LedgerTransaction
from app.domain.orders.models import Order
from app.domain.packages.models import Package
from app.domain.timers import packages as package_timers
from app.domain.timers import punctual, runner
from app.settings import get_settings
from tests.conftest import DATABASE_URL, REDIS_URL, START
from tests.factories import new_account, new_app
from tests.money import assert_audit_clean, credit, purchase
from workers import enqueue
from workers.settings import WorkerSettings
from workers.tasks import sweep

REPO = Path(__file__).resolve().parents[2]
WORKER_DB = int(os.environ.get("ROOMKIT_TEST_WORKER_REDIS_DB", "11"))
WORKER_REDIS_URL = urlunparse(urlparse(REDIS_URL)._replace(path=f"/{WORKER_DB}"))
ONE_MONTH = datetime(2027, 2, 9, 16, 0, tzinfo=UTC)  # START + 1 month: 2027-02-10 00:00 Asia/Shanghai
TWO_MONTHS = datetime(2027, 3, 9, 16, 0, tzinfo=UTC)
PRICE_FEN = 299900  # BASIC: RTC_PREMIUM 1500.00 + IM_PRO 1499.00
SPARE_FEN = 10000
FIRST_APP = 1480000000


# ---------------------------------------------------------------- the due set


async def due_set(n: int, *, auto_renew_every: int, accounts: int, reminded: bool = False) -> list[Package]:
    """`n` BASIC packages bought at START for one month, all expiring at ONE_MONTH, spread over
    `accounts` owners; every `auto_renew_every`-th renews automatically, and each owner is credited
    exactly enough for its renewals plus 100.00. With `reminded`, both reminders were already sent,
    so only the expiry (or renewal) is owed."""
    owners = await Account.bulk_create(
        [Account(name=f"Owner {i}", type="OWNER", real_name_verified=True, created_at=START) for i in range(accounts)]
    )
    owners = await Account.all().order_by("id")
    apps = [
        Application(sdk_app_id=FIRST_APP + i, account_id=owners[i % accounts].id, name=f"App {i}", created_at=START)
        for i in range(n)
    ]
    await Application.bulk_create(apps, batch_size=1000)
    rows = []
    for i, app in enumerate(apps):
        p = Package(
            application_id=app.sdk_app_id,
            account_id=app.account_id,
            edition="BASIC",
            status="ACTIVE",
            rtc_code="RTC_PREMIUM",
            rtc_anchor=START,
            rtc_months=1,
            rtc_expires_at=ONE_MONTH,
            im_code="IM_PRO",
            im_anchor=START,
            im_months=1,
            im_expires_at=ONE_MONTH,
            started_at=START,
            created_at=START,
            auto_renew=i % auto_renew_every == 0,
            auto_renew_months=1,
            allowance_month=0,
            allowance_granted=380000,
            allowance_used=0,
            reminded_7d_for=ONE_MONTH if reminded else None,
            reminded_1d_for=ONE_MONTH if reminded else None,
        )
        p.next_due_at = package_timers.pending(p)[0].at
        rows.append(p)
    await Package.bulk_create(rows, batch_size=1000)
    renewals = Counter(p.account_id for p in rows if p.auto_renew)
    for owner in owners:
        await funding.credit(owner.id, renewals[owner.id] * PRICE_FEN + SPARE_FEN, "cash", at=START)
    return await Package.all().order_by("id")


def owed(packages: list[Package]) -> int:
    """Transitions the due set owes by ONE_MONTH: each reminder not yet sent, the expiry, and for an
    auto-renewed package the renewed month's allowance."""
    total = 0
    for p in packages:
        total += 1 + (p.reminded_7d_for is None) + (p.reminded_1d_for is None) + (1 if p.auto_renew else 0)
    return total


async def all_done() -> bool:
    return not await Package.filter(next_due_at__lte=ONE_MONTH).exists()


async def assert_each_transition_once(packages: list[Package]) -> None:
    """One PACKAGE_EXPIRED or one AUTO_RENEWED per package (never both), reminders once each,
    one AUTO_RENEWAL order and one charge per renewal, balances exact, audit clean."""
    assert await all_done()
    rows = await Event.filter(
        type__in=["PACKAGE_EXPIRED", "AUTO_RENEWED", "AUTO_RENEW_FAILED", "RENEWAL_REMINDER", "ALLOWANCE_GRANTED"]
    ).values_list("sdk_app_id", "type", "occurred_at")
    seen = Counter((app, kind) for app, kind, _ in rows)
    assert all(at == ONE_MONTH or kind == "RENEWAL_REMINDER" for _, kind, at in rows)
    for p in packages:
        app = p.application_id
        if p.auto_renew:
            assert (seen[app, "AUTO_RENEWED"], seen[app, "PACKAGE_EXPIRED"], seen[app, "ALLOWANCE_GRANTED"]) == (
                1,
                0,
                1,
            ), app
            assert seen[app, "RENEWAL_REMINDER"] == 0, app  # affordable: no reminder
        else:
            assert (seen[app, "PACKAGE_EXPIRED"], seen[app, "AUTO_RENEWED"]) == (1, 0), app
            assert seen[app, "RENEWAL_REMINDER"] == (0 if p.reminded_7d_for else 2), app
        assert seen[app, "AUTO_RENEW_FAILED"] == 0, app

    renewing = {p.id for p in packages if p.auto_renew}
    after = {p.id: p for p in await Package.all()}
    for package_id, p in after.items():
        if package_id in renewing:
            assert (p.status, p.rtc_expires_at, p.im_expires_at, p.rtc_months) == (
                "ACTIVE",
                TWO_MONTHS,
                TWO_MONTHS,
                2,
            ), package_id
        else:
            assert p.status == "EXPIRED", package_id
    orders = await Order.filter(kind="AUTO_RENEWAL").values_list("package_id", "amount_fen")
    assert sorted(package_id for package_id, _ in orders) == sorted(renewing)
    assert {amount for _, amount in orders} == {PRICE_FEN}
    assert await LedgerTransaction.filter(kind="AUTO_RENEWAL").count() == len(renewing)
    # each owner was credited its renewals + 100.00 and charged each renewal once
    assert set(await Account.all().values_list("cash_fen", flat=True)) == {SPARE_FEN}
    await assert_audit_clean()


# ---------------------------------------------------------------- worker processes


def redis_settings() -> RedisSettings:
    return RedisSettings.from_dsn(WORKER_REDIS_URL)


class Workers:
    """`python -m app worker` processes, always stopped (by pid) when the test ends."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.procs: list[subprocess.Popen] = []

    def start(self) -> subprocess.Popen:
        env = {
            **os.environ,
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": WORKER_REDIS_URL,
            "CLOCK_MODE": "simulated",
            "DB_POOL_SIZE": "5",
            "PYTHONUNBUFFERED": "1",
        }
        log = open(self.log_dir / f"worker-{len(self.procs)}.log", "wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "worker"],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.procs.append(proc)
        return proc

    def log(self, proc: subprocess.Popen) -> str:
        return (self.log_dir / f"worker-{self.procs.index(proc)}.log").read_text(errors="replace")

    def stop(self, proc: subprocess.Popen, timeout: float = 10) -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # arq stops gracefully on SIGTERM
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def stop_all(self) -> None:
        for proc in self.procs:
            self.stop(proc)


@pytest.fixture
async def worker_redis():
    """The workers' Redis database, emptied before and after."""
    pool = await create_pool(redis_settings())
    await pool.flushdb()
    try:
        yield pool
    finally:
        punctual.install(None)
        await pool.flushdb()
        await pool.aclose()


@pytest.fixture
def workers(tmp_path):
    group = Workers(tmp_path)
    try:
        yield group
    finally:
        group.stop_all()


async def wait_for(predicate, timeout: float, what: str, procs=(), group: Workers | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        for proc in procs:
            if proc.poll() is not None:
                raise AssertionError(f"worker exited with {proc.returncode}:\n{group.log(proc)}")
        if time.monotonic() > deadline:
            logs = "\n".join(group.log(p)[-3000:] for p in procs) if group else ""
            raise AssertionError(f"timed out waiting for {what}\n{logs}")
        await asyncio.sleep(0.05)


SWEPT = re.compile(r"← \S*cron:sweep ● (\d+)")  # the cron name carries the installation prefix


def sweep_results(group: Workers, procs) -> list[int]:
    """What each finished sweep returned (transitions run), from the workers' own logs: arq keeps
    no result for cron jobs."""
    return [int(n) for proc in procs for n in SWEPT.findall(group.log(proc))]


# ---------------------------------------------------------------- (a) two workers, one due set


async def test_C1_R2_two_concurrent_sweeps_do_each_transition_once():
    packages = await due_set(200, auto_renew_every=2, accounts=20)
    await clock.set_simulated_now(ONE_MONTH)
    first, second = await asyncio.gather(
        asyncio.create_task(runner.run_due(ONE_MONTH)), asyncio.create_task(runner.run_due(ONE_MONTH))
    )
    assert first + second == owed(packages) == 700  # 100 × (2 reminders + expiry) + 100 × (2 + renewal + grant)
    assert await runner.run_due(ONE_MONTH) == 0
    await assert_each_transition_once(packages)


async def test_C1_R2_two_worker_processes_started_together_do_each_transition_once(worker_redis, workers):
    packages = await due_set(200, auto_renew_every=2, accounts=20)
    await clock.set_simulated_now(ONE_MONTH)  # due, nothing run: the workers' start-up sweeps do it
    procs = [workers.start(), workers.start()]

    async def swept() -> bool:
        return await all_done() and len(sweep_results(workers, procs)) >= 2

    await wait_for(swept, 60, "both start-up sweeps", procs, workers)
    # two start-up sweeps ran (either worker may take either job), sharing the work exactly
    assert sum(sweep_results(workers, procs)) == owed(packages) == 700
    for proc in procs:
        assert proc.poll() is None, workers.log(proc)
        workers.stop(proc)
    await assert_each_transition_once(packages)


# ---------------------------------------------------------------- (b) Redis lost


@pytest.fixture
def real_clock(monkeypatch):
    def set_mode(mode: str) -> None:
        monkeypatch.setenv("CLOCK_MODE", mode)
        get_settings.cache_clear()

    yield set_mode
    punctual.install(None)
    set_mode("simulated")


async def test_C1_a_flushed_redis_loses_the_punctual_jobs_but_the_sweep_does_every_transition(worker_redis, real_clock):
    packages = await due_set(100, auto_renew_every=2, accounts=10)
    # in real time every package's next due instant gets a deferred job with a deterministic id
    real_clock("real")
    enqueue.install(worker_redis)
    async with tx.atomic():
        for p in packages:
            package_timers.schedule(p)
    expected = {redis_conn.key(punctual.job_id("package", p.id, p.next_due_at)) for p in packages}
    assert {i.decode() for i in await worker_redis.zrange("arq:queue", 0, -1)} == expected
    real_clock("simulated")
    punctual.install(None)

    await worker_redis.flushdb()  # Redis lost everything pending
    assert await worker_redis.zcard("arq:queue") == 0

    await clock.set_simulated_now(ONE_MONTH)
    worker = Worker(
        functions=WorkerSettings.functions,
        cron_jobs=[cron(sweep, second=0, run_at_startup=True, unique=True, timeout=3600)],
        redis_settings=redis_settings(),
        burst=True,
        handle_signals=False,
        poll_delay=0.05,
        max_tries=1,
    )
    try:
        await worker.main()  # the start-up sweep, as a restarted worker does
    finally:
        await worker.close()
    # the start-up sweep; the minute's cron run may fire too when the wall clock passes second 0
    # during the burst — it then finds nothing left to do, as every transition happens once
    assert worker.jobs_failed == 0 and worker.jobs_complete in (1, 2)
    await assert_each_transition_once(packages)


async def test_C1_redis_unreachable_at_commit_the_change_stands_and_the_sweep_runs_it(client, real_clock):
    """A punctual job that cannot be enqueued (Redis down) must not undo or fail the change."""
    attempts = []

    async def unreachable(kind, row_id, due) -> None:
        attempts.append((kind, row_id, due))
        raise ConnectionError("Redis is down")

    real_clock("real")
    punctual.install(unreachable)
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1)
    assert result["errors"] == [] and result["package"]["status"] == "ACTIVE"
    package = await Package.get(application_id=app)
    assert attempts == [("package", package.id, package.next_due_at)]
    punctual.install(None)
    real_clock("simulated")
    # the database still says what is due: the sweep runs it all at the expiry
    assert await runner.run_due(package.expires_at) == 3  # two reminders and the expiry
    assert (await Package.get(id=package.id)).status == "EXPIRED"
    await assert_audit_clean()


# ---------------------------------------------------------------- (c) a worker killed mid-batch


@pytest.mark.parametrize(
    ("n", "auto_renew_every"),
    [
        pytest.param(2000, 20, id="mid-batch"),  # killed in the batched expiry path (500 rows a transaction)
        pytest.param(300, 1, id="mid-renewals"),  # killed among the auto-renewals (one transaction each)
    ],
)
async def test_C1_R2_a_worker_killed_mid_batch_leaves_every_item_done_exactly_once_after_a_restart(
    worker_redis, workers, n, auto_renew_every
):
    packages = await due_set(n, auto_renew_every=auto_renew_every, accounts=20, reminded=True)
    total = len(packages)
    await clock.set_simulated_now(ONE_MONTH)
    doomed = workers.start()

    async def progress() -> bool:
        return await Event.filter(type__in=["PACKAGE_EXPIRED", "AUTO_RENEWED"]).exists()

    await wait_for(progress, 60, "the first committed batch", [doomed], workers)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(10)
    assert doomed.returncode == -signal.SIGKILL
    done = await Event.filter(type__in=["PACKAGE_EXPIRED", "AUTO_RENEWED"]).count()
    assert 0 < done < total, f"killed after {done} of {total}: not in the middle"
    # nothing half-done: every package is either untouched or fully transitioned
    expired, renewed = await Package.filter(status="EXPIRED").count(), await Package.filter(rtc_months=2).count()
    assert expired + renewed == done
    assert await Package.filter(rtc_months=2, allowance_month=1).count() == renewed  # the renewed month's grant

    restarted = workers.start()

    async def finished() -> bool:
        return await all_done() and len(sweep_results(workers, [restarted])) >= 1

    await wait_for(finished, 60, "the restarted worker's sweep", [restarted], workers)
    workers.stop(restarted)
    # the restarted worker did exactly what was left: the killed batch was rolled back whole
    assert sweep_results(workers, [doomed]) == []  # it never finished its sweep
    assert sum(sweep_results(workers, [restarted])) == owed(packages) - expired - 2 * renewed
    await assert_each_transition_once(packages)
