"""Issue 10: the product's hot paths against bare-stack anchors, in one run, interleaved.

Each round measures anchor, product, anchor, product …; three rounds; the medians are compared:

| product                                                      | anchor                                |
| `entitlements(sdkAppId)`, every contract field, SERVICE token | bare Strawberry `{ hello }`           |
| `{ __typename }` with a SERVICE token                         | bare Strawberry `{ hello }`           |
| `featureMatrix`, every contract field, no token               | bare Strawberry no-DB 4×30 matrix     |
| `purchasePackage` end to end, 16 httpx clients                | raw-asyncpg purchase-shaped tx, 16 tasks |

HTTP loads are driven by wrk (32 connections, 2 threads, Lua script for the POST body, `--latency`
for p50/p99), a separate process; purchases by httpx clients in this process (a separate process
from the server). The bare app (bench/bare_app.py) runs in one uvicorn worker with uvloop and
httptools; the product is `python -m app serve` (CLOCK_MODE=real). Entitlements and purchases are
measured with 1 and with 2 API processes (WEB_CONCURRENCY). After the purchases the ledger audit
runs (zero money mismatches expected); recordUsage comes from bench.usage; the API's RSS is read
after the load. Results: bench/results/stack.json and a table on stdout.

    .venv/bin/python -m bench.stack [--seconds 5] [--rounds 3] [--purchases 400]
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil

from bench import bare_app, common
from bench import purchase as purchase_bench

ENTITLEMENTS = """query($app: Int!) { entitlements(sdkAppId: $app) { sdkAppId edition featuresUnlocked serviceActive
  reason limits { maxParticipants maxVideoStreams resolutions } features includedMinutesLeft } }"""
FEATURE = "feature { code group name }"
EDITION = f"""code name listPrice {{ amount currency }} currentPrice {{ amount currency }} trialDays maxParticipants
  maxVideoStreams resolutions includedMinutes includedDau includedPeakGroups features {{ {FEATURE} included value }}"""
FEATURE_MATRIX = (
    f"{{ featureMatrix {{ editions {{ {EDITION} }} rows {{ {FEATURE} values {{ {FEATURE} included value }} }} }} }}"
)
TYPENAME = "{ __typename }"
GOALS = {"entitlements": 0.8, "featureMatrix": 1.0, "typename": 0.8, "purchase": 0.15}
USAGE_GOAL = 20_000
# The recordUsage goal is the one absolute figure ("≥ 20,000 events/s kept": what this
# commit's code measured when the issue was filed, on a machine where bare `{ hello }` served
# 5,158 req/s). Besides the absolute figure, the run measures that commit's code on this machine,
# same workload, as the anchor of "kept" (docs/decisions.md, "recordUsage on a slower machine").
FILING_COMMIT = "72183ba"
RSS_GOAL_MB = 200
CONNECTIONS = 32
PURCHASE_CLIENTS = 16
LUA = """wrk.method = "POST"
wrk.body = {body}
wrk.headers["Content-Type"] = "application/json"
{auth}
"""


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def script(directory: Path, name: str, query: str, variables: dict | None = None, token: str | None = None) -> Path:
    body = json.dumps({"query": query, "variables": variables or {}})
    auth = f'wrk.headers["Authorization"] = {lua_string("Bearer " + token)}' if token else ""
    path = directory / f"{name}.lua"
    path.write_text(LUA.format(body=lua_string(body), auth=auth))
    return path


def parse_wrk(text: str) -> dict:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
        return round(float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit], 3)

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    latency = {f"p{p}": ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.MULTILINE)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    socket_errors = re.search(r"Socket errors: (.*)", text)
    return {
        "requests_per_second": rate,
        "latency_ms": latency,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else None,
    }


def wrk(url: str, lua: Path, seconds: float) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "--latency", "-s", str(lua), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    result = parse_wrk(out)
    if result["non_2xx"] or result["socket_errors"]:
        print(f"  (wrk reported errors: {result['non_2xx']} non-2xx, {result['socket_errors']})", flush=True)
    return result


class Bare:
    """The anchor app in its own uvicorn (one worker, uvloop, httptools)."""

    def __init__(self):
        self.port = common.free_port()
        self.url = f"http://127.0.0.1:{self.port}/graphql"

    def __enter__(self):
        self.log = open(common.RESULTS / "bare.server.log", "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.bare_app:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--workers",
                "1",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=common.ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        import httpx

        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.post(self.url, json={"query": "{ hello }"}, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("the bare app did not start; see bench/results/bare.server.log")
            time.sleep(0.2)

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(10)
        self.log.close()


def rss_mb(pid: int) -> float:
    """The API's resident memory: the largest of its processes (uvicorn's supervisor and workers)."""
    process = psutil.Process(pid)
    return round(max(p.memory_info().rss for p in [process, *process.children(recursive=True)]) / 2**20, 1)


def median_of(runs: list[dict]) -> dict:
    rates = [r["requests_per_second"] for r in runs]
    middle = sorted(runs, key=lambda r: r["requests_per_second"])[len(runs) // 2]
    return {
        "requests_per_second": round(statistics.median(rates), 1),
        "runs": rates,
        "latency_ms": middle["latency_ms"],
    }


async def purchase_run(server: common.Server, http, apps: list[int], owner_of: dict, tokens: dict) -> dict:
    run_id = uuid.uuid4().hex[:8]

    async def buy(app: int):
        variables = {
            "input": {
                "sdkAppId": app,
                "edition": "BASIC",
                "months": 1,
                "acceptAgreements": True,
                "idempotencyKey": f"{run_id}-{app}",
                "autoRenew": False,
            }
        }
        data = await common.gql(http, purchase_bench.PURCHASE, variables, tokens[owner_of[app]])
        # Refusals count as failures; the money itself is checked by the ledger audit afterwards
        # (only an account's first order gets the first-order campaign price, so amounts differ).
        return data["purchasePackage"]["errors"] or None

    run = await common.drive(len(apps), PURCHASE_CLIENTS, lambda i: buy(apps[i]), server)
    summary = run.summary("purchases")
    failures = [r for r in run.results if r]
    return {
        "requests_per_second": summary["purchases_per_second"],
        "latency_ms": summary["latency_ms"],
        "failed": len(failures),
        "first_failures": failures[:3],
    }


async def raw_run(accounts: list[int], apps: list[int]) -> dict:
    pool = await common.pg_pool(PURCHASE_CLIENTS)
    try:
        run = await common.drive(
            len(apps),
            PURCHASE_CLIENTS,
            lambda i: purchase_bench.bare_purchase(pool, accounts[i % len(accounts)], apps[i]),
        )
    finally:
        await pool.close()
    summary = run.summary("transactions")
    return {"requests_per_second": summary["transactions_per_second"], "latency_ms": summary["latency_ms"]}


def uptime() -> str:
    """The machine's load, recorded with the figures: the benchmark shares 2 cores with others."""
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def audit() -> dict:
    env = {**os.environ, "DATABASE_URL": common.BENCH_DATABASE_URL}
    done = subprocess.run(
        [sys.executable, "-m", "app", "audit"], cwd=common.ROOT, env=env, capture_output=True, text=True, check=False
    )
    return {"exit_code": done.returncode, "output": done.stdout.strip().splitlines()[-1:]}


