"""Issue 4 item 7: the package sweep expiring N packages due at one instant, beside one raw SQL UPDATE.

N ACTIVE packages (default 100,000; 1,000 accounts, one application each) all expire at the same
instant T; auto-renew is off and both reminders are already stamped for that expiry, so the
expiry is the only transition owed. Timed: `app.domain.timers.package_sweep.sweep(T)` run the way a
worker runs it (Tortoise on the bench database, after-commit publishing to Redis db 14 installed
unless --no-publish). Then the same rows are reset and one raw `UPDATE … SET status='EXPIRED'` is
timed (and, for information, the set-based equivalent that also writes the events). Goal:
sweep ≤ 5 × the raw UPDATE. Afterwards the sweep's outcome is verified: every row EXPIRED, nothing
left due, exactly one PACKAGE_EXPIRED event per package.

    .venv/bin/python -m bench.sweep [--packages 100000] [--accounts 1000] [--no-publish] [--profile]
"""

import argparse
import asyncio
import cProfile
import io
import pstats
import time
from datetime import UTC, datetime

import asyncpg

from bench import common

GOAL = 5.0
DUE = datetime(2027, 3, 1, tzinfo=UTC)
ANCHOR = datetime(2027, 2, 1, tzinfo=UTC)

ACCOUNTS = """INSERT INTO account (name, type, real_name_verified, status, refund_review_required, cash_fen, income_fen,
  gift_fen, trials_started, created_at)
SELECT 'bench-' || g, 'OWNER', true, 'NORMAL', false, 0, 0, 0, 0, $1 FROM generate_series(1, $2) g"""
APPS = """INSERT INTO application (account_id, name, status, trials_used, created_at)
SELECT a.ids[1 + (g % array_length(a.ids, 1))], 'bench-app-' || g, 'ACTIVE', 0, $1
FROM generate_series(0, $2 - 1) g, (SELECT array_agg(id ORDER BY id) AS ids FROM account) a"""
PACKAGES = """INSERT INTO package (application_id, account_id, edition, status, rtc_code, rtc_anchor, rtc_months,
  rtc_expires_at, im_code, im_anchor, im_months, im_expires_at, started_at, ended_at, auto_renew, auto_renew_months,
  auto_renew_failure_reason, allowance_month, allowance_granted, allowance_used, reminded_7d_for, reminded_1d_for,
  next_due_at, next_due_kind, created_at, renew_flag)
SELECT sdk_app_id, account_id, 'BASIC', 'ACTIVE', 'RTC_PREMIUM', $1, 1, $2, 'IM_PRO', $1, 1, $2, $1, NULL, false, 1,
  NULL, 0, 380000, 1234, $2, $2, $2, $3, $1, 'MANUAL_RENEW'
FROM application ORDER BY sdk_app_id"""
RESET = """UPDATE package SET status = 'ACTIVE', ended_at = NULL, next_due_at = $1, next_due_kind = 'expire'"""
RAW_UPDATE = """UPDATE package SET status = 'EXPIRED', next_due_at = NULL, next_due_kind = NULL
WHERE next_due_at <= $1 AND status = 'ACTIVE' AND auto_renew = false"""
RAW_UPDATE_WITH_EVENTS = """WITH expired AS (
  UPDATE package SET status = 'EXPIRED', next_due_at = NULL, next_due_kind = NULL
  WHERE next_due_at <= $1 AND status = 'ACTIVE' AND auto_renew = false
  RETURNING id, account_id, application_id, rtc_code, im_code, rtc_expires_at, im_expires_at)
INSERT INTO event (account_id, sdk_app_id, type, data, occurred_at, sequence)
SELECT account_id, application_id, 'PACKAGE_EXPIRED',
  jsonb_build_object('packageId', id::text, 'components', jsonb_build_array(rtc_code, im_code),
                     'expiresAt', least(rtc_expires_at, im_expires_at)), $1,
  -- W-2: numbered per account after the events the sweep wrote for these rows a moment before
  1000000 + row_number() OVER (PARTITION BY account_id ORDER BY id)
FROM expired"""
VERIFY = """SELECT
  (SELECT count(*) FROM package) AS packages,
  (SELECT count(*) FROM package WHERE status = 'EXPIRED') AS expired,
  (SELECT count(*) FROM package WHERE next_due_at IS NOT NULL) AS still_due,
  (SELECT count(*) FROM event WHERE type = 'PACKAGE_EXPIRED') AS events,
  (SELECT count(*) FROM (
     SELECT p.id FROM package p
     LEFT JOIN event e ON e.type = 'PACKAGE_EXPIRED' AND (e.data->>'packageId')::bigint = p.id
     GROUP BY p.id HAVING count(e.id) <> 1) x) AS packages_without_exactly_one_event,
  (SELECT count(*) FROM event WHERE type <> 'PACKAGE_EXPIRED') AS other_events"""


