"""Starlette app factory: lifespan (database, Redis), /graphql over HTTP and WebSocket, /healthz,
/readyz and /metrics (app.ops_http), the request log (app.logs)."""

import functools
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.http import async_base_view
from strawberry.types.unset import UnsetType

from app import auth_cache, console_static, db, live_events, logs, metrics, ops_http, redis_conn
from app.graphql_post import GraphQLPost
from app.response_cache import ResponseCache
from app.settings import get_settings
from graphql_schema.context import Context
from graphql_schema.schema import schema


# Strawberry parses the Content-Type header of every request with `email.message.Message` (about
# a tenth of an authenticated no-op's CPU here). Clients send a handful of distinct values, so the
# parse is memoised (bounded: the header is client-controlled); the result is only read.
async_base_view.parse_content_type = functools.lru_cache(maxsize=64)(async_base_view.parse_content_type)


def bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class BillingGraphQL(GraphQL[Context, None]):
    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        token = bearer(request.headers.get("authorization"))
        caller = None
        if token:
            # An unknown token counts as none: protected fields then answer UNAUTHENTICATED.
            caller = await auth_cache.authenticate(token, get_settings().roomkit_operator_token)
        return Context(connection=request, caller=caller)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """WebSocket clients authenticate in connection_init: {"Authorization": "Bearer …"}."""
        params = context.connection_params or {}
        token = bearer(params.get("Authorization") or params.get("authorization"))
        if token:
            context.caller = await auth_cache.authenticate(token, get_settings().roomkit_operator_token)
        return await super().on_ws_connect(context)


def create_app(database_url: str | None = None, redis_url: str | None = None) -> logs.RequestLog:
    graphql_app = BillingGraphQL(schema, graphql_ide="graphiql", allowed_origins=("*",))
    metrics.install()

    @asynccontextmanager
    async def lifespan(app):
        await db.init_db(database_url)
        live_events.install_publisher(await redis_conn.connect(redis_url))
        from arq import create_pool

        from workers import enqueue
        from workers.settings import redis_settings

        pool = await create_pool(redis_settings(redis_url), default_queue_name=redis_conn.key("arq:queue"))
        enqueue.install(pool)
        try:
            yield
        finally:
            await pool.aclose()
            from app.domain.webhooks import delivery

            await delivery.close()
            await redis_conn.close()
            await db.close_db()

    # The whole-response cache answers hot reads before routing (app/response_cache.py), inside
    # the request log: a cached answer is logged, counted and carries its request id too.
    # GraphQLPost takes the common POST of one JSON operation past Starlette's routing and
    # strawberry's view (app/graphql_post.py); every other request reaches the view.
    return logs.RequestLog(
        ResponseCache(
            GraphQLPost(
                Starlette(
                    routes=[
                        Route("/graphql", graphql_app),
                        WebSocketRoute("/graphql", graphql_app),
                        Route("/healthz", ops_http.healthz),
                        Route("/readyz", ops_http.readyz),
                        Route("/metrics", ops_http.metrics_endpoint),
                        *console_static.routes(),
                    ],
                    lifespan=lifespan,
                ),
                graphql_app,
            )
        )
    )
