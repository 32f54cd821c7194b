"""The lean path for the common GraphQL request: a POST of one JSON operation (issue 10).

Strawberry's HTTP view handles every transport (GET, multipart uploads, batches, SSE and
multipart subscriptions, the IDE) and pays for that generality on every request: a request
adapter, a sub-response, content-type parsing, a Starlette Response — about a quarter of an
authenticated no-op's CPU, before Starlette's routing and error middleware add theirs. This
ASGI layer answers the one shape nearly every client sends — POST, `Content-Type:
application/json`, a JSON object with a string `query`, no streaming `Accept` — by calling the
same `schema.execute` with the same context the view builds, and writes the same JSON body
(`strawberry.http.process_result`, compact separators) with status 200. Everything else,
including a body that is not JSON, goes to the view unchanged, so its answers (and its 400s) stay
the library's own — except JSON that is neither an object nor a list, on which the view raises
(a 500): that gets a 400 here (H-3).
"""

import json
import re
from typing import Any

from starlette.requests import Request
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.http import process_result
from strawberry.types.graphql import OperationType

from app.response_cache import Replay, read_body

ALLOWED = frozenset({OperationType.QUERY, OperationType.MUTATION})
NOT_AN_OPERATION = b"The request body must be a JSON object: one GraphQL operation."
# The keyword of a subscription operation (a field literally named `subscription` also matches:
# that request merely takes the view's path).
SUBSCRIPTION = re.compile(r"\bsubscription\b")


def _plain(body: dict) -> tuple[str, dict | None, str | None, dict | None] | None:
    """(query, variables, operationName, extensions) of a request the lean path takes, else None."""
    query, variables = body.get("query"), body.get("variables")
    operation_name, extensions = body.get("operationName"), body.get("extensions")
    if not isinstance(query, str) or not query or SUBSCRIPTION.search(query):
        return None  # a missing query's 400 and subscriptions stay the view's
    if not isinstance(variables, dict | None) or not isinstance(operation_name, str | None):
        return None
    if not isinstance(extensions, dict | None):
        return None
    return query, variables, operation_name, extensions


class GraphQLPost:
    def __init__(self, app, view, path: str = "/graphql") -> None:
        self.app = app  # the Starlette app: routing, the view for every other request
        self.view = view
        self.path = path

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            return await self.app(scope, receive, send)
        content_type = accept = b""
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value
            elif name == b"accept":
                accept = value
        if not content_type.startswith(b"application/json") or b"multipart" in accept or b"event-stream" in accept:
            return await self.app(scope, receive, send)
        body = await read_body(receive)
        if body is None:
            return await self.app(scope, receive, send)
        replay = Replay(body, receive)
        try:
            parsed: Any = json.loads(body)
        except ValueError:
            return await self.app(scope, replay, send)  # the view's 400 for a body that is not JSON
        if not isinstance(parsed, dict | list):
            # JSON that is neither an operation nor a batch: strawberry's view fails on it with
            # an AttributeError (a 500); H-3 wants a clear 400.
            return await _send(send, 400, NOT_AN_OPERATION, b"text/plain; charset=utf-8")
        request = _plain(parsed) if isinstance(parsed, dict) else None
        if request is None:
            return await self.app(scope, replay, send)
        query, variables, operation_name, extensions = request
        http_request = Request(scope, replay)
        context = await self.view.get_context(http_request, None)
        try:  # the two 400s below are the view's answers to the same requests
            result = await self.view.schema.execute(
                query,
                variable_values=variables,
                context_value=context,
                operation_name=operation_name,
                allowed_operation_types=ALLOWED,
                operation_extensions=extensions,
            )
        except CannotGetOperationTypeError as e:
            return await _send(send, 400, e.as_http_error_reason().encode(), b"text/plain; charset=utf-8")
        except InvalidOperationTypeError as e:
            return await _send(send, 400, e.as_http_error_reason("POST").encode(), b"text/plain; charset=utf-8")
        response = json.dumps(process_result(result), separators=(",", ":")).encode()
        await _send(send, 200, response, b"application/json")


async def _send(send, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-length", str(len(body)).encode()), (b"content-type", content_type)],
        }
    )
    await send({"type": "http.response.body", "body": body})