async def prepare(conn: asyncpg.Connection, packages: int, accounts: int, kind: str | None = "expire") -> float:
    """`kind` is what `schedule()` stores in next_due_kind for these rows ('expire'); None leaves it
    unset, which keeps the rows off the set-based path (they then go through the per-row batches)."""
    start = time.perf_counter()
    await conn.execute(ACCOUNTS, ANCHOR, accounts)
    await conn.execute(APPS, ANCHOR, packages)
    await conn.execute(PACKAGES, ANCHOR, DUE, kind)
    await conn.execute("VACUUM ANALYZE account, application, package, event")
    return time.perf_counter() - start


async def timed_sweep(profile: bool) -> tuple[float, int, str | None]:
    from app.domain.timers import package_sweep

    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    done = await package_sweep.sweep(DUE)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - start
    report = None
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        report = out.getvalue()
    return seconds, done, report


async def main(args: argparse.Namespace) -> dict:
    load_at_start = common.loadavg()
    await common.fresh_environment()
    conn = await common.pg_connect()
    try:
        print(f"inserting {args.packages} ACTIVE packages due at {DUE.isoformat()} ({args.accounts} accounts)")
        prepare_seconds = await prepare(conn, args.packages, args.accounts, None if args.row_path else "expire")

        from app import db, live_events, redis_conn

        await db.init_db(common.BENCH_DATABASE_URL, pool_size=4)
        if not args.no_publish:
            live_events.install_publisher(await redis_conn.connect(common.BENCH_REDIS_URL))
        try:
            print("sweep …", flush=True)
            sweep_seconds, transitions, profile = await timed_sweep(args.profile)
        finally:
            if not args.no_publish:
                await redis_conn.close()
            await db.close_db()
        row = dict(await conn.fetchrow(VERIFY))
        verified = (
            row["expired"] == args.packages == row["packages"]
            and row["still_due"] == 0
            and row["events"] == args.packages
            and row["packages_without_exactly_one_event"] == 0
        )
        print(f"sweep: {sweep_seconds:.2f} s for {transitions} transitions; verification: {row}")

        # The same rows again, for the baselines.
        await conn.execute(RESET, DUE)
        await conn.execute("VACUUM ANALYZE package")
        start = time.perf_counter()
        raw_status = await conn.execute(RAW_UPDATE, DUE)
        raw_seconds = time.perf_counter() - start
        raw_rows = int(raw_status.split()[-1])
        await conn.execute(RESET, DUE)
        await conn.execute("VACUUM ANALYZE package, event")
        start = time.perf_counter()
        with_events_status = await conn.execute(RAW_UPDATE_WITH_EVENTS, DUE)
        with_events_seconds = time.perf_counter() - start
    finally:
        await conn.close()

    ratio = sweep_seconds / raw_seconds
    figures = {
        "parameters": {
            "packages": args.packages,
            "accounts": args.accounts,
            "due_at": DUE.isoformat(),
            "publish_after_commit": not args.no_publish,
            "batch": _batch_size(),
            "row_path": args.row_path,
        },
        "load_1min_at_start": load_at_start,
        "prepare_seconds": round(prepare_seconds, 2),
        "sweep": {
            "seconds": round(sweep_seconds, 3),
            "transitions": transitions,
            "packages_per_second": round(args.packages / sweep_seconds, 1),
        },
        "raw_update": {
            "seconds": round(raw_seconds, 3),
            "rows": raw_rows,
            "rows_per_second": round(raw_rows / raw_seconds, 1),
        },
        "raw_update_with_events": {
            "seconds": round(with_events_seconds, 3),
            "status": with_events_status,
            "note": "for information: one set-based statement that also writes the events",
        },
        "ratio": round(ratio, 2),
        "ratio_vs_update_with_events": round(sweep_seconds / with_events_seconds, 2),
        "goal": f"<= {GOAL}",
        "verdict": common.verdict(ratio, GOAL, higher_is_better=False),
        "verification": {**row, "ok": verified},
    }
    if profile:
        figures["profile_top"] = profile.splitlines()[:80]
    path = common.write_results("sweep", figures)
    print(f"raw UPDATE: {raw_seconds:.3f} s ({raw_rows} rows); UPDATE+events: {with_events_seconds:.3f} s")
    print(
        f"ratio {ratio:.1f}x (goal <= {GOAL}x): {figures['verdict']}; verification {'ok' if verified else 'FAILED'}"
        f"  -> {path}"
    )
    if not verified:
        raise SystemExit("sweep verification failed")
    return figures


def _batch_size() -> dict:
    from app.domain.timers import package_sweep

    return {k: getattr(package_sweep, k) for k in ("BATCH", "SET_BATCH") if hasattr(package_sweep, k)}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__.splitlines()[0])
    p.add_argument("--packages", type=int, default=100_000)
    p.add_argument("--accounts", type=int, default=1000)
    p.add_argument(
        "--no-publish",
        action="store_true",
        help="do not install the after-commit Redis publisher (live events, cache invalidation)",
    )
    p.add_argument(
        "--row-path",
        action="store_true",
        help="leave next_due_kind unset so the rows take the per-row batched path, not the set-based one",
    )
    p.add_argument("--profile", action="store_true", help="run the sweep under cProfile; top entries in the results")
    return p


if __name__ == "__main__":
    common.use_uvloop()
    asyncio.run(main(parser().parse_args()))
