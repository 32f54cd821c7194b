"""Several real `python -m app serve` processes with an environment of the test's choosing
(tests/live.py has the one-server module fixture). They share PROMETHEUS_MULTIPROC_DIR with this
process (set in conftest), like the API processes of one installation."""
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import REDIS_URL
from tests.live import REPO, env_for, free_port, stop


def _wait_ready(proc: subprocess.Popen, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 40
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"server did not start:\n{log_path.read_text()}")
        time.sleep(0.1)


@contextmanager
def api_servers(count: int, directory: Path, env: dict | None = None):
    """`count` API processes; yields [(base URL, log path)]. Stopped by pid at the end."""
    procs, out = [], []
    try:
        for i in range(count):
            port = free_port()
            log_path = directory / f"serve-{i}.log"
            with open(log_path, "wb") as log:
                proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], cwd=REPO,
                                        env={**env_for(REDIS_URL), **(env or {})}, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
            procs.append(proc)
            out.append((f"http://127.0.0.1:{port}", log_path))
        for proc, (base, log_path) in zip(procs, out):
            _wait_ready(proc, base, log_path)
        yield out
    finally:
        for proc in procs:
            stop(proc)
