"""Which PostgreSQL and Redis the tests use: the environment's when reachable, else embedded."""

import os
import socket
from urllib.parse import urlparse, urlunparse

import asyncpg

LOCAL_PG = "postgres://postgres@127.0.0.1:5432/roomkit"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
TEST_REDIS_DB = int(os.environ.get("ROOMKIT_TEST_REDIS_DB", "15"))  # one Redis database per concurrent run


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def resolve_services() -> tuple[str, str]:
    pg = os.environ.get("DATABASE_URL") or LOCAL_PG
    redis = os.environ.get("REDIS_URL") or LOCAL_REDIS
    if not _reachable(pg, 5432) or not _reachable(redis, 6379):
        from app import embedded

        services = embedded.start(os.environ.get("ROOMKIT_TEST_DATA", ".data/test"))
        pg = pg if _reachable(pg, 5432) else services.database_url
        redis = redis if _reachable(redis, 6379) else services.redis_url
    pg_parsed = urlparse(pg)
    name = pg_parsed.path.lstrip("/") or "roomkit"
    if not name.endswith("_test"):
        name = f"{name}_test"
    pg = urlunparse(pg_parsed._replace(path=f"/{name}"))
    redis_parsed = urlparse(redis)
    redis = urlunparse(redis_parsed._replace(path=f"/{TEST_REDIS_DB}"))
    return pg, redis


async def recreate_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = urlunparse(parsed._replace(path="/postgres", scheme="postgresql"))
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
