"""Several real `python -m app serve` processes with an environment of the test's choosing
(tests/live.py has the one-server module fixture and the launcher both use). They share
PROMETHEUS_MULTIPROC_DIR with this process (set in conftest), like the API processes of one
installation."""

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import REDIS_URL
from tests.live import env_for, launch, stop, wait_up


@contextmanager
def api_servers(count: int, directory: Path, env: dict[str, str] | None = None) -> Iterator[list[tuple[str, Path]]]:
    """`count` API processes, each ready (/readyz); yields [(base URL, log path)]. Stopped by pid at the end."""
    procs: list[subprocess.Popen[bytes]] = []
    out: list[tuple[str, Path]] = []
    try:
        for i in range(count):
            log_path = directory / f"serve-{i}.log"
            proc, base = launch(log_path, {**env_for(REDIS_URL), **(env or {})})
            procs.append(proc)
            out.append((base, log_path))
        for proc, (base, log_path) in zip(procs, out):
            wait_up(proc, base, log_path, probe="/readyz", seconds=40)
        yield out
    finally:
        for proc in procs:
            stop(proc)
