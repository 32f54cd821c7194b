"""The process supervisor of `python -m app run` (`make run`): embedded services when DATABASE_URL /
REDIS_URL are unset, migrations and catalog seed, then the API and arq workers as child processes
until Ctrl-C or SIGTERM, after which everything is stopped in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from app import clock, console_static, metrics
from app.embedded import Services, start
from app.embedded.processes import HOST
from app.settings import get_settings
from app.setup import setup


class _Stop(Exception):
    pass


class _Signals:
    """SIGINT/SIGTERM raise _Stop, except inside `deferred()`, where they wait for its end: a
    server or child started half-way would otherwise be left running with nobody to stop it."""

    def __init__(self) -> None:
        self.received: str | None = None
        self._deferring = False

    def handler(self, signum: int, frame: FrameType | None) -> None:
        self.received = signal.Signals(signum).name
        if not self._deferring:
            raise _Stop(self.received)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self._deferring = True
        try:
            yield
        finally:
            self._deferring = False
        if self.received:
            raise _Stop(self.received)


def _set_parent_death_signal() -> None:
    """In the child: get SIGTERM if `run` dies without cleaning up (Linux only)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # we, not the terminal, decide when and in which order children stop
        preexec_fn=_set_parent_death_signal if sys.platform.startswith("linux") else None,
    )


def _stop_children(children: list[subprocess.Popen[bytes]], timeout: float = 20) -> None:
    for proc in children:
        if proc.poll() is None:
            proc.terminate()
    deadline = clock.monotonic() + timeout
    for proc in children:
        try:
            proc.wait(max(0.1, deadline - clock.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _health(port: int) -> tuple[int, str] | None:
    """(status, body) of /readyz, or None while nothing answers."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as e:  # 503: up, but the database or Redis is not reachable
        return e.code, e.read().decode(errors="replace")
    except OSError:
        return None


def run_everything() -> int:
    settings = get_settings()
    port = settings.port
    database_url, redis_url = settings.database_url, settings.redis_url
    services: Services | None = None
    children: list[subprocess.Popen[bytes]] = []
    signals = _Signals()
    previous = {s: signal.signal(s, signals.handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not database_url or not redis_url:
            print(
                f"Starting embedded {'PostgreSQL' if not database_url else ''}"
                f"{' and ' if not database_url and not redis_url else ''}{'Redis' if not redis_url else ''}"
                f" under {Path(settings.data_dir).resolve()} …",
                flush=True,
            )
            with signals.deferred():
                services = start(settings.data_dir, postgres=not database_url, redis=not redis_url)
            database_url = database_url or services.database_url
            redis_url = redis_url or services.redis_url
        if database_url is None or redis_url is None:  # start() answers for each service it was asked for
            raise RuntimeError("the embedded services did not say where they listen")
        print("Applying migrations and seeding the catalog …", flush=True)
        asyncio.run(setup(database_url, redis_url))
        console_ok = console_static.ensure_built(lambda m: print(m, file=sys.stderr, flush=True))

        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PORT": str(port)}
        # O-1: one metrics directory for the API and the worker, emptied at each start.
        env[metrics.ENV] = os.environ.get(metrics.ENV) or metrics.default_dir()
        metrics.wipe_dir(env[metrics.ENV])
        with signals.deferred():
            # The API child runs WEB_CONCURRENCY processes itself (uvicorn on one socket);
            # WORKER_PROCESSES arq workers share the queue and the database schedule (C-1).
            children.append(_spawn(["serve", "--host", HOST, "--port", str(port)], env))
            for _ in range(max(1, settings.worker_processes)):
                children.append(_spawn(["worker"], env))
        named = [(children[0], "API"), *((proc, f"worker {i + 1}") for i, proc in enumerate(children[1:]))]

        announced = False
        while True:
            for proc, name in named:
                if proc.poll() is not None:
                    print(
                        f"The {name} process exited with code {proc.returncode}; stopping.", file=sys.stderr, flush=True
                    )
                    return 1
            if not announced and (health := _health(port)) is not None:
                announced = True
                print(f"\nRoomKit Billing is serving http://{HOST}:{port}/graphql  (Ctrl-C to stop)\n", flush=True)
                if console_ok:
                    print(f"The console is at http://{HOST}:{port}/console/\n", flush=True)
                if health[0] != 200:
                    print(f"warning: /readyz answers {health[0]} {health[1]}", file=sys.stderr, flush=True)
            time.sleep(0.5)
    except (_Stop, KeyboardInterrupt):
        print("\nStopping …", flush=True)
        return 0
    finally:
        # No second signal may cut the clean-up short: it would leave servers behind.
        for s in previous:
            signal.signal(s, signal.SIG_IGN)
        _stop_children(children)
        if services is not None:
            services.stop()
        for s, handler in previous.items():
            signal.signal(s, handler)
        print("Stopped.", flush=True)
