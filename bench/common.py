"""Shared benchmark machinery: the dedicated database and Redis, a real server in a subprocess,
a GraphQL client, a concurrent driver, and the results file.

Benchmarks never share state with the tests: PostgreSQL database `roomkit_bench` (dropped and
recreated by each benchmark) and Redis database 14. Override with BENCH_DATABASE_URL /
BENCH_REDIS_URL; the database name must contain "bench" (it is dropped).
"""

import asyncio
import contextvars
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/roomkit_bench")
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
OPERATOR = "bench-operator"


def use_uvloop() -> None:
    """The driver is Python too; uvloop keeps its own overhead down (the server uses it as well)."""
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:  # pragma: no cover - optional
        pass


def asyncpg_url(url: str) -> str:
    """asyncpg wants a plain postgresql:// URL without Tortoise's pool parameters."""
    parsed = urlparse(url)
    return urlunparse(parsed._replace(scheme="postgresql", query=""))


# --- the dedicated database and Redis ---------------------------------------------------------


async def _retrying(make, what: str, seconds: float = 60):
    """The PostgreSQL server is shared (test runs open pools of their own): wait for a free slot."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return await make()
        except asyncpg.exceptions.TooManyConnectionsError:
            if time.monotonic() > deadline:
                raise
            print(f"({what}: PostgreSQL has no free connection slot; retrying)", file=sys.stderr, flush=True)
            await asyncio.sleep(1)


async def pg_connect(url: str = BENCH_DATABASE_URL) -> asyncpg.Connection:
    return await _retrying(lambda: asyncpg.connect(asyncpg_url(url)), "connect")


async def pg_pool(size: int, url: str = BENCH_DATABASE_URL) -> asyncpg.Pool:
    return await _retrying(lambda: asyncpg.create_pool(asyncpg_url(url), min_size=size, max_size=size), "pool")


async def recreate_database(url: str = BENCH_DATABASE_URL) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to drop database {name!r}: a benchmark database's name contains 'bench'")
    admin = urlunparse(parsed._replace(path="/postgres", scheme="postgresql", query=""))
    conn = await _retrying(lambda: asyncpg.connect(admin), "connect")
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def flush_redis(url: str = BENCH_REDIS_URL) -> None:
    from redis.asyncio import Redis

    if urlparse(url).path in ("", "/", "/0"):
        raise SystemExit(f"refusing to flush Redis {url}: use a dedicated database (default /14)")
    r = Redis.from_url(url)
    try:
        await r.flushdb()
    finally:
        await r.aclose()


async def fresh_environment(url: str = BENCH_DATABASE_URL, redis_url: str = BENCH_REDIS_URL) -> None:
    """Drop and recreate the bench database, migrate and seed it (`python -m app setup`), flush Redis."""
    from app.setup import setup

    await recreate_database(url)
    await setup(url)
    await flush_redis(redis_url)


# --- a real server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process (Linux /proc), to show who was busy during a measurement."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def machine_cpu() -> tuple[float, float] | None:
    """(busy, total) jiffies over all CPUs since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return float(sum(values) - idle), float(sum(values))


def loadavg() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


class Server:
    """`python -m app serve --port <free>` as a subprocess against the bench database and Redis."""

    def __init__(
        self,
        name: str,
        *,
        clock_mode: str = "real",
        db_pool_size: int = 10,
        database_url: str = BENCH_DATABASE_URL,
        redis_url: str = BENCH_REDIS_URL,
    ):
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CLOCK_MODE": clock_mode,
            "ROOMKIT_OPERATOR_TOKEN": OPERATOR,
            "PAYMENTS_MODE": "sandbox",
            "DB_POOL_SIZE": str(db_pool_size),
            "PYTHONUNBUFFERED": "1",
        }
        self.process: subprocess.Popen | None = None
        self.log_path = RESULTS / f"{name}.server.log"

    async def __aenter__(self) -> "Server":
        RESULTS.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            # `python -m app serve` with one guard for Tortoise's context (see bench/serve.py).
            # BENCH_SERVE_MODULE swaps the launcher, to A/B a candidate change without editing the app.
            [
                sys.executable,
                "-m",
                os.environ.get("BENCH_SERVE_MODULE", "bench.serve"),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as c:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"server exited with {self.process.returncode}; see {self.log_path}")
                try:
                    r = await c.get("/healthz")
                    if r.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    await self.__aexit__(None, None, None)
                    raise RuntimeError(f"server did not become healthy in 60 s; see {self.log_path}")
                await asyncio.sleep(0.2)
        return self

    def notes(self) -> dict:
        """What the launcher had to do, for the results file."""
        try:
            text = self.log_path.read_text()
        except OSError:
            text = ""
        module = os.environ.get("BENCH_SERVE_MODULE", "bench.serve")
        return {
            "command": f"python -m {module} (bench.serve = python -m app serve + Tortoise context guard)",
            "tortoise_global_context_patched": "bench.serve: app.db.init_db left no global" in text,
        }

    def cpu(self) -> float | None:
        return cpu_seconds(self.process.pid) if self.process else None

    async def __aexit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(self.process.wait, 20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)
        self._log.close()


