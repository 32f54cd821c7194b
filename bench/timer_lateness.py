"""Issue 4, item 7: lateness of a deferred-job transition under a normal worker.

Packages fall due a few seconds from now (real clock); each has its punctual arq job, enqueued
after the commit that scheduled it, exactly as a purchase does. A normal `python -m app worker`
runs them. Figure: the instant the EXPIRED state is visible minus the due instant (p50/p95/max),
beside the reference the punctual jobs improve on: the cron sweep's period (60 s).
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from bench import common

CRON_PERIOD_SECONDS = 60


async def schedule_expiring_packages(count: int, lead: float, spread: float) -> dict[int, datetime]:
    """ACTIVE packages whose only owed transition is their expiry, a few seconds ahead, scheduled
    the way the domain schedules every package (its punctual job goes out after the commit)."""
    from app.domain import tx
    from app.domain.accounts.models import Account, Application
    from app.domain.packages.models import Package
    from app.domain.timers.packages import schedule

    now = datetime.now(UTC)
    due: dict[int, datetime] = {}
    async with tx.atomic():
        account = await Account.create(name="lateness", created_at=now)
        for i in range(count):
            expires = (now + timedelta(seconds=lead + spread * i / max(count - 1, 1))).replace(microsecond=0)
            app = await Application.create(account_id=account.id, name=f"app {i}", created_at=now)
            p = Package(
                application_id=app.sdk_app_id,
                account_id=account.id,
                edition="BASIC",
                status="ACTIVE",
                rtc_code="RTC_PREMIUM",
                rtc_anchor=now - timedelta(days=30),
                rtc_months=1,
                rtc_expires_at=expires,
                im_code="IM_PRO",
                im_anchor=now - timedelta(days=30),
                im_months=1,
                im_expires_at=expires,
                started_at=now - timedelta(days=30),
                created_at=now,
                reminded_7d_for=expires,
                reminded_1d_for=expires,
            )
            await p.save()
            schedule(p)
            await p.save(update_fields=["next_due_at", "next_due_kind"])
            due[p.id] = expires
    return due


async def run(packages: int, lead_seconds: float, spread_seconds: float) -> dict:
    os.environ.update(DATABASE_URL=common.BENCH_DATABASE_URL, REDIS_URL=common.BENCH_REDIS_URL, CLOCK_MODE="real")
    from app.settings import get_settings

    get_settings.cache_clear()
    await common.fresh_environment()
    from arq import create_pool

    from app import db
    from workers import enqueue
    from workers.settings import redis_settings

    await db.init_db(common.BENCH_DATABASE_URL, pool_size=4)
    pool = await create_pool(redis_settings(common.BENCH_REDIS_URL))
    enqueue.install(pool)
    worker = subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        cwd=common.ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await asyncio.sleep(4)  # the worker's start-up (its first sweep finds nothing due)
        due = await schedule_expiring_packages(packages, lead_seconds, spread_seconds)
        seen: dict[int, float] = {}
        deadline = time.monotonic() + lead_seconds + spread_seconds + CRON_PERIOD_SECONDS + 10
        conn = await common.pg_connect()
        try:
            while len(seen) < len(due) and time.monotonic() < deadline:
                rows = await conn.fetch("SELECT id FROM package WHERE status = 'EXPIRED'")
                wall = datetime.now(UTC).timestamp()
                for row in rows:
                    seen.setdefault(row["id"], wall)
                await asyncio.sleep(0.01)
        finally:
            await conn.close()
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        await pool.aclose()
        await db.close_db()
    lateness = sorted(seen[i] - due[i].timestamp() for i in seen)
    return {
        "parameters": {
            "packages": packages,
            "lead_seconds": lead_seconds,
            "spread_seconds": spread_seconds,
            "poll_interval_seconds": 0.01,
        },
        "transitions_seen": len(seen),
        "lateness_seconds": {
            "p50": round(statistics.median(lateness), 3) if lateness else None,
            "p95": round(lateness[int(len(lateness) * 0.95) - 1], 3) if lateness else None,
            "max": round(lateness[-1], 3) if lateness else None,
        },
        "reference_cron_period_seconds": CRON_PERIOD_SECONDS,
        "ratio": round((statistics.median(lateness) if lateness else 0) / CRON_PERIOD_SECONDS, 4),
        "goal": "punctual: p95 lateness a small fraction of the cron period",
        "verdict": "meets goal"
        if lateness and len(seen) == packages and lateness[int(len(lateness) * 0.95) - 1] < 5
        else "BELOW GOAL",
    }


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.timer_lateness", description=__doc__.splitlines()[0])
    p.add_argument("--packages", type=int, default=50)
    p.add_argument("--lead", type=float, default=5.0, help="seconds from now to the first due instant")
    p.add_argument("--spread", type=float, default=5.0, help="due instants spread over this many seconds")
    args = p.parse_args()
    figures = asyncio.run(run(args.packages, args.lead, args.spread))
    path = common.write_results("timer_lateness", figures)
    print(
        f"timer lateness p50 {figures['lateness_seconds']['p50']} s, p95 {figures['lateness_seconds']['p95']} s "
        f"(cron period {CRON_PERIOD_SECONDS} s) → {path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
