"""A real HTTP receiver for webhook tests: a uvicorn server on 127.0.0.1 in the test's own event
loop, recording every request and answering as the test scripts it."""

import asyncio
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import uvicorn
from standardwebhooks.webhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.conftest import OPERATOR
from tests.gql import data, gql


@dataclass
class Received:
    headers: dict[str, str]
    body: str
    status: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def timestamp(self) -> datetime:
        return datetime.fromtimestamp(int(self.headers["webhook-timestamp"]), UTC)


Answer = Callable[[int], tuple[int, dict[str, str], str]]


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    # request number (0-based) -> (status, headers, body); default 200
    answer: Answer = lambda n: (200, {}, "ok")

    def answer_with(self, *statuses: int, then: int = 200, headers: dict | None = None, body: str = "") -> None:
        self.answer = lambda n: (statuses[n] if n < len(statuses) else then, headers or {}, body)

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.received) < count:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"received {len(self.received)} webhooks, expected {count}")
            await asyncio.sleep(0.05)
        return self.received


class SimulatedTimeWebhook(Webhook):
    """`standardwebhooks.Webhook.verify` with its ±5 min tolerance against the wall clock lifted:
    the tests run on the simulated clock (2027), and W-2 signs the server's (simulated) time. The
    signature check itself is the library's."""

    def _Webhook__verify_timestamp(self, timestamp_header: str) -> datetime:
        return datetime.fromtimestamp(float(timestamp_header), tz=UTC)


def verify(secret: str, r: Received) -> dict:
    return SimulatedTimeWebhook(secret).verify(r.body, r.headers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def start_receiver(path: str = "/hook") -> tuple[Receiver, uvicorn.Server, asyncio.Task]:
    port = free_port()
    receiver = Receiver(url=f"http://127.0.0.1:{port}{path}")

    async def hook(request: Request) -> Response:
        body = (await request.body()).decode()
        status, headers, text = receiver.answer(len(receiver.received))
        receiver.received.append(Received(dict(request.headers), body, status))
        return Response(text, status_code=status, headers=headers)

    app = Starlette(routes=[Route(path, hook, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    return receiver, server, task


CREATE = """mutation($url: String!, $types: [String!], $d: String) {
  createWebhookEndpoint(url: $url, eventTypes: $types, description: $d) {
    endpoint { id url description eventTypes enabled disabledReason createdAt } secret errors { code field message } } }"""
UPDATE = """mutation($id: ID!, $url: String, $types: [String!], $enabled: Boolean) {
  updateWebhookEndpoint(id: $id, url: $url, eventTypes: $types, enabled: $enabled) {
    endpoint { id url eventTypes enabled disabledReason } secret errors { code field message } } }"""
DELETE = "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { endpoint { id } errors { code } } }"
ROTATE = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { endpoint { id } secret errors { code } } }"
ENDPOINTS = "{ webhookEndpoints { id url eventTypes enabled disabledReason description } }"
DELIVERIES = """query($id: ID!, $status: DeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $id, status: $status, first: $first, after: $after) {
    edges { cursor node { id status nextAttemptAt endpoint { id } event { id type sequence }
      attempts { at httpStatus durationMs error responseBody } } }
    pageInfo { hasNextPage endCursor } } }"""
REDELIVER = """mutation($id: ID!) { redeliverWebhook(deliveryId: $id) {
  delivery { id status attempts { at httpStatus } } errors { code } } }"""
CREATE_APP = "mutation($name: String!) { createApplication(name: $name) { application { sdkAppId } errors { code } } }"
ADVANCE = "mutation($to: DateTime!) { advanceClock(to: $to) { now timersRun errors { code } } }"
NOW = "{ now }"


async def create_endpoint(client, token, url, types=None, description=None) -> tuple[str, str]:
    payload = data(await gql(client, CREATE, {"url": url, "types": types, "d": description}, token))
    payload = payload["createWebhookEndpoint"]
    assert payload["errors"] == [], payload
    return payload["endpoint"]["id"], payload["secret"]


async def new_app(client, token, name="app") -> int:
    payload = data(await gql(client, CREATE_APP, {"name": name}, token))["createApplication"]
    assert payload["errors"] == [], payload
    return payload["application"]["sdkAppId"]


async def now(client) -> datetime:
    return datetime.fromisoformat(data(await gql(client, NOW))["now"])


async def advance(client, to: datetime) -> int:
    payload = data(await gql(client, ADVANCE, {"to": to.isoformat()}, OPERATOR))["advanceClock"]
    assert payload["errors"] == [], payload
    return payload["timersRun"]


async def run_due(client) -> int:
    """advanceClock to the current instant: runs what is due now (C-2)."""
    return await advance(client, await now(client))


async def deliveries(client, token, endpoint_id, **kw) -> list[dict]:
    result = data(await gql(client, DELIVERIES, {"id": endpoint_id, **kw}, token))
    return [e["node"] for e in result["webhookDeliveries"]["edges"]]