async def measure_processes(processes: int, args, work: Path, shared: dict, rounds: dict) -> dict:
    """Every pairing for one API process count; returns the RSS after the load."""
    os.environ["WEB_CONCURRENCY"] = str(processes)
    async with common.Server(f"stack-{processes}api", db_pool_size=10) as server:
        url = f"{server.base_url}/graphql"
        async with common.client(server, PURCHASE_CLIENTS) as http:
            if "service" not in shared:
                await setup(http, shared, args)
            lua = {
                "hello": script(work, "hello", bare_app.HELLO),
                "matrix": script(work, "matrix", bare_app.MATRIX),
                "entitlements": script(
                    work, "entitlements", ENTITLEMENTS, {"app": shared["ent_app"]}, shared["service"]
                ),
                "typename": script(work, "typename", TYPENAME, token=shared["service"]),
                "featureMatrix": script(work, "featureMatrix", FEATURE_MATRIX),
            }
            for name in ("entitlements", "typename", "featureMatrix"):  # warm: caches filled, tokens known
                wrk(url, lua[name], 1)
            pairs = [("hello", "entitlements"), ("hello", "typename"), ("matrix", "featureMatrix")]
            if processes > 1:
                pairs = [("hello", "entitlements")]
            with Bare() as bare:
                wrk(bare.url, lua["hello"], 1)
                for r in range(args.rounds):
                    for anchor, product in pairs:
                        print(f"[{processes} API] round {r + 1}: {anchor} (bare) / {product} (product)", flush=True)
                        rounds.setdefault(f"{anchor}@bare/{product}@{processes}api", {"anchor": [], "product": []})
                        entry = rounds[f"{anchor}@bare/{product}@{processes}api"]
                        entry["anchor"].append(wrk(bare.url, lua[anchor], args.seconds))
                        entry["product"].append(wrk(url, lua[product], args.seconds))
            for r in range(args.rounds):
                print(f"[{processes} API] round {r + 1}: raw purchase transaction / purchasePackage", flush=True)
                entry = rounds.setdefault(f"raw/purchase@{processes}api", {"anchor": [], "product": []})
                raw_apps, api_apps = shared["raw_apps"].pop(), shared["api_apps"].pop()
                entry["anchor"].append(await raw_run(shared["accounts"], raw_apps))
                entry["product"].append(
                    await purchase_run(server, http, api_apps, shared["owner_of"], shared["tokens"])
                )
        rss = rss_mb(server.process.pid)
    return {"rss_mb_after_load": rss}


