"""arq WorkerSettings: functions, cron jobs, start-up and shut-down of the process's DB and Redis."""

import asyncio
from collections.abc import Sequence

import structlog
from arq import cron
from arq.connections import RedisSettings
from arq.cron import CronJob
from arq.typing import StartupShutdown, WorkerCoroutine
from arq.worker import Function, func
from arq.worker import run_worker as arq_run_worker

from app import db, live_events, logs, metrics, redis_conn
from app.settings import get_settings
from workers import enqueue
from workers.observe import logged
from workers.tasks import (
    ping,
    relay_webhooks,
    run_account_timers,
    run_package_timers,
    sweep,
)


def redis_settings(url: str | None = None) -> RedisSettings:
    settings = RedisSettings.from_dsn(url or get_settings().redis_url or redis_conn.DEFAULT_REDIS_URL)
    # A Redis restart should cost lateness, not a dead worker (C-1): keep retrying the connection.
    settings.conn_retries = 30
    settings.conn_retry_delay = 2
    settings.retry_on_timeout = True
    return settings


async def startup(ctx: dict) -> None:
    await db.init_db()
    metrics.install()
    live_events.install_publisher(await redis_conn.connect())
    enqueue.install(ctx["redis"])


async def shutdown(ctx: dict) -> None:
    from app.domain.webhooks import delivery

    await delivery.close()
    await redis_conn.close()
    await db.close_db()


class WorkerSettings:
    # Annotated as arq's WorkerSettingsBase protocol declares them, so run_worker accepts the class.
    functions: Sequence[WorkerCoroutine | Function] = [
        *(logged(f) for f in (ping, sweep, run_package_timers, run_account_timers)),
        func(logged(relay_webhooks), keep_result=0),
    ]
    # The sweep is the schedule of record: every minute and once at start-up, so nothing that
    # fell due while no worker ran (or whose deferred job was lost with Redis) is missed. The
    # webhook relay's sweep runs every 5 s (W-3). Queue and cron job ids carry the installation
    # prefix: arq's job keys are global to the Redis database (V-1's isolation, for jobs too).
    queue_name = redis_conn.key("arq:queue")
    cron_jobs: Sequence[CronJob] | None = [
        cron(
            logged(sweep), name=redis_conn.key("cron:sweep"), second=0, run_at_startup=True, unique=True, timeout=3600
        ),
        cron(
            logged(relay_webhooks),
            name=redis_conn.key("cron:relay_webhooks"),
            second=set(range(0, 60, 5)),
            run_at_startup=True,
            unique=True,
            timeout=3600,
        ),
    ]
    redis_settings = redis_settings()
    on_startup: StartupShutdown | None = startup
    on_shutdown: StartupShutdown | None = shutdown
    health_check_interval = 60
    # A webhook's punctual relay job waits at most this long for a poll (arq's default is 0.5 s).
    poll_delay = 0.1
    max_tries = 5
    keep_result = 3600
    # SIGTERM drains: stop picking jobs, let running ones finish (a sweep is seconds), and only
    # then cancel what is left — a deploy should not turn every in-flight sweep into a retry.
    job_completion_wait = 10


def run_worker() -> None:
    """`python -m app worker`: run until SIGINT/SIGTERM (arq handles both)."""
    logs.configure()  # JSON lines (O-2), arq's own job lines through the same formatter
    try:
        arq_run_worker(WorkerSettings)
    except asyncio.CancelledError:
        # arq's close() re-raises the cancellation of a job still running after the drain; its
        # transaction rolled back and arq retries it, so this is an orderly stop, not a crash.
        structlog.get_logger("workers").warning("worker stopped with jobs cancelled after the drain")
