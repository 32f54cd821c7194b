"""O-2: one JSON object per line (ours, uvicorn's, the worker's), a request id per request, the
operation, caller and outcome; no token, webhook secret or signature ever in the output."""

import json
import logging
import secrets

import httpx
import pytest

from app import logs
from tests.conftest import OPERATOR
from tests.servers import api_servers
from workers.observe import logged

CREATE = "mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } token } }"
ISSUE = "mutation($r: Role!, $a: ID, $s: [String!]) { issueToken(role: $r, accountId: $a, scopes: $s) { token } }"


def test_O2_json_lines_with_request_ids_and_no_secret_in_a_real_servers_log(tmp_path):
    whsec = "whsec_" + secrets.token_urlsafe(24)
    signature = "v1," + secrets.token_urlsafe(32)
    unknown = "rk_customer_" + secrets.token_urlsafe(32)
    with api_servers(1, tmp_path) as [(base, log_path)]:

        def call(query, token=None, variables=None, headers=None):
            h = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
            response = httpx.post(
                f"{base}/graphql", json={"query": query, "variables": variables or {}}, headers=h, timeout=10
            )
            assert response.status_code in (200, 400), response.text
            return response

        created = call(
            CREATE, OPERATOR, {"input": {"name": "Logged", "type": "OWNER", "ownerId": None, "realNameVerified": True}}
        ).json()["data"]["createAccount"]
        account_id, customer = created["account"]["id"], created["token"]
        partner = call(ISSUE, OPERATOR, {"r": "PARTNER", "a": account_id, "s": ["account:read", "orders:read"]}).json()[
            "data"
        ]["issueToken"]["token"]
        service = call(ISSUE, OPERATOR, {"r": "SERVICE"}).json()["data"]["issueToken"]["token"]
        named = call("query WhoAmI { me { id name } }", customer, headers={"X-Request-ID": "req-o2-test-1"})
        assert named.headers["x-request-id"] == "req-o2-test-1"
        made = call("{ now }", partner)
        assert len(made.headers["x-request-id"]) == 32  # made when not given
        call("query PartnerOrders { orders(first: 2) { edges { node { id } } } }", partner)
        call("{ editions { code } }", service, headers={"webhook-signature": signature, "webhook-id": "msg_1"})
        call("{ me { id } }", unknown)  # an unknown token: UNAUTHENTICATED
        # Secrets inside a refused value end up in the error message: the log must blank them.
        call(ISSUE, OPERATOR, {"r": whsec})
        call(ISSUE, OPERATOR, {"r": customer})
        call("query Broken { me { id", customer, headers={"X-Request-ID": "req-o2-broken"})
    text = log_path.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is one JSON object
    assert lines and all({"time", "level", "message"} <= set(line) for line in lines)
    assert any(line.get("logger", "").startswith("uvicorn") for line in lines)  # uvicorn's own, same format
    [who] = [line for line in lines if line.get("request_id") == "req-o2-test-1" and line["message"] == "request"]
    assert (who["operation"], who["role"], who["account"], who["outcome"], who["status"]) == (
        "WhoAmI",
        "CUSTOMER",
        int(account_id),
        "ok",
        200,
    )
    assert isinstance(who["duration_ms"], float) and who["level"] == "info"
    [orders] = [line for line in lines if line.get("operation") == "PartnerOrders"]
    assert (orders["role"], orders["account"], orders["outcome"]) == ("PARTNER", int(account_id), "ok")
    [broken] = [line for line in lines if line.get("request_id") == "req-o2-broken" and line["message"] == "request"]
    assert broken["outcome"] == "GRAPHQL_VALIDATION_FAILED"
    assert any(line["message"] == "request" and line["outcome"] == "UNAUTHENTICATED" for line in lines)
    for secret in (OPERATOR, customer, partner, service, unknown, whsec, signature):
        assert secret not in text
    assert logs.REDACTED in text  # the refused values were there, blanked


async def test_O2_an_unexpected_error_is_logged_with_its_stack_and_request_id(client, log_lines, monkeypatch):
    from redis.asyncio import Redis

    from app import redis_conn
    from tests.factories import issue_token, new_account, new_app
    from tests.live import free_port

    _, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    unreachable = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0")  # Redis gone: a real failure
    monkeypatch.setattr(redis_conn, "_client", unreachable)
    response = await client.post(
        "/graphql",
        json={"query": "query Ent($a: Int!) { entitlements(sdkAppId: $a) { serviceActive } }", "variables": {"a": app}},
        headers={"Authorization": f"Bearer {service}", "X-Request-ID": "req-o2-boom"},
    )
    await unreachable.aclose()
    assert response.json()["errors"][0]["message"] == "Internal error."  # masked for the client
    lines = log_lines()
    # The request's own error line (the masking extension logs the same error again, by its logger).
    error = next(line for line in lines if line["level"] == "error" and line.get("logger") == "roomkit.graphql")
    assert error["request_id"] == "req-o2-boom"
    assert error["message"].startswith("unexpected GraphQL error")
    assert "Traceback" in error["exception"] and "ConnectionError" in error["exception"]
    [request] = [line for line in lines if line["message"] == "request" and line["request_id"] == "req-o2-boom"]
    assert (request["request_id"], request["outcome"], request["role"]) == ("req-o2-boom", "INTERNAL_ERROR", "SERVICE")
    assert service not in json.dumps(lines)


async def test_O2_the_worker_logs_each_task(log_lines):
    async def settle(ctx, n):
        logging.getLogger("roomkit.test").info("inside the task")
        return n * 2

    async def broken(ctx):
        raise ValueError("bad input")

    assert await logged(settle)({"job_id": "job-1", "job_try": 1}, 21) == 42
    with pytest.raises(ValueError):
        await logged(broken)({"job_id": "job-2", "job_try": 3})
    lines = log_lines()
    inside, ok, failed = lines
    assert (inside["message"], inside["job_id"], inside["task"]) == ("inside the task", "job-1", "settle")
    assert (ok["message"], ok["task"], ok["job_id"], ok["job_try"], ok["outcome"], ok["level"]) == (
        "task",
        "settle",
        "job-1",
        1,
        "ok",
        "info",
    )
    assert isinstance(ok["duration_ms"], float)
    assert (failed["task"], failed["outcome"], failed["level"], failed["job_try"]) == (
        "broken",
        "ValueError",
        "error",
        3,
    )
    assert "ValueError: bad input" in failed["exception"]
    assert logged(settle).__qualname__ == settle.__qualname__  # arq enqueues by this name


def test_O2_redaction_of_secret_shapes():
    token = "rk_partner_" + secrets.token_urlsafe(32)
    text = f"Bearer {token} whsec_abcDEF123+/= v1,{secrets.token_urlsafe(32)} ok"
    assert logs.redact(text) == f"{logs.REDACTED} {logs.REDACTED} {logs.REDACTED} ok"