async def setup(http, shared: dict, args) -> None:
    owners = await asyncio.gather(*(common.new_account(http, f"stack-{i}") for i in range(PURCHASE_CLIENTS)))
    accounts = [a for a, _ in owners]
    for a in accounts:
        await common.credit(http, a, "100000000.00", f"fund-{a}")
    shared["accounts"], shared["tokens"] = accounts, {a: t for a, t in owners}
    shared["service"] = await common.service_token(http)
    conn = await common.pg_connect()
    try:
        sets = 2 * args.rounds  # 1 and 2 API processes
        per_account = -(-args.purchases // len(accounts))
        raw, api = [], []
        for s in range(sets):
            raw.append((await common.insert_apps(conn, accounts, per_account, f"raw{s}"))[: args.purchases])
            api.append((await common.insert_apps(conn, accounts, per_account, f"api{s}"))[: args.purchases])
        ent_app = (await common.insert_apps(conn, accounts[:1], 1, "ent"))[0]
    finally:
        await conn.close()
    shared["raw_apps"], shared["api_apps"] = raw, api
    shared["owner_of"] = {app: accounts[i % len(accounts)] for group in api for i, app in enumerate(group)}
    shared["owner_of"][ent_app] = accounts[0]
    data = await common.gql(
        http,
        purchase_bench.PURCHASE,
        {
            "input": {
                "sdkAppId": ent_app,
                "edition": "BASIC",
                "months": 1,
                "acceptAgreements": True,
                "idempotencyKey": "ent",
                "autoRenew": False,
            }
        },
        shared["tokens"][accounts[0]],
    )
    assert data["purchasePackage"]["errors"] == [], data
    shared["ent_app"] = ent_app


def usage_figures(args) -> dict:
    if args.skip_usage:
        return {}
    code = subprocess.call(
        [sys.executable, "-m", "bench.usage", "--batches", str(args.usage_batches), "--concurrency", "4"],
        cwd=common.ROOT,
    )
    if code != 0:
        return {"error": f"bench.usage exited {code}"}
    figures = json.loads((common.RESULTS / "usage.json").read_text())
    return {
        "events_per_second": figures["events_per_second"],
        "latency_ms": figures["server"].get("latency_ms"),
        "bare_sql_insert_events_per_second": figures["bare_sql_insert"]["events_per_second"],
        "ratio_vs_bare_sql_insert": figures["ratio_vs_bare_sql_insert"],
    }


def filing_usage(args) -> dict:
    """bench.usage of the code at FILING_COMMIT, checked out in a temporary git worktree and run by
    this interpreter (its own `app` and `bench` packages come first on the path)."""
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "filing"
        added = subprocess.run(
            ["git", "worktree", "add", "--detach", str(path), FILING_COMMIT], cwd=common.ROOT, capture_output=True
        )
        if added.returncode != 0:
            return {"error": f"git worktree add {FILING_COMMIT}: {added.stderr.decode()[-300:]}"}
        try:
            code = subprocess.call(
                [sys.executable, "-m", "bench.usage", "--batches", str(args.usage_batches), "--concurrency", "4"],
                cwd=path,
            )
            if code != 0:
                return {"error": f"bench.usage at {FILING_COMMIT} exited {code}"}
            figures = json.loads((path / "bench" / "results" / "usage.json").read_text())
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=common.ROOT, capture_output=True)
    return {"commit": FILING_COMMIT, "events_per_second": figures["events_per_second"]}


def ratios(rounds: dict) -> dict:
    out = {}
    for name, entry in rounds.items():
        anchor, product = median_of(entry["anchor"]), median_of(entry["product"])
        workload = name.split("/")[1].split("@")[0]
        ratio = product["requests_per_second"] / anchor["requests_per_second"]
        goal = GOALS[workload]
        failed = sum(r.get("failed", 0) for r in entry["product"])
        out[name] = {
            "anchor": anchor,
            "product": product,
            "ratio": round(ratio, 3),
            "goal": f">= {goal}",
            "verdict": common.verdict(ratio, goal),
            **({"failed": failed} if workload == "purchase" else {}),
        }
    return out


