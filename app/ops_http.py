"""The operator's endpoints: /healthz (liveness), /readyz (readiness), /metrics (O-1)."""

from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from app import clock, metrics, redis_conn

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_migrated = False  # once every migration file is applied it stays so for this process


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process answers. A database or Redis outage is /readyz's business — a
    liveness failure gets the process restarted, which cures neither."""
    return JSONResponse({"status": "ok"})


def migration_files() -> set[str]:
    return {p.stem for p in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.py")}


async def _applied_migrations(conn) -> set[str]:
    rows = await conn.execute_query_dict("SELECT to_regclass('tortoise_migrations') IS NOT NULL AS present")
    if not rows[0]["present"]:
        return set()
    return {
        r["name"] for r in await conn.execute_query_dict("SELECT name FROM tortoise_migrations WHERE app = 'models'")
    }


async def _database_and_migrations(checks: dict) -> None:
    global _migrated
    from tortoise import connections

    try:
        conn = connections.get("default")
        if _migrated:
            await conn.execute_query("SELECT 1")
            applied = None
        else:
            applied = await _applied_migrations(conn)
    except Exception as e:  # a probe reports, it does not raise
        checks["database"], checks["migrations"] = f"error: {type(e).__name__}", "unknown"
        return
    checks["database"] = "ok"
    if applied is not None:
        missing = sorted(migration_files() - applied)
        _migrated = not missing
        if missing:
            checks["migrations"] = f"pending: {', '.join(missing)}"
            return
    checks["migrations"] = "ok"


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database answers, Redis answers, and every migration file is applied."""
    checks: dict[str, str] = {}
    await _database_and_migrations(checks)
    try:
        await redis_conn.get().ping()
        checks["redis"] = "ok"
    except Exception as e:
        checks["redis"] = f"error: {type(e).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ok else "unavailable", **checks}, status_code=200 if ok else 503)


async def timers_due() -> int | None:
    """Due and not yet done, from the database (the schedule of record) at scrape time."""
    from tortoise import connections

    now = await clock.now()
    rows = await connections.get("default").execute_query_dict(
        "SELECT (SELECT count(*) FROM package WHERE next_due_at <= $1)"
        " + (SELECT count(*) FROM account WHERE next_due_at <= $1)"
        " + (SELECT count(*) FROM settlement_schedule WHERE next_due_at <= $1) AS due",
        [now],
    )
    return int(rows[0]["due"])


async def metrics_endpoint(request: Request) -> Response:
    try:
        due = await timers_due()
    except Exception:  # the counters are still worth serving when the database is away
        due = None
    body, content_type = metrics.render(due)
    return Response(body, media_type=content_type)
