"""Starlette app factory: lifespan (database, Redis), /graphql over HTTP and WebSocket, /healthz."""
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL

from app import console_static, db, live_events, redis_conn
from app.domain.accounts import service as accounts
from app.settings import get_settings
from graphql_schema.context import Context
from graphql_schema.schema import schema


def bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class BillingGraphQL(GraphQL):
    async def get_context(self, request, response) -> Context:
        token = bearer(request.headers.get("authorization"))
        caller = None
        if token:
            # An unknown token counts as none: protected fields then answer UNAUTHENTICATED.
            caller = await accounts.authenticate(token, get_settings().roomkit_operator_token)
        return Context(connection=request, caller=caller)

    async def on_ws_connect(self, context: Context):
        """WebSocket clients authenticate in connection_init: {"Authorization": "Bearer …"}."""
        params = context.connection_params or {}
        token = bearer(params.get("Authorization") or params.get("authorization"))
        if token:
            context.caller = await accounts.authenticate(token, get_settings().roomkit_operator_token)
        return await super().on_ws_connect(context)


async def healthz(request: Request) -> JSONResponse:
    checks = {}
    try:
        from tortoise import connections

        await connections.get("default").execute_query("SELECT 1")
        checks["database"] = "ok"
    except Exception as e:  # a health check reports, it does not raise
        checks["database"] = f"error: {type(e).__name__}"
    try:
        await redis_conn.get().ping()
        checks["redis"] = "ok"
    except Exception as e:
        checks["redis"] = f"error: {type(e).__name__}"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if ok else "degraded", **checks}, status_code=200 if ok else 503)


def create_app(database_url: str | None = None, redis_url: str | None = None) -> Starlette:
    graphql_app = BillingGraphQL(schema, graphql_ide="graphiql", allowed_origins=("*",))

    @asynccontextmanager
    async def lifespan(app):
        await db.init_db(database_url)
        live_events.install_publisher(await redis_conn.connect(redis_url))
        from arq import create_pool

        from workers import enqueue
        from workers.settings import redis_settings

        pool = await create_pool(redis_settings(redis_url))
        enqueue.install(pool)
        try:
            yield
        finally:
            await pool.aclose()
            await redis_conn.close()
            await db.close_db()

    return Starlette(
        routes=[
            Route("/graphql", graphql_app),
            WebSocketRoute("/graphql", graphql_app),
            Route("/healthz", healthz),
            *console_static.routes(),
        ],
        lifespan=lifespan,
    )
