"""Issue 5 item 5: recordUsage events/s in batches of 1,000 through the real server.

SERVICE token; events spread over --apps applications, 3 of 4 with an ACTIVE package (so the
allowance is rated and the package rows are locked) and the rest without (all billable); random
kinds and minutes, occurred in the last hour, unique eventIds. Request bodies are serialised
before the clock starts. Goal: ≥ 20,000 events/s. For reference, the same batches written by a
bare `INSERT … SELECT unnest(…) ON CONFLICT DO NOTHING` at the same concurrency are timed in the
same run (what the database alone can take).

    .venv/bin/python -m bench.usage [--batches 40] [--batch-size 1000] [--concurrency 4] [--apps 200]
"""

import argparse
import asyncio
import json
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

from bench import common
from bench.entitlements import PACKAGES

GOAL_EVENTS_PER_SECOND = 20_000
KINDS = ["AUDIO", "VIDEO_SD", "VIDEO_HD", "VIDEO_FHD", "VIDEO_2K", "VIDEO_4K"]
RECORD_USAGE = """mutation($events: [UsageEventInput!]!) {
  recordUsage(events: $events) { accepted duplicates errors { code field message } } }"""
BARE_INSERT = """INSERT INTO usage_record (event_id, sdk_app_id, account_id, kind, minutes, standard_minutes,
  included_minutes, billable_minutes, package_id, trial, occurred_at, day, recorded_at)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[],
  $8::bigint[], $9::bigint[], $10::bool[], $11::timestamptz[], $12::date[], $13::timestamptz[])
ON CONFLICT (event_id) DO NOTHING"""


def make_batches(prefix: str, count: int, size: int, apps: list[int], rng: random.Random) -> list[list[dict]]:
    now = datetime.now(UTC)
    batches = []
    for b in range(count):
        batch = []
        for i in range(size):
            at = now - timedelta(seconds=rng.randint(60, 3600))
            batch.append(
                {
                    "eventId": f"{prefix}-{b}-{i}",
                    "sdkAppId": rng.choice(apps),
                    "kind": rng.choice(KINDS),
                    "minutes": rng.randint(1, 60),
                    "occurredAt": at.isoformat(),
                }
            )
        batches.append(batch)
    return batches


async def bare_ingest(pool: asyncpg.Pool, batch: list[dict], owner: dict[int, int]) -> None:
    now = datetime.now(UTC)
    rows = [
        (
            e["eventId"] + "-bare",
            e["sdkAppId"],
            owner[e["sdkAppId"]],
            e["kind"],
            e["minutes"],
            e["minutes"],
            0,
            e["minutes"],
            None,
            False,
            datetime.fromisoformat(e["occurredAt"]),
            date.today(),
            now,
        )
        for e in batch
    ]
    columns = [list(c) for c in zip(*rows)]
    async with pool.acquire() as conn:
        await conn.execute(BARE_INSERT, *columns)


