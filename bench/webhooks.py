"""Issue 12: webhook delivery — deliveries per second to a local receiver, and the time from an
event's commit to its first attempt arriving (p50, p99).

Real clock. Events are written by the domain (`events.record` inside `tx.atomic()`, so the outbox
rows and the punctual relay job go exactly as in production); one `python -m app worker` process
runs the relay; the receiver is a uvicorn server on 127.0.0.1 in this process that answers 200 and
notes when each webhook-id first arrived.
  * latency: events committed one at a time, spaced out, to one endpoint;
  * throughput: a burst of events over many accounts (one endpoint each: first attempts to one
    endpoint are sequential by design, W-2), and a burst to a single endpoint.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time

from bench import common


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))], 4)


async def start_receiver():
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    arrived: dict[str, float] = {}

    async def hook(request: Request) -> Response:
        await request.body()
        arrived.setdefault(request.headers["webhook-id"], time.perf_counter())
        return Response("ok")

    port = common.free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/hook", hook, methods=["POST"])]),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return f"http://127.0.0.1:{port}/hook", arrived, server, task


async def accounts_with_endpoints(n: int, url: str) -> list[int]:
    from app import clock
    from app.domain.accounts.caller import Caller
    from app.domain.accounts.models import Account
    from app.domain.webhooks import endpoints

    now = await clock.now()
    ids = []
    for i in range(n):
        account = await Account.create(name=f"wh {i}", created_at=now)
        await endpoints.create(
            Caller(role="CUSTOMER", account_id=account.id), url=url, event_types=None, description=None, at=now
        )
        ids.append(account.id)
    return ids


async def commit_event(account_id: int) -> tuple[int, float]:
    from app import clock
    from app.domain import tx
    from app.domain.events import service as events

    async with tx.atomic():
        event = await events.record(
            "BALANCE_CREDITED", account_id=account_id, at=await clock.now(), data={"bench": True}
        )
    return event.id, time.perf_counter()


async def wait_all(arrived: dict, ids, timeout: float) -> float:
    deadline = time.perf_counter() + timeout
    while not all(str(i) in arrived for i in ids):
        if time.perf_counter() > deadline:
            break
        await asyncio.sleep(0.005)
    return time.perf_counter()


async def run(latency_events: int, burst_accounts: int, burst_per_account: int, single_burst: int) -> dict:
    os.environ.update(
        DATABASE_URL=common.BENCH_DATABASE_URL,
        REDIS_URL=common.BENCH_REDIS_URL,
        CLOCK_MODE="real",
        WEBHOOKS_ALLOW_PRIVATE="true",
    )
    from app.settings import get_settings

    get_settings.cache_clear()
    await common.fresh_environment()
    from arq import create_pool

    from app import db, redis_conn
    from workers import enqueue
    from workers.settings import redis_settings

    await db.init_db(common.BENCH_DATABASE_URL, pool_size=8)
    pool = await create_pool(redis_settings(common.BENCH_REDIS_URL), default_queue_name=redis_conn.key("arq:queue"))
    enqueue.install(pool)
    url, arrived, server, task = await start_receiver()
    worker = subprocess.Popen(
        [sys.executable, "-m", "app", "worker"],
        cwd=common.ROOT,
        env={**os.environ},  # noqa: ASYNC220
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await asyncio.sleep(4)  # the worker's start-up
        accounts = await accounts_with_endpoints(burst_accounts, url)

        # commit → first attempt received, one event at a time
        latencies = []
        for _ in range(latency_events):
            event_id, committed = await commit_event(accounts[0])
            await wait_all(arrived, [event_id], 30)
            if str(event_id) in arrived:
                latencies.append(arrived[str(event_id)] - committed)
            await asyncio.sleep(0.02)

        # throughput over many endpoints: all events committed first (concurrently), then timed
        started = time.perf_counter()
        burst = await asyncio.gather(*[commit_event(a) for a in accounts for _ in range(burst_per_account)])
        ids = [i for i, _ in burst]
        done = await wait_all(arrived, ids, 300)
        received = sum(str(i) in arrived for i in ids)
        many_rate = received / (done - started)

        started = time.perf_counter()
        single = [(await commit_event(accounts[0]))[0] for _ in range(single_burst)]
        done = await wait_all(arrived, single, 300)
        single_received = sum(str(i) in arrived for i in single)
        single_rate = single_received / (done - started)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        server.should_exit = True
        await task
        await pool.aclose()
        from app.domain.webhooks import delivery

        await delivery.close()
        await db.close_db()
    return {
        "parameters": {
            "latency_events": latency_events,
            "burst_accounts": burst_accounts,
            "burst_per_account": burst_per_account,
            "single_endpoint_burst": single_burst,
            "worker_processes": 1,
        },
        "commit_to_first_attempt_seconds": {
            "p50": percentile(latencies, 0.5),
            "p99": percentile(latencies, 0.99),
            "max": round(max(latencies), 4) if latencies else None,
            "mean": round(statistics.mean(latencies), 4) if latencies else None,
            "samples": len(latencies),
        },
        "deliveries_per_second": {"many_endpoints": round(many_rate, 1), "one_endpoint": round(single_rate, 1)},
        "delivered": {"many_endpoints": f"{received}/{len(ids)}", "one_endpoint": f"{single_received}/{single_burst}"},
        "goal": "first attempt within 1 s of the commit (p99), without waiting for the 5 s cron",
        "verdict": "meets goal"
        if latencies and percentile(latencies, 0.99) < 1.0 and received == len(ids)
        else "BELOW GOAL",
    }


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.splitlines()[0])
    p.add_argument("--latency-events", type=int, default=100)
    p.add_argument("--accounts", type=int, default=20)
    p.add_argument("--per-account", type=int, default=50)
    p.add_argument("--single", type=int, default=300)
    args = p.parse_args()
    common.use_uvloop()
    figures = asyncio.run(run(args.latency_events, args.accounts, args.per_account, args.single))
    path = common.write_results("webhooks", figures)
    lat = figures["commit_to_first_attempt_seconds"]
    rate = figures["deliveries_per_second"]
    print(
        f"webhooks: commit → first attempt p50 {lat['p50']} s, p99 {lat['p99']} s; "
        f"{rate['many_endpoints']} deliveries/s over {args.accounts} endpoints, "
        f"{rate['one_endpoint']}/s to one endpoint → {path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
