"""§13 webhooks, black-box: a real HTTP receiver on 127.0.0.1, signatures checked with the
`standardwebhooks` library, retries in simulated time (advanceClock runs them)."""

import base64
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tests.webhooks.receiver import SimulatedTimeWebhook as Webhook

from tests.conftest import START
from tests.factories import new_account, new_app
from tests.gql import data, gql
from tests.money import advance, credit, purchase

CREATE = """mutation($u: String!, $t: [String!], $d: String) { createWebhookEndpoint(url: $u, eventTypes: $t, description: $d) {
  endpoint { id url eventTypes enabled disabledReason } secret errors { code field message } } }"""
ENDPOINTS = "{ webhookEndpoints { id url eventTypes enabled disabledReason } }"
DELIVERIES = """query($e: ID!) { webhookDeliveries(endpointId: $e, first: 50) { edges { node {
  id status nextAttemptAt event { type sequence } attempts { at httpStatus durationMs error responseBody } } } } }"""


class Receiver:
    """A real HTTP server answering each POST with the next status of `statuses` (the last repeats)."""

    def __init__(self, statuses=(200,), headers=None):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        self.extra = headers or {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server interface
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                status = receiver.statuses[min(len(receiver.requests) - 1, len(receiver.statuses) - 1)]
                self.send_response(status)
                for k, v in receiver.extra.items():
                    self.send_header(k, v)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def private_ok(monkeypatch):
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "true")
    from app.settings import get_settings

    get_settings.cache_clear()


async def test_W1_W7_endpoint_rules(client, monkeypatch):
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "false")
    _, token = await new_account(client)
    for url in (
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://10.1.2.3/x",
        "https://[::1]/x",
        "https://169.254.169.254/latest",
        "ftp://example.com/x",
    ):
        result = data(await gql(client, CREATE, {"u": url}, token))["createWebhookEndpoint"]
        assert [e["code"] for e in result["errors"]] == ["INVALID_WEBHOOK_URL"], url
        assert result["secret"] is None


async def test_W1_create_list_limits_and_secret(client, private_ok):
    _, token = await new_account(client)
    receiver = Receiver()
    try:
        created = data(await gql(client, CREATE, {"u": receiver.url, "t": None, "d": "main"}, token))[
            "createWebhookEndpoint"
        ]
        assert created["errors"] == []
        assert created["endpoint"]["eventTypes"] == [] and created["endpoint"]["enabled"] is True
        secret = created["secret"]
        assert secret.startswith("whsec_") and len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
        listed = data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"]
        assert [e["id"] for e in listed] == [created["endpoint"]["id"]]
        assert secret not in json.dumps(listed)
        bad = data(await gql(client, CREATE, {"u": receiver.url, "t": ["NOT_A_TYPE"]}, token))["createWebhookEndpoint"]
        assert [e["code"] for e in bad["errors"]] == ["INVALID_EVENT_TYPE"]
        for _ in range(9):
            ok = data(await gql(client, CREATE, {"u": receiver.url, "t": ["PACKAGE_PURCHASED"]}, token))
            assert ok["createWebhookEndpoint"]["errors"] == []
        over = data(await gql(client, CREATE, {"u": receiver.url}, token))["createWebhookEndpoint"]
        assert [e["code"] for e in over["errors"]] == ["WEBHOOK_LIMIT"]
    finally:
        receiver.close()


async def test_W2_signed_body_headers_and_sequence_order(client, private_ok):
    account_id, token = await new_account(client)
    receiver = Receiver()
    try:
        created = data(await gql(client, CREATE, {"u": receiver.url}, token))["createWebhookEndpoint"]
        secret = created["secret"]
        await credit(client, account_id, "10000.00")
        app = await new_app(client, token)
        assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
        await advance(client, START)  # the current instant runs what is due: first attempts
        assert receiver.requests, "no delivery was attempted"
        bodies = []
        for request in receiver.requests:
            headers = request["headers"]
            assert headers["content-type"].startswith("application/json")
            assert int(headers["webhook-timestamp"]) == int(START.timestamp())
            Webhook(secret).verify(
                request["body"], {k: headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
            )
            body = json.loads(request["body"])
            assert set(body) == {"id", "type", "accountId", "sdkAppId", "sequence", "occurredAt", "data"}
            assert headers["webhook-id"] == body["id"]
            assert isinstance(body["data"], dict)
            bodies.append(body)
        sequences = [b["sequence"] for b in bodies]
        assert sequences == sorted(sequences) and sequences == list(range(sequences[0], sequences[0] + len(sequences)))
        assert "PACKAGE_PURCHASED" in {b["type"] for b in bodies}
        assert {b["accountId"] for b in bodies} == {account_id}
    finally:
        receiver.close()


async def test_W4_retries_after_5_s_then_5_min_and_410_disables(client, private_ok):
    account_id, token = await new_account(client)
    receiver = Receiver(statuses=(500, 500, 410))
    try:
        created = data(await gql(client, CREATE, {"u": receiver.url, "t": ["BALANCE_CREDITED"]}, token))
        endpoint = created["createWebhookEndpoint"]["endpoint"]["id"]
        await credit(client, account_id, "10.00")
        await advance(client, START)
        assert len(receiver.requests) == 1
        await advance(client, START + timedelta(seconds=4))  # 5 s − 10 % is 4.5 s: not yet
        assert len(receiver.requests) == 1
        await advance(client, START + timedelta(seconds=6))  # 5 s + 10 % is 5.5 s: done by now
        assert len(receiver.requests) == 2
        ids = {r["headers"]["webhook-id"] for r in receiver.requests}
        assert len(ids) == 1  # the same webhook-id on every retry
        second = int(receiver.requests[1]["headers"]["webhook-timestamp"])
        await advance(client, START + timedelta(seconds=6, minutes=4))  # 5 min − 10 % after the second
        assert len(receiver.requests) == 2
        await advance(client, START + timedelta(seconds=6, minutes=6))
        assert len(receiver.requests) == 3
        assert int(receiver.requests[2]["headers"]["webhook-timestamp"]) - second >= 270
        listed = data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"]
        assert [(e["id"], e["enabled"]) for e in listed] == [(endpoint, False)]
        deliveries = data(await gql(client, DELIVERIES, {"e": endpoint}, token))["webhookDeliveries"]["edges"]
        attempts = deliveries[0]["node"]["attempts"]
        assert [a["httpStatus"] for a in attempts] == [500, 500, 410]
    finally:
        receiver.close()