async def main(args: argparse.Namespace) -> dict:
    load_at_start = common.loadavg()
    await common.fresh_environment()
    c, size = args.concurrency, args.batch_size
    rng = random.Random(args.seed)
    async with common.Server("usage", db_pool_size=args.db_pool) as server:
        async with common.client(server, c) as http:
            owners = [await common.new_account(http, f"bench-{i}") for i in range(args.accounts)]
            account_ids = [a for a, _ in owners]
            service = await common.service_token(http)
            conn = await common.pg_connect()
            try:
                apps = (await common.insert_apps(conn, account_ids, -(-args.apps // args.accounts), "use"))[: args.apps]
                await conn.execute(PACKAGES, apps)
                owner = {
                    r["sdk_app_id"]: r["account_id"]
                    for r in await conn.fetch(
                        "SELECT sdk_app_id, account_id FROM application WHERE sdk_app_id = ANY($1::bigint[])", apps
                    )
                }
            finally:
                await conn.close()

            run_id = uuid.uuid4().hex[:8]
            warm = make_batches(f"{run_id}-w", args.warmup, size, apps, rng)
            batches = make_batches(run_id, args.batches, size, apps, rng)
            headers = {"Authorization": f"Bearer {service}", "Content-Type": "application/json"}
            bodies = [json.dumps({"query": RECORD_USAGE, "variables": {"events": b}}).encode() for b in warm + batches]

            async def send(i: int) -> dict:
                r = await http.post("/graphql", content=bodies[i], headers=headers)
                body = r.json()
                if r.status_code != 200 or body.get("errors"):
                    raise common.GraphQLFailure(f"HTTP {r.status_code}: {str(body)[:500]}")
                return body["data"]["recordUsage"]

            print(f"recordUsage: {args.warmup} warm-up + {args.batches} batches of {size}, concurrency {c}")
            await common.drive(args.warmup, c, send, server)
            run = await common.drive(args.batches, c, lambda i: send(args.warmup + i), server)
            accepted = sum(r["accepted"] for r in run.results)
            duplicates = sum(r["duplicates"] for r in run.results)
            errors = [e for r in run.results for e in r["errors"]]

            pool = await common.pg_pool(c)
            try:
                bare = await common.drive(args.batches, c, lambda i: bare_ingest(pool, batches[i], owner))
                stored = await pool.fetchval("SELECT count(*) FROM usage_record WHERE event_id LIKE $1 || '-%'", run_id)
            finally:
                await pool.close()
        launch = server.notes()

    total = args.batches * size
    events_per_second = total / run.seconds
    bare_rate = total / bare.seconds
    api = run.summary("batches")
    figures = {
        "parameters": {
            "batches": args.batches,
            "batch_size": size,
            "warmup_batches": args.warmup,
            "concurrency": c,
            "apps": len(apps),
            "apps_with_package": sum(1 for i in range(len(apps)) if (i + 1) % 4),
            "db_pool": args.db_pool,
            "seed": args.seed,
        },
        "load_1min_at_start": load_at_start,
        "server": {
            **api,
            "events_per_second": round(events_per_second, 1),
            "accepted": accepted,
            "duplicates": duplicates,
            "errors": len(errors),
            "first_errors": errors[:3],
        },
        "events_per_second": round(events_per_second, 1),
        "goal": f">= {GOAL_EVENTS_PER_SECOND} events/s",
        "verdict": "meets goal" if events_per_second >= GOAL_EVENTS_PER_SECOND else "BELOW GOAL",
        "bare_sql_insert": {**bare.summary("batches"), "events_per_second": round(bare_rate, 1)},
        "ratio_vs_bare_sql_insert": round(events_per_second / bare_rate, 4),
        # Every event the server took (warm-up included), plus each measured one again (suffix -bare).
        "stored_rows_for_run": stored,
        "stored_rows_expected": (args.warmup + 2 * args.batches) * size,
        "server_launch": launch,
    }
    ok = accepted == total and not errors and stored == (args.warmup + 2 * args.batches) * size
    figures["verification_ok"] = ok
    path = common.write_results("usage", figures)
    print(
        f"recordUsage: {api['batches_per_second']:.2f} batches/s = {events_per_second:.0f} events/s "
        f"(p50 {api['latency_ms']['p50']} ms per batch, server CPU {api.get('server_cpu_utilisation')}); "
        f"accepted {accepted}/{total}, errors {len(errors)}"
    )
    print(
        f"bare SQL insert: {bare_rate:.0f} events/s; goal >= {GOAL_EVENTS_PER_SECOND} events/s: "
        f"{figures['verdict']}  -> {path}"
    )
    return figures


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.usage", description=__doc__.splitlines()[0])
    p.add_argument("--batches", type=int, default=40, help="measured batches")
    p.add_argument("--batch-size", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--concurrency", type=int, default=4, help="batches in flight")
    p.add_argument("--apps", type=int, default=200)
    p.add_argument("--accounts", type=int, default=10)
    p.add_argument("--db-pool", type=int, default=10)
    p.add_argument("--seed", type=int, default=7)
    return p


if __name__ == "__main__":
    common.use_uvloop()
    asyncio.run(main(parser().parse_args()))
