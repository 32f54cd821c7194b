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
    return {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": redis_url, "CLOCK_MODE": "simulated",
            "ROOMKIT_OPERATOR_TOKEN": OPERATOR, "PAYMENTS_MODE": "sandbox", "DB_POOL_SIZE": "5",
            "PYTHONUNBUFFERED": "1"}


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="module")
def server(database, tmp_path_factory):
    """`python -m app serve` on a free port; its base URL. Stopped (by pid) after the module."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], cwd=REPO,
                                env=env_for(REDIS_URL), stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield base
    finally:
        stop(proc)