_worker: contextvars.ContextVar[int] = contextvars.ContextVar("bench_worker", default=0)
PER_CLIENT = 4


class Clients:
    """HTTP/1.1 keep-alive connections to the server, `concurrency` of them in all.

    They are spread over several httpx.AsyncClient objects of PER_CLIENT connections each, and
    each driver worker uses its own: one httpx client with a pool of 32+ connections spends
    ~2.4 ms of CPU per request on pool bookkeeping (measured on the 2-core machine, vs ~0.8 ms
    with pools of 4), and the driver then competes with the server it measures.
    """

    def __init__(self, base_url: str, concurrency: int, per_client: int = PER_CLIENT):
        self.per_client = max(1, min(per_client, concurrency))
        count = -(-concurrency // self.per_client)
        limits = httpx.Limits(max_connections=self.per_client, max_keepalive_connections=self.per_client)
        self.clients = [
            httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120, http1=True, http2=False)
            for _ in range(count)
        ]

    def current(self) -> httpx.AsyncClient:
        return self.clients[(_worker.get() // self.per_client) % len(self.clients)]

    async def post(self, *args, **kwargs) -> httpx.Response:
        return await self.current().post(*args, **kwargs)

    async def get(self, *args, **kwargs) -> httpx.Response:
        return await self.current().get(*args, **kwargs)

    async def __aenter__(self) -> "Clients":
        return self

    async def __aexit__(self, *exc) -> None:
        await asyncio.gather(*(c.aclose() for c in self.clients))


def client(server: Server, concurrency: int) -> Clients:
    """Connections to the server sized to the concurrency (see Clients)."""
    return Clients(server.base_url, concurrency)


class GraphQLFailure(RuntimeError):
    pass


async def gql(
    c: "Clients | httpx.AsyncClient", query: str, variables: dict | None = None, token: str | None = None
) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = await c.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    if r.status_code != 200:
        raise GraphQLFailure(f"HTTP {r.status_code}: {r.text[:500]}")
    body = r.json()
    if body.get("errors"):
        raise GraphQLFailure(json.dumps(body["errors"])[:1000])
    return body["data"]


# --- GraphQL documents used to prepare data (same shapes as tests/factories.py, tests/money.py) --

CREATE_ACCOUNT = """mutation($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id type } token errors { code field message } } }"""
ISSUE_TOKEN = """mutation($role: Role!, $accountId: ID, $scopes: [String!]) {
  issueToken(role: $role, accountId: $accountId, scopes: $scopes) { token errors { code field } } }"""
CREDIT = """mutation($a: ID!, $amount: Decimal!, $source: String!, $key: String!) {
  creditAccount(accountId: $a, amount: $amount, source: $source, idempotencyKey: $key) {
    account { id } errors { code field message } } }"""


async def new_account(c: Clients, name: str) -> tuple[int, str]:
    """(account id, CUSTOMER token), through the public API like a client."""
    variables = {"input": {"name": name, "type": "OWNER", "ownerId": None, "realNameVerified": True}}
    payload = (await gql(c, CREATE_ACCOUNT, variables, OPERATOR))["createAccount"]
    if payload["errors"]:
        raise GraphQLFailure(str(payload["errors"]))
    return int(payload["account"]["id"]), payload["token"]


async def service_token(c: Clients) -> str:
    payload = (await gql(c, ISSUE_TOKEN, {"role": "SERVICE"}, OPERATOR))["issueToken"]
    if payload["errors"]:
        raise GraphQLFailure(str(payload["errors"]))
    return payload["token"]


async def credit(c: Clients, account_id: int, amount: str, key: str) -> None:
    payload = (await gql(c, CREDIT, {"a": str(account_id), "amount": amount, "source": "cash", "key": key}, OPERATOR))[
        "creditAccount"
    ]
    if payload["errors"]:
        raise GraphQLFailure(str(payload["errors"]))


async def insert_apps(conn: asyncpg.Connection, account_ids: list[int], per_account: int, prefix: str) -> list[int]:
    """`per_account` applications for each account in one statement (ids from the P-1 sequence),
    returned interleaved across accounts: app i belongs to account_ids[i % len(account_ids)]."""
    rows = await conn.fetch(
        """INSERT INTO application (account_id, name, status, trials_used, created_at)
           SELECT a.id, $2 || '-' || a.ord || '-' || n, 'ACTIVE', 0, now()
           FROM unnest($1::bigint[]) WITH ORDINALITY AS a(id, ord), generate_series(1, $3) AS n
           ORDER BY n, a.ord
           RETURNING sdk_app_id, account_id""",
        account_ids,
        prefix,
        per_account,
    )
    by_account = {a: [] for a in account_ids}
    for r in rows:
        by_account[r["account_id"]].append(r["sdk_app_id"])
    return [
        by_account[account_ids[i % len(account_ids)]][i // len(account_ids)]
        for i in range(len(account_ids) * per_account)
    ]


# --- driving load ---------------------------------------------------------------------------------


@dataclass
class Run:
    count: int
    concurrency: int
    seconds: float
    latencies: list[float] = field(repr=False)
    results: list = field(repr=False)
    server_cpu: float | None = None
    driver_cpu: float | None = None
    machine_busy: float | None = None

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def summary(self, unit: str = "ops") -> dict:
        lat = sorted(self.latencies)

        def pct(p: float) -> float:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else 0.0

        out = {
            "count": self.count,
            "concurrency": self.concurrency,
            "seconds": round(self.seconds, 4),
            f"{unit}_per_second": round(self.rate, 2),
            "latency_ms": {
                "p50": pct(0.50),
                "p95": pct(0.95),
                "p99": pct(0.99),
                "mean": round(statistics.fmean(lat) * 1000, 2) if lat else 0.0,
            },
        }
        if self.server_cpu is not None:
            out["server_cpu_utilisation"] = round(self.server_cpu / self.seconds, 3)
            out["server_cpu_ms_per_op"] = round(self.server_cpu * 1000 / self.count, 3) if self.count else None
        if self.driver_cpu is not None:
            out["driver_cpu_utilisation"] = round(self.driver_cpu / self.seconds, 3)
        if self.machine_busy is not None:
            out["machine_cpu_busy"] = round(self.machine_busy, 3)
        return out


async def drive(
    count: int, concurrency: int, call: Callable[[int], Awaitable[object]], server: Server | None = None
) -> Run:
    """Run call(0) … call(count-1) with `concurrency` of them in flight; time the whole."""
    indexes = iter(range(count))
    results: list = [None] * count
    latencies: list[float] = [0.0] * count

    async def worker(number: int) -> None:
        _worker.set(number)
        for i in indexes:
            t = time.perf_counter()
            results[i] = await call(i)
            latencies[i] = time.perf_counter() - t

    cpu0 = server.cpu() if server else None
    m0 = machine_cpu()
    own0 = time.process_time()
    start = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(min(concurrency, count))))
    seconds = time.perf_counter() - start
    own = time.process_time() - own0
    m1 = machine_cpu()
    cpu1 = server.cpu() if server else None
    busy = (m1[0] - m0[0]) / (m1[1] - m0[1]) if m0 and m1 and m1[1] > m0[1] else None
    return Run(
        count,
        concurrency,
        seconds,
        latencies,
        results,
        server_cpu=(cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None,
        driver_cpu=own,
        machine_busy=busy,
    )


# --- results --------------------------------------------------------------------------------------


def machine() -> dict:
    """Where the figures were taken; `load_1min` above ~0.5 at the start means something else was
    running (e.g. a test suite) and the absolute rates are noisy (the ratios less so)."""
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_1min_at_write": loadavg(),
    }


def write_results(name: str, figures: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "benchmark": name,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        **figures,
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return path


def verdict(ratio: float, goal: float, higher_is_better: bool = True) -> str:
    ok = ratio >= goal if higher_is_better else ratio <= goal
    return "meets goal" if ok else "BELOW GOAL" if higher_is_better else "ABOVE GOAL"
