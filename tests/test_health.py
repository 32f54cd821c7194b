"""/healthz is liveness (the process answers); /readyz is readiness: database, Redis, migrations."""

from app import ops_http


async def test_healthz_is_liveness_only(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_database_redis_and_migrations_ok(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "migrations": "ok", "redis": "ok"}


async def test_readyz_is_503_while_a_migration_file_is_not_applied(client, monkeypatch):
    monkeypatch.setattr(ops_http, "_migrated", False)
    files = ops_http.migration_files() | {"9999_not_applied"}
    monkeypatch.setattr(ops_http, "migration_files", lambda: files)
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["migrations"] == "pending: 9999_not_applied"
    assert response.json()["database"] == "ok"


async def test_readyz_is_503_when_redis_does_not_answer(client, monkeypatch):
    from redis.asyncio import Redis

    from app import redis_conn
    from tests.live import free_port

    unreachable = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")  # a real client, nothing listening
    monkeypatch.setattr(redis_conn, "_client", unreachable)
    response = await client.get("/readyz")
    await unreachable.aclose()
    assert response.status_code == 503
    assert response.json()["redis"].startswith("error: ")
    assert response.json()["database"] == "ok"
