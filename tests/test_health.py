"""/healthz: the load balancer's view of the database and Redis."""


async def test_healthz_reports_database_and_redis_ok(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}
