"""Issue 5 item 5: entitlements(sdkAppId) queries/s with a warm cache vs a bare `{ __typename }` query.

Both go to the same real server, in the same run, at the same concurrency, with the same SERVICE
token (so both pay the same authentication). Phases alternate (typename, entitlements, typename,
entitlements, …) and each kind's median rate is used. Goal: entitlements ≥ 0.8 × typename.
A tokenless `{ __typename }` phase is reported for information (the floor of the HTTP + GraphQL
stack without authentication).

    .venv/bin/python -m bench.entitlements [--apps 200] [--requests 3000] [--concurrency 32] [--rounds 3]
"""

import argparse
import asyncio
import statistics

from bench import common

GOAL = 0.8
TYPENAME = "{ __typename }"
ENTITLEMENTS = """query($app: Int!) { entitlements(sdkAppId: $app) { sdkAppId edition featuresUnlocked serviceActive
  reason limits { maxParticipants maxVideoStreams resolutions } features includedMinutesLeft } }"""

# An ACTIVE BASIC package for 3 of every 4 apps (the 4th has none: NO_PACKAGE), valid for a year.
PACKAGES = """INSERT INTO package (application_id, account_id, edition, status, rtc_code, rtc_anchor, rtc_months,
  rtc_expires_at, im_code, im_anchor, im_months, im_expires_at, started_at, auto_renew, auto_renew_months,
  allowance_month, allowance_granted, allowance_used, reminded_7d_for, reminded_1d_for, next_due_at, next_due_kind,
  created_at, renew_flag)
SELECT a.sdk_app_id, a.account_id, 'BASIC', 'ACTIVE', 'RTC_PREMIUM', now(), 12, now() + interval '1 year', 'IM_PRO',
  now(), 12, now() + interval '1 year', now(), false, 1, 0, 380000, 0, NULL, NULL, now() + interval '1 month',
  'allowance', now(), 'MANUAL_RENEW'
FROM unnest($1::bigint[]) WITH ORDINALITY AS x(id, n) JOIN application a ON a.sdk_app_id = x.id
WHERE x.n % 4 <> 0"""


async def db_transactions() -> int:
    conn = await common.pg_connect()
    try:
        return await conn.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1",
            common.BENCH_DATABASE_URL.rsplit("/", 1)[-1].split("?")[0],
        )
    finally:
        await conn.close()


async def main(args: argparse.Namespace) -> dict:
    load_at_start = common.loadavg()
    await common.fresh_environment()
    c = args.concurrency
    async with common.Server("entitlements", db_pool_size=args.db_pool) as server:
        async with common.client(server, c) as http:
            owners = [await common.new_account(http, f"bench-{i}") for i in range(args.accounts)]
            account_ids = [a for a, _ in owners]
            service = await common.service_token(http)
            conn = await common.pg_connect()
            try:
                apps = await common.insert_apps(conn, account_ids, -(-args.apps // args.accounts), "ent")
                apps = apps[: args.apps]
                await conn.execute(PACKAGES, apps)
            finally:
                await conn.close()

            async def typename(_: int, token: str | None = service) -> bool:
                return (await common.gql(http, TYPENAME, None, token))["__typename"] == "Query"

            async def entitlements(i: int) -> bool:
                app = apps[i % len(apps)]
                return (await common.gql(http, ENTITLEMENTS, {"app": app}, service))["entitlements"]["sdkAppId"] == app

            # Warm: every app's entry computed and cached once; the app → account map filled.
            warm = await common.drive(len(apps), c, entitlements, server)
            if not all(warm.results):
                raise SystemExit("warm-up answered the wrong app")
            await common.drive(min(500, args.requests), c, typename, server)

            runs: dict[str, list] = {"typename": [], "entitlements": []}
            for r in range(args.rounds):
                for name, call in (("typename", typename), ("entitlements", entitlements)):
                    before = await db_transactions()
                    run = await common.drive(args.requests, c, call, server)
                    await asyncio.sleep(1.2)  # pg_stat counters are flushed within a second
                    after = await db_transactions()
                    if not all(run.results):
                        raise SystemExit(f"{name}: wrong answers")
                    runs[name].append(
                        {
                            **run.summary("queries"),
                            "db_transactions_per_query": round((after - before) / args.requests, 2),
                        }
                    )
                    print(f"round {r + 1} {name}: {run.rate:.0f}/s (p50 {run.summary()['latency_ms']['p50']} ms)")
            anonymous = await common.drive(args.requests, c, lambda i: typename(i, None), server)
            cached_keys = len(await _redis_keys("ent:[0-9]*"))
        launch = server.notes()

    typename_rate = statistics.median(r["queries_per_second"] for r in runs["typename"])
    ent_rate = statistics.median(r["queries_per_second"] for r in runs["entitlements"])
    ratio = ent_rate / typename_rate
    # Less sensitive to other load on the machine: server CPU time per query of each kind.
    typename_cpu = statistics.median(r["server_cpu_ms_per_op"] for r in runs["typename"])
    ent_cpu = statistics.median(r["server_cpu_ms_per_op"] for r in runs["entitlements"])
    figures = {
        "parameters": {
            "apps": len(apps),
            "apps_with_package": sum(1 for i in range(len(apps)) if (i + 1) % 4),
            "requests_per_phase": args.requests,
            "concurrency": c,
            "rounds": args.rounds,
            "db_pool": args.db_pool,
            "token": "SERVICE (both kinds)",
        },
        "load_1min_at_start": load_at_start,
        "typename_queries_per_second": round(typename_rate, 1),
        "entitlements_queries_per_second": round(ent_rate, 1),
        "ratio": round(ratio, 4),
        "goal": f">= {GOAL}",
        "verdict": common.verdict(ratio, GOAL),
        "server_cpu_ms_per_query": {"typename": typename_cpu, "entitlements": ent_cpu},
        "ratio_by_server_cpu": round(typename_cpu / ent_cpu, 4),
        "typename_without_token_queries_per_second": round(anonymous.rate, 1),
        "typename_without_token_server_cpu_ms_per_query": anonymous.summary()["server_cpu_ms_per_op"],
        "ratio_vs_typename_without_token": round(ent_rate / anonymous.rate, 4),
        "cached_entries": cached_keys,
        "phases": runs,
        "server_launch": launch,
    }
    path = common.write_results("entitlements", figures)
    print(f"typename {typename_rate:.0f}/s, entitlements {ent_rate:.0f}/s, tokenless typename {anonymous.rate:.0f}/s")
    print(
        f"server CPU per query: typename {typename_cpu} ms, entitlements {ent_cpu} ms "
        f"(ratio by CPU {figures['ratio_by_server_cpu']})"
    )
    print(f"ratio {ratio:.3f} (goal >= {GOAL}): {figures['verdict']}  -> {path}")
    return figures


async def _redis_keys(pattern: str) -> list:
    from redis.asyncio import Redis

    r = Redis.from_url(common.BENCH_REDIS_URL)
    try:
        return [k async for k in r.scan_iter(pattern)]
    finally:
        await r.aclose()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.entitlements", description=__doc__.splitlines()[0])
    p.add_argument("--apps", type=int, default=200)
    p.add_argument("--accounts", type=int, default=10)
    p.add_argument("--requests", type=int, default=3000, help="requests per measured phase")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--rounds", type=int, default=3, help="alternating typename/entitlements rounds")
    p.add_argument("--db-pool", type=int, default=10)
    return p


if __name__ == "__main__":
    common.use_uvloop()
    asyncio.run(main(parser().parse_args()))
