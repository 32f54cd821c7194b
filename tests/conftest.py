"""Real PostgreSQL and Redis for every test (no SQLite, no fakes).

One database per run (`<name>_test`), migrated and seeded once; before each test every table
but the catalog is emptied and the test Redis database flushed. Simulated time starts at a
fixed instant so that figures are exact.
"""

import io
import json
import logging
import os
from datetime import UTC, datetime

import pytest

os.environ.setdefault("CLOCK_MODE", "simulated")
# O-1: prometheus-client's multiprocess mode needs its directory before it is imported; the real
# servers the tests start inherit it, so one scrape sums them and this process.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="rk-test-metrics-")
os.environ.setdefault("PAYMENTS_MODE", "sandbox")
os.environ.setdefault("ROOMKIT_OPERATOR_TOKEN", "operator-test-token")
OPERATOR = os.environ["ROOMKIT_OPERATOR_TOKEN"]

from tests.services import resolve_services  # noqa: E402

DATABASE_URL, REDIS_URL = resolve_services()
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ["REDIS_URL"] = REDIS_URL

import httpx  # noqa: E402
import structlog  # noqa: E402
from tortoise import Tortoise, connections  # noqa: E402

from app import clock, db, live_events, logs, redis_conn  # noqa: E402
from app.setup import setup as migrate_and_seed  # noqa: E402
from app.settings import get_settings  # noqa: E402

CATALOG_TABLES = {
    "catalog_component",
    "catalog_edition",
    "catalog_feature",
    "catalog_edition_feature",
    "catalog_campaign",
    "catalog_rate",
    "catalog_usage_weight",
    "catalog_version",
    "tortoise_migrations",
}
START = datetime(2027, 1, 9, 16, 0, tzinfo=UTC)  # 2027-01-10 00:00 Asia/Shanghai


@pytest.fixture(scope="session", autouse=True)
async def database():
    from tests.services import recreate_database

    await recreate_database(DATABASE_URL)
    await migrate_and_seed(DATABASE_URL)
    await db.init_db(DATABASE_URL, pool_size=40)
    live_events.install_publisher(await redis_conn.connect(REDIS_URL))
    rows = await connections.get("default").execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    )
    tables = sorted(r["tablename"] for r in rows if r["tablename"] not in CATALOG_TABLES)
    yield tables
    await redis_conn.close()
    await Tortoise.close_connections()


METERED_MODULES = ("test_query_cost", "test_s15_operating")  # the H-4 tests keep the real bucket


@pytest.fixture(autouse=True)
async def clean(database, monkeypatch, request):
    if not request.module.__name__.endswith(METERED_MODULES):
        monkeypatch.setenv("RATE_LIMIT_BUCKET", "1000000")
    get_settings.cache_clear()
    await connections.get("default").execute_script(f"TRUNCATE {', '.join(database)} CASCADE")
    await redis_conn.get().flushdb()
    await clock.set_simulated_now(START)
    yield
    get_settings.cache_clear()
    # The catalog tables are kept between tests; every operator edit of them is audited (K-4), so a
    # test that left an audit row changed the catalog: the seeded catalog is put back.
    if await connections.get("default").execute_query_dict("SELECT 1 FROM catalog_change LIMIT 1"):
        from app.domain.catalog.seed import seed_catalog

        await seed_catalog(reset=True)


@pytest.fixture
async def client():
    from app.server import create_app

    app = create_app()  # the session fixture already did what its lifespan does
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


@pytest.fixture
def log_lines():
    """JSON logging of this process into a buffer; the previous logging set-up restored after."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    buffer = io.StringIO()
    logs.configure(stream=buffer)
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    structlog.reset_defaults()
