"""A real `python -m app serve` process for tests that must go through a socket."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import DATABASE_URL, OPERATOR, REDIS_URL

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_for(redis_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": redis_url,
        "CLOCK_MODE": "simulated",
        "ROOMKIT_OPERATOR_TOKEN": OPERATOR,
        "PAYMENTS_MODE": "sandbox",
        "DB_POOL_SIZE": "5",
        "PYTHONUNBUFFERED": "1",
        # H-4's meter has its own tests (test_query_cost, blackbox s15); a console session or a
        # scenario making dozens of queries a second would otherwise wait on its bucket.
        "RATE_LIMIT_BUCKET": os.environ.get("RATE_LIMIT_BUCKET", "1000000"),
    }


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)  # the worker drains its running jobs first (up to 10 s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class LiveServer(str):
    """A base URL that also says how many processes serve it (and how many workers to start)."""

    processes: int = 1


def launch(log_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m app serve` on a free port with `env`, its output in `log_path`; (process, base URL)."""
    port = free_port()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", str(port)],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return proc, f"http://127.0.0.1:{port}"


def start_server(
    log_path: Path,
    processes: int = 1,
    redis_url: str = REDIS_URL,
) -> tuple[subprocess.Popen[bytes], str]:
    proc, base = launch(log_path, {**env_for(redis_url), "WEB_CONCURRENCY": str(processes)})
    wait_up(proc, base, log_path)
    return proc, base


def wait_up(
    proc: subprocess.Popen[bytes],
    base: str,
    log_path: Path,
    probe: str = "/healthz",
    seconds: float = 30,
) -> None:
    """Until `probe` answers 200; a server that exits or stays silent is stopped and fails the test.
    The one-server fixture waits for liveness (/healthz), tests.servers for readiness (/readyz), as
    each did before they shared this loop."""
    deadline = time.monotonic() + seconds
    try:
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base}{probe}", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
    except BaseException:
        stop(proc)
        raise


# Every live test runs against one API process and against two behind one socket (WEB_CONCURRENCY=2;
# the tests that start workers then start two): many processes must behave as one.
@pytest.fixture(scope="module", params=[1, 2], ids=["1api", "2api"])
def server(database, tmp_path_factory, request):
    """`python -m app serve` on a free port; its base URL. Stopped (by pid) after the module."""
    proc, base = start_server(tmp_path_factory.mktemp("serve") / "serve.log", request.param)
    live = LiveServer(base)
    live.processes = request.param
    try:
        yield live
    finally:
        stop(proc)
