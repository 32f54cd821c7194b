"""Process bookkeeping shared by the embedded servers: free ports, live pids, who owns a server."""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
from collections.abc import Iterator
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def pid_alive(pid: int, name: str | None = None) -> bool:
    """Is `pid` a live process (named `name`, when given: pid files outlive their process)?"""
    import psutil

    try:
        process = psutil.Process(pid)
        return bool(process.status() != psutil.STATUS_ZOMBIE and (name is None or name in process.name()))
    except psutil.Error:
        return False


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Serialise starts on one data directory across processes."""
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def owner_alive(path: Path) -> bool:
    """Is the process that started a server (recorded in `path`) still around to stop it?"""
    import psutil

    try:
        pid, created = path.read_text().split()
        process = psutil.Process(int(pid))
        return bool(process.pid != os.getpid() and abs(process.create_time() - float(created)) < 1)
    except (OSError, ValueError, psutil.Error):
        return False


def claim(path: Path) -> None:
    import psutil

    path.write_text(f"{os.getpid()} {psutil.Process().create_time()}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
