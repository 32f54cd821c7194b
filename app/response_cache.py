"""A whole-response cache in front of GraphQL for the hot reads (N-2, K-4; docs/scaling.md).

An ASGI layer around the Starlette app. For a POST to /graphql whose document it knows to be
cacheable it answers from Redis *before* Starlette routing, context building, parsing,
validation and execution: one MGET of (entry, versions…) and a comparison.

Cacheable documents (classified once per document text, in process memory):
- catalog: query operations whose root fields are only `editions`, `edition`, `featureMatrix`,
  `quote`, `__typename`, sent without a token (with a token a quote may apply the caller's
  campaigns). Versions: the catalog version (app/catalog_version.py).
- entitlements: one `entitlements(sdkAppId:)` root field (plus `__typename`), from a caller
  whose token this process has already resolved to SERVICE or OPERATOR (their answers do not
  depend on who asks; customers and partners go the normal way: their answer depends on
  ownership). Versions: the app's, its account's and the catalog's (app/entitlements_cache.py).

An entry stores the versions read *before* the request executed and the earliest instant the
answer stops being true (app/cache_validity.py). It is served only while every version is
unchanged and that instant is in the future; every committed change bumps its version before
the changing request answers, so no process serves an answer the change made stale. Only answers
without `errors` are stored.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from graphql import (
    FieldNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    VariableNode,
    parse,
)
from graphql.language import IntValueNode

from app import (
    auth_cache,
    cache_validity,
    catalog_version,
    clock,
    entitlements_cache,
    logs,
    metrics,
    redis_conn,
)
from app.settings import get_settings

TTL_SECONDS = 3600
CATALOG_FIELDS = frozenset({"editions", "edition", "featureMatrix", "quote", "__typename"})
WIDE_ROLES = frozenset({"SERVICE", "OPERATOR"})
MAX_BODY = 64 * 1024
MAX_PLANS = 4096


@dataclass(frozen=True, slots=True)
class Plan:
    kind: str  # "catalog" | "entitlements"
    operation: str | None
    app_literal: int | None = None  # sdkAppId written in the document
    app_variable: str | None = None  # or the variable holding it


_plans: dict[str, Plan | None] = {}


def _classify(query: str, operation_name: str | None) -> Plan | None:
    try:
        document = parse(query)
    except GraphQLError:
        return None  # the normal path reports the syntax error
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != len(document.definitions):
        return None  # fragments: keep the classifier simple and safe
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if len(chosen) != 1 or chosen[0].operation != OperationType.QUERY:
        return None
    selections = chosen[0].selection_set.selections
    fields = [f for f in selections if isinstance(f, FieldNode) and not f.directives]
    if len(fields) != len(selections):
        return None
    names = [f.name.value for f in fields]
    # The name the request log and metrics give the operation (as strawberry's operation_name)
    operation_name = operation_name or (chosen[0].name.value if chosen[0].name else None)
    if all(n in CATALOG_FIELDS for n in names):
        return Plan("catalog", operation_name)
    wanted = [f for f in fields if f.name.value == "entitlements"]
    if len(wanted) != 1 or any(n not in ("entitlements", "__typename") for n in names):
        return None
    # graphql-core leaves `arguments` None for a field written without any (`{ entitlements { … } }`).
    arguments = {a.name.value: a.value for a in wanted[0].arguments or ()}
    value = arguments.get("sdkAppId")
    if len(arguments) != 1 or value is None:
        return None
    if isinstance(value, IntValueNode):
        return Plan("entitlements", operation_name, app_literal=int(value.value))
    if isinstance(value, VariableNode):
        return Plan("entitlements", operation_name, app_variable=value.name.value)
    return None


def plan_of(query: str, operation_name: str | None) -> Plan | None:
    cache_key = f"{operation_name}\0{query}"
    if cache_key not in _plans:
        if len(_plans) >= MAX_PLANS:
            _plans.clear()  # documents are few in practice; a flood of distinct ones gets no memory
        _plans[cache_key] = _classify(query, operation_name)
    return _plans[cache_key]


def _bearer(headers: list[tuple[bytes, bytes]]) -> str | None:
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else ""
    return None


def _header(headers, wanted: bytes) -> bytes:
    for name, value in headers:
        if name == wanted:
            return value
    return b""


async def read_body(receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


MAX_PREPARED = 8192
# Request body → (kind, entry key, sdkAppId, operation name) or None (not cacheable): a repeated
# request costs a dict lookup instead of JSON parsing and hashing. Bodies are bounded by MAX_BODY.
_prepared: dict[bytes, tuple[str, str, int | None, str | None] | None] = {}


def _prepare(body: bytes) -> tuple[str, str, int | None, str | None] | None:
    if b'"query"' not in body:
        return None
    try:
        request = json.loads(body)
        query, variables = request["query"], request.get("variables") or {}
        operation_name = request.get("operationName")
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if not isinstance(query, str) or not isinstance(variables, dict):
        return None
    plan = plan_of(query, operation_name)
    if plan is None:
        return None
    sdk_app_id = None
    if plan.kind == "entitlements":
        sdk_app_id = plan.app_literal if plan.app_variable is None else variables.get(plan.app_variable)
        if type(sdk_app_id) is not int:
            return None
    digest = hashlib.blake2b(digest_size=16)
    role_class = "anonymous" if plan.kind == "catalog" else "wide"
    for part in (
        plan.kind,
        role_class,
        operation_name or "",
        query,
        json.dumps(variables, sort_keys=True, separators=(",", ":")),
    ):
        digest.update(part.encode())
        digest.update(b"\0")
    return plan.kind, redis_conn.key(f"rc:{digest.hexdigest()}"), sdk_app_id, plan.operation


class ResponseCache:
    def __init__(self, app, path: str = "/graphql"):
        self.app = app
        self.path = path

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            return await self.app(scope, receive, send)
        body = await read_body(receive)
        if body is None:
            return await self.app(scope, receive, send)
        replay = Replay(body, receive)
        lookup = await self._lookup(scope, body) if len(body) <= MAX_BODY else None
        if lookup is None:
            return await self.app(scope, replay, send)
        key, versions, cached, operation, role, sdk_app_id = lookup
        if cached is not None:
            header, _, response = cached.partition(b"\n")
            stored = json.loads(header)
            if stored["v"] == versions and (stored["u"] is None or await _now() < datetime.fromisoformat(stored["u"])):
                # A hit is a request like any other for the request log and metrics (O-1, O-2)
                fields = logs.current()
                if fields is not None:
                    fields.update(operation=operation, role=role, account=None, outcome="ok")
                if sdk_app_id is not None:
                    metrics.entitlements_cache(hit=True)
                return await _answer(send, response)
        await self._fill(scope, replay, send, key, versions)

    async def _lookup(self, scope, body: bytes):
        """(entry key, versions, cached entry) when the request is cacheable, else None."""
        if _header(scope["headers"], b"content-type")[:16] != b"application/json":
            return None
        if body in _prepared:
            prepared = _prepared[body]
        else:
            prepared = _prepare(body)
            if len(_prepared) >= MAX_PREPARED:
                _prepared.clear()
            _prepared[body] = prepared
        if prepared is None:
            return None
        kind, key, sdk_app_id, operation = prepared
        token = _bearer(scope["headers"])
        if kind == "catalog":
            if token is not None:
                return None
            role = "ANONYMOUS"
            version_keys = [catalog_version.version_key()]
        else:
            if not token or sdk_app_id is None:  # an entitlements entry always names its app
                return None
            caller = auth_cache.cached(token, get_settings().roomkit_operator_token)
            if caller is None or caller.role not in WIDE_ROLES:
                return None
            role = caller.role
            account_id = entitlements_cache.known_owner(sdk_app_id)
            if account_id is None:
                return None  # the normal path learns the owner; the next request can be cached
            version_keys = entitlements_cache.version_keys(sdk_app_id, account_id)
        cached, *raw = await redis_conn.get().mget(key, *version_keys)
        return key, [int(v or 0) for v in raw], cached, operation, role, sdk_app_id

    async def _fill(self, scope, receive, send, key: str, versions: list[int]):
        holder = cache_validity.open_holder()
        start: dict = {}
        parts: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, capture)
        if start.get("status") != 200:
            return
        response = b"".join(parts)
        try:
            if "errors" in json.loads(response):
                return
        except ValueError:
            return
        until = holder["until"]
        header = json.dumps({"v": versions, "u": until.isoformat() if until else None}).encode()
        await redis_conn.get().set(key, header + b"\n" + response, ex=TTL_SECONDS)


class Replay:
    """Hands the already-read body to the app, then the connection's own messages (disconnect)."""

    __slots__ = ("body", "receive")

    def __init__(self, body: bytes, receive):
        self.body: bytes | None = body
        self.receive = receive

    async def __call__(self):
        if self.body is not None:
            body, self.body = self.body, None
            return {"type": "http.request", "body": body, "more_body": False}
        return await self.receive()


async def _now() -> datetime:
    return clock.wall_now() if not clock.is_simulated() else await clock.now()


async def _answer(send, response: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(response)).encode()),
                (b"x-cache", b"hit"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": response})
