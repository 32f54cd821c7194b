"""`python -m app setup` and `seed`: apply the migrations, then add the catalog rows that are missing.

Shared by the CLI, the process supervisor (`make run`), the test session and the benchmarks, so
that every one of them prepares a database the same way.
"""

from app import db
from app.catalog_bump import bump_after_seed
from app.domain.catalog.seed import reset_and_announce, seed_catalog


async def setup(database_url: str | None = None, redis_url: str | None = None, *, reset: bool = False) -> None:
    """Migrate, then seed. `reset` (development only) puts the seeded catalog back."""
    await db.migrate(database_url)
    await seed(database_url, redis_url, reset=reset)


async def seed(database_url: str | None = None, redis_url: str | None = None, *, reset: bool = False) -> None:
    """Insert what the catalog lacks, never overwriting an operator's change; `reset` overwrites."""
    await db.init_db(database_url, pool_size=2)
    try:
        await (reset_and_announce() if reset else seed_catalog())
    finally:
        await db.close_db()
    await bump_after_seed(redis_url)
