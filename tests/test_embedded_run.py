"""`make run` on a bare machine (SPEC §12): `python -m app run` with no DATABASE_URL / REDIS_URL
starts embedded PostgreSQL and Redis, migrates and seeds, serves the API beside a worker, and on a
signal stops all of it, leaving no server behind.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx
import psutil
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPECTED_PRICES = {
    "TRIAL": Decimal("0.00"),
    "BASIC": Decimal("2999.00"),
    "ADVANCED": Decimal("6499.00"),
    "LARGE_ROOM": Decimal("7999.00"),
}
# What conftest and the caller's shell may have set; `make run` in a fresh shell has none of it.
NOT_INHERITED = {
    "DATABASE_URL",
    "REDIS_URL",
    "CLOCK_MODE",
    "PAYMENTS_MODE",
    "ROOMKIT_OPERATOR_TOKEN",
    "ROOMKIT_TEST_DATA",
    "DATA_DIR",
    "PORT",
    # `run` empties its metrics directory at start: it must get its own, not wipe the test session's.
    "PROMETHEUS_MULTIPROC_DIR",
}
START_TIMEOUT = 120  # until /healthz is ok
DEGRADED_GRACE = 30  # /healthz answering, but not ok, for this long: it will not get better
STOP_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _server_processes(data_dir: Path) -> list[psutil.Process]:
    """The embedded servers of `data_dir`, found through the pid files they keep while running."""
    found = []
    try:
        postmaster = psutil.Process(int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0]))
        if postmaster.name() == "postgres":
            found += [postmaster, *postmaster.children(recursive=True)]
    except (OSError, ValueError, IndexError, psutil.Error):
        pass
    try:
        state = json.loads((data_dir / "redis" / "server.json").read_text())
        redis = psutil.Process(state["pid"])
        if "redis-server" in redis.name() and f":{state['port']}" in " ".join(redis.cmdline()):
            found.append(redis)
    except (OSError, ValueError, KeyError, psutil.Error):
        pass
    return found


def _processes_using(data_dir: Path) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        if str(data_dir) in " ".join(p.info["cmdline"] or []) and _alive(p):
            found.append(p)
    return found


@pytest.mark.parametrize(("api_processes", "worker_processes"), [(1, 1), (2, 2)], ids=["1+1", "2+2"])
def test_embedded_run_serves_the_api_without_database_url(api_processes, worker_processes):
    (ROOT / ".data").mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="test-run-", dir=ROOT / ".data")).resolve()
    data_dir.chmod(0o755)
    log_path = data_dir / "run.log"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED and not k.startswith("PG")}
    env.update(
        DATA_DIR=str(data_dir),
        PORT=str(port),
        PYTHONUNBUFFERED="1",
        WEB_CONCURRENCY=str(api_processes),
        WORKER_PROCESSES=str(worker_processes),
    )

    def log() -> str:
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if "GET /healthz" not in line]
        return "\n".join(lines)[-6000:]

    watched: dict[int, psutil.Process] = {}
    with open(log_path, "w") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "run"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        last_health, first_answer = "no answer", None
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            while True:
                assert proc.poll() is None, f"`python -m app run` exited early ({proc.returncode}):\n{log()}"
                try:
                    health = http.get("/readyz")
                    last_health = f"{health.status_code} {health.text}"
                    if health.status_code == 200 and health.json().get("status") == "ok":
                        break
                    first_answer = first_answer or time.monotonic()
                except httpx.HTTPError as e:
                    last_health = repr(e)
                now = time.monotonic()
                assert now < deadline and (first_answer is None or now - first_answer < DEGRADED_GRACE), (
                    f"/healthz not ok (last: {last_health}):\n{log()}"
                )
                time.sleep(0.5)

            # Everything this run started: API, worker, and the embedded servers.
            for p in [*psutil.Process(proc.pid).children(recursive=True), *_server_processes(data_dir)]:
                watched[p.pid] = p
            commands = [" ".join(p.cmdline()) for p in watched.values() if _alive(p)]
            assert any("postgres" in c and str(data_dir) in c for c in commands), commands
            assert any("redis-server" in c for c in commands), commands
            assert any("app serve" in c for c in commands), commands
            assert sum("app worker" in c for c in commands) == worker_processes, commands
            serve = next(p for p in watched.values() if "app serve" in " ".join(p.cmdline()))
            # WEB_CONCURRENCY > 1: uvicorn's supervisor and that many API processes on one socket
            api = (
                [c for c in serve.children() if _alive(c) and "spawn_main" in " ".join(c.cmdline())]
                if api_processes > 1
                else [serve]
            )
            assert len(api) == api_processes, [c.cmdline() for c in api]

            response = http.post("/graphql", json={"query": "{ editions { code currentPrice { amount } } }"})
            assert response.status_code == 200, response.text
            body = response.json()
            assert "errors" not in body, f"{body}\n{log()}"
            prices = {e["code"]: Decimal(e["currentPrice"]["amount"]) for e in body["data"]["editions"]}
            assert prices == EXPECTED_PRICES

        url = f"http://127.0.0.1:{port}/graphql"
        for _ in range(50):  # `run` announces the URL once its own /healthz poll answers
            if url in log():
                break
            time.sleep(0.2)
        assert url in log(), log()

        proc.send_signal(signal.SIGINT)  # what Ctrl-C does
        try:
            code = proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"`python -m app run` still running {STOP_TIMEOUT}s after SIGINT:\n{log()}")
        assert code == 0, log()
        time.sleep(0.2)
        left = [p for p in [*watched.values(), *_processes_using(data_dir)] if _alive(p)]
        assert not left, f"left running: {[(p.pid, p.cmdline()) for p in left]}\n{log()}"
        assert (data_dir / "postgres" / "PG_VERSION").exists()  # the data stays for the next run
    finally:
        if proc.poll() is None:  # a failed assertion above: let `run` clean up, then insist
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
        leftovers = [*watched.values(), *_server_processes(data_dir), *_processes_using(data_dir)]
        for p in leftovers:
            try:
                if _alive(p):
                    # SIGQUIT stops a postmaster and its backends at once; the others just go.
                    p.send_signal(signal.SIGQUIT if p.name() == "postgres" else signal.SIGKILL)
            except psutil.Error:
                pass
        psutil.wait_procs(leftovers, timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
