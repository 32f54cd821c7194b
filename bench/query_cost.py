"""Issue 14 (H-4): what the query-cost meter costs, on `{ __typename }` with a token.

One real server, same run, same concurrency. Phases alternate: `{ __typename }` with a SERVICE
token (authenticated, not metered) and with a CUSTOMER token (authenticated and metered: the cost
walk of the document and one Lua call on Redis per request; `__typename` costs 0 points, so the
bucket never refuses and only the meter's own cost is measured). Each kind's median rate and
server CPU per query are reported. Goal: metered ≥ 0.85 × unmetered.

    .venv/bin/python -m bench.query_cost [--requests 3000] [--concurrency 32] [--rounds 3]
"""

import argparse
import asyncio
import statistics
import tempfile

from bench import common

GOAL = 0.85
TYPENAME = "{ __typename }"


async def main(args: argparse.Namespace) -> dict:
    load_at_start = common.loadavg()
    await common.fresh_environment()
    c = args.concurrency
    server = common.Server("query_cost", db_pool_size=args.db_pool)
    server.env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="rk-bench-metrics-")
    async with server:
        async with common.client(server, c) as http:
            _, customer = await common.new_account(http, "bench-metered")
            service = await common.service_token(http)
            metered_seen = (
                await http.post("/graphql", json={"query": TYPENAME}, headers={"Authorization": f"Bearer {customer}"})
            ).json()
            if metered_seen.get("extensions", {}).get("cost", {}).get("requestedQueryCost") != 0:
                raise SystemExit(f"the CUSTOMER answer is not metered: {metered_seen}")

            def typename(token: str):
                async def call(_: int) -> bool:
                    return (await common.gql(http, TYPENAME, None, token))["__typename"] == "Query"

                return call

            await common.drive(min(500, args.requests), c, typename(service), server)  # warm
            runs: dict[str, list] = {"unmetered_service": [], "metered_customer": []}
            for r in range(args.rounds):
                for name, token in (("unmetered_service", service), ("metered_customer", customer)):
                    run = await common.drive(args.requests, c, typename(token), server)
                    if not all(run.results):
                        raise SystemExit(f"{name}: wrong answers")
                    runs[name].append(run.summary("queries"))
                    print(f"round {r + 1} {name}: {run.rate:.0f}/s (p50 {run.summary()['latency_ms']['p50']} ms)")

    rate = {k: statistics.median(r["queries_per_second"] for r in v) for k, v in runs.items()}
    cpu = {k: statistics.median(r["server_cpu_ms_per_op"] for r in v) for k, v in runs.items()}
    ratio = rate["metered_customer"] / rate["unmetered_service"]
    figures = {
        "parameters": {
            "requests_per_phase": args.requests,
            "concurrency": c,
            "rounds": args.rounds,
            "db_pool": args.db_pool,
            "query": TYPENAME,
        },
        "load_1min_at_start": load_at_start,
        "unmetered_service_queries_per_second": round(rate["unmetered_service"], 1),
        "metered_customer_queries_per_second": round(rate["metered_customer"], 1),
        "ratio": round(ratio, 4),
        "goal": f">= {GOAL}",
        "verdict": common.verdict(ratio, GOAL),
        "server_cpu_ms_per_query": cpu,
        "meter_server_cpu_ms_per_query": round(cpu["metered_customer"] - cpu["unmetered_service"], 3),
        "phases": runs,
        "server_launch": server.notes(),
    }
    path = common.write_results("query_cost", figures)
    print(
        f"unmetered {rate['unmetered_service']:.0f}/s, metered {rate['metered_customer']:.0f}/s, ratio {ratio:.3f}"
        f" (goal >= {GOAL}): {figures['verdict']}; meter ≈ {figures['meter_server_cpu_ms_per_query']} ms CPU"
        f" per query  -> {path}"
    )
    return figures


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.query_cost", description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=3000, help="requests per measured phase")
    p.add_argument("--concurrency", type=int, default=32)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--db-pool", type=int, default=10)
    return p


if __name__ == "__main__":
    common.use_uvloop()
    asyncio.run(main(parser().parse_args()))
