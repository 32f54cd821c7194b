"""Tortoise configuration: one app, models from every domain package, migrations in `migrations/`."""

from tortoise import Tortoise

from app.settings import get_settings

MODEL_MODULES = [
    "app.domain.catalog.models",
    "app.domain.accounts.models",
    "app.domain.ledger.models",
    "app.domain.packages.models",
    "app.domain.orders.models",
    "app.domain.events.models",
    "app.domain.system.models",
    "app.domain.usage.models",
    "app.domain.refunds.models",
    "app.domain.webhooks.models",
]

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/roomkit"


def tortoise_config(database_url: str | None = None, pool_size: int | None = None) -> dict:
    settings = get_settings()
    url = database_url or settings.database_url or DEFAULT_DATABASE_URL
    url = url.replace("postgresql://", "postgres://", 1)
    size = pool_size or settings.db_pool_size
    # asyncpg's pool defaults to a handful of connections; concurrency needs it sized.
    sep = "&" if "?" in url else "?"
    if "maxsize=" not in url:
        url = f"{url}{sep}minsize=1&maxsize={size}"
    return {
        "connections": {"default": _without_reset_query(url)},
        "apps": {"models": {"models": MODEL_MODULES, "migrations": "migrations", "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def _reset_nothing(connection) -> None:
    """asyncpg's default reset on every release to the pool is one more round trip per query
    (`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`). Nothing here leaves
    session state behind: advisory locks are transaction-scoped (pg_advisory_xact_lock), nothing
    LISTENs on the database (live events go through Redis), no session SET, no open cursor. An
    open transaction is still rolled back by the pool itself before this is called."""


def _without_reset_query(url: str) -> dict:
    from tortoise.backends.base.config_generator import expand_db_url

    config = expand_db_url(url)
    config["credentials"]["reset"] = _reset_nothing
    return config


TORTOISE_ORM = tortoise_config()


async def init_db(database_url: str | None = None, pool_size: int | None = None) -> None:
    # Tortoise 1.1 keeps its context per task; uvicorn's lifespan and arq's start-up run in other
    # tasks than the requests and jobs, so the context must be reachable from every task.
    await Tortoise.init(config=tortoise_config(database_url, pool_size), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def ensure_database(database_url: str | None = None) -> None:
    """A fresh server has no `roomkit` database yet: create it, so `make run` needs nothing by hand."""
    from urllib.parse import urlparse, urlunparse

    import asyncpg

    url = (database_url or get_settings().database_url or DEFAULT_DATABASE_URL).split("?")[0]
    parsed = urlparse(url.replace("postgres://", "postgresql://", 1))
    try:
        conn = await asyncpg.connect(urlunparse(parsed))
    except asyncpg.InvalidCatalogNameError:
        admin = await asyncpg.connect(urlunparse(parsed._replace(path="/postgres")))
        try:
            await admin.execute(f'CREATE DATABASE "{parsed.path.lstrip("/")}"')
        finally:
            await admin.close()
    else:
        await conn.close()


async def migrate(database_url: str | None = None) -> None:
    from tortoise.migrations.api import migrate as run_migrations

    await ensure_database(database_url)
    await run_migrations(config=tortoise_config(database_url, pool_size=2))
    await Tortoise.close_connections()