def table(figures: dict) -> str:
    names = {
        "entitlements": "`entitlements`, SERVICE token",
        "typename": "`{ __typename }`, SERVICE token",
        "featureMatrix": "`featureMatrix`, no token",
        "purchase": "`purchasePackage`, 16 clients",
    }
    anchors = {"hello": "bare `{ hello }`", "matrix": "bare no-DB 4×30 matrix", "raw": "raw asyncpg purchase tx"}
    lines = [
        "| workload | API procs | product req/s (p50 / p99 ms) | anchor | anchor req/s | ratio | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in figures["pairs"].items():
        anchor, rest = name.split("@bare/") if "@bare/" in name else name.split("/")
        workload, procs = rest.split("@")
        p = r["product"]
        lines.append(
            f"| {names[workload]} | {procs.replace('api', '')} | {p['requests_per_second']:,.0f} "
            f"({p['latency_ms'].get('p50')} / {p['latency_ms'].get('p99')}) | {anchors[anchor]} | "
            f"{r['anchor']['requests_per_second']:,.0f} | {r['ratio']}× | {r['goal']} {r['verdict']} |"
        )
    usage = figures.get("record_usage", {})
    if "events_per_second" in usage:
        rate = usage["events_per_second"]
        ok = "meets goal" if rate >= USAGE_GOAL else "BELOW GOAL"
        bare = usage.get("bare_sql_insert_events_per_second")
        lines.append(
            f"| `recordUsage`, batches of 1,000, 4 clients | 1 | {rate:,.0f} events/s "
            f"| bare SQL insert (unnest, ON CONFLICT) | {bare:,.0f} | {usage.get('ratio_vs_bare_sql_insert')}× "
            f"| >= {USAGE_GOAL:,} events/s {ok} |"
        )
        filing = figures.get("record_usage_at_filing", {})
        if "events_per_second" in filing:
            kept = rate / filing["events_per_second"]
            ok = "meets goal" if kept >= 1.0 else "BELOW GOAL"
            lines.append(
                f"| `recordUsage`, kept? | 1 | {rate:,.0f} events/s | the code that measured 20,659 at filing "
                f"({filing['commit']}), this run | {filing['events_per_second']:,.0f} | {kept:.3f}× | >= 1.0 {ok} |"
            )
    for procs, rss in figures["rss_mb_after_load"].items():
        ok = "meets goal" if rss <= RSS_GOAL_MB else "ABOVE GOAL"
        lines.append(
            f"| API RSS after the load | {procs} | {rss} MB (largest process) | – | – | – | <= {RSS_GOAL_MB} MB {ok} |"
        )
    a = figures["audit"]
    lines.append(
        f"| ledger audit after the purchases | – | {'clean' if a['exit_code'] == 0 else 'PROBLEMS'} | – | – | – | "
        f"0 mismatches |"
    )
    return "\n".join(lines)


async def main(args) -> dict:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    load_start = os.getloadavg()
    uptime_start = uptime()
    await common.fresh_environment()
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    shared: dict = {}
    rounds: dict = {}
    rss = {}
    with tempfile.TemporaryDirectory() as work:
        for processes in (1, 2):
            rss[f"{processes}api"] = (await measure_processes(processes, args, Path(work), shared, rounds))[
                "rss_mb_after_load"
            ]
    os.environ.pop("WEB_CONCURRENCY", None)
    figures = {
        "parameters": {
            "seconds": args.seconds,
            "rounds": args.rounds,
            "connections": CONNECTIONS,
            "purchases_per_round": args.purchases,
            "purchase_clients": PURCHASE_CLIENTS,
        },
        "uptime_at_start": uptime_start,
        "load_at_start": load_start,
        "pairs": ratios(rounds),
        "audit": audit(),
        "rss_mb_after_load": rss,
    }
    figures["record_usage"] = usage_figures(args)
    if not args.skip_usage:
        figures["record_usage_at_filing"] = filing_usage(args)
    figures["uptime_at_end"] = uptime()
    figures["raw_rounds"] = rounds
    figures["table"] = table(figures)
    path = common.write_results("stack", figures)
    print("\n" + figures["table"])
    print(f"\nmachine: {uptime_start}  →  {figures['uptime_at_end']}\n-> {path}")
    return figures


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.stack", description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5, help="each wrk measurement")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are compared")
    p.add_argument("--purchases", type=int, default=400, help="purchases (and raw transactions) per round")
    p.add_argument("--usage-batches", type=int, default=30)
    p.add_argument("--skip-usage", action="store_true")
    return p


if __name__ == "__main__":
    common.use_uvloop()
    asyncio.run(main(parser().parse_args()))
