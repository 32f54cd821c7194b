"""SPEC W-2, W-3, W-4: what a partner's receiver gets, and when — a real HTTP server on 127.0.0.1,
signatures checked with the `standardwebhooks` library, retries in simulated time."""

import itertools
from datetime import timedelta

from tests.conftest import START
from tests.factories import new_account
from tests.gql import data, gql
from tests.money import credit
from tests.webhooks.receiver import (
    advance,
    create_endpoint,
    deliveries,
    new_app,
    run_due,
    verify,
)

DELAYS = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]


async def test_W2_body_headers_and_signature(client, receiver):
    account_id, token = await new_account(client)
    endpoint_id, secret = await create_endpoint(client, token, receiver.url)
    app = await new_app(client, token)
    await run_due(client)
    [r] = await receiver.wait_for(1)
    body = verify(secret, r)  # raises unless the library accepts the signature
    assert r.headers["content-type"] == "application/json"
    assert r.headers["webhook-signature"].startswith("v1,")
    assert " " not in r.headers["webhook-signature"]
    assert r.timestamp == START  # the simulated server clock
    assert set(body) == {"id", "type", "accountId", "sdkAppId", "sequence", "occurredAt", "data"}
    assert body["type"] == "APPLICATION_CREATED"
    assert (body["accountId"], body["sdkAppId"], body["sequence"]) == (account_id, app, 1)
    assert isinstance(body["data"], dict)
    assert r.id == body["id"]
    events = data(await gql(client, "{ events { edges { node { id type sequence occurredAt data } } } }", token=token))[
        "events"
    ]["edges"]
    assert [e["node"]["id"] for e in events] == [body["id"]]
    assert events[0]["node"]["sequence"] == 1
    [d] = await deliveries(client, token, endpoint_id)
    assert d["status"] == "SUCCEEDED" and d["nextAttemptAt"] is None
    assert d["event"] == {"id": body["id"], "type": "APPLICATION_CREATED", "sequence": 1}
    assert [a["httpStatus"] for a in d["attempts"]] == [200]
    assert d["attempts"][0]["responseBody"] == "ok"


async def test_W2_account_level_event_and_type_filter(client, receiver, second_receiver):
    account_id, token = await new_account(client)
    _, secret = await create_endpoint(client, token, receiver.url, types=["BALANCE_CREDITED"])
    _, secret2 = await create_endpoint(client, token, second_receiver.url)
    await new_app(client, token)
    await credit(client, account_id, "10.00")
    await run_due(client)
    [r] = await receiver.wait_for(1)
    body = verify(secret, r)
    assert (body["type"], body["sdkAppId"], body["sequence"]) == ("BALANCE_CREDITED", None, 2)
    got = await second_receiver.wait_for(2)
    assert [verify(secret2, x)["type"] for x in got] == ["APPLICATION_CREATED", "BALANCE_CREDITED"]


async def test_W2_first_attempts_in_sequence_order(client, receiver):
    _, token = await new_account(client)
    await create_endpoint(client, token, receiver.url)
    for i in range(12):
        await new_app(client, token, f"app {i}")
    await run_due(client)
    got = await receiver.wait_for(12)
    assert [x.json["sequence"] for x in got] == list(range(1, 13))


async def test_W4_retry_schedule_in_simulated_time(client, receiver):
    _, token = await new_account(client)
    endpoint_id, secret = await create_endpoint(client, token, receiver.url)
    receiver.answer_with(then=500)
    await new_app(client, token)
    await run_due(client)
    await receiver.wait_for(1)
    # Step through the whole schedule: advanceClock runs each retry at its due instant.
    await advance(client, START + timedelta(hours=80))
    got = receiver.received
    assert len(got) == 10
    assert len({x.id for x in got}) == 1  # the same webhook-id on every retry
    for x in got:
        verify(secret, x)
    times = [x.timestamp for x in got]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    for gap, expected in zip(gaps, DELAYS):
        assert expected * 0.9 - 1 <= gap <= expected * 1.1 + 1, (gaps, DELAYS)
    [d] = await deliveries(client, token, endpoint_id)
    assert d["status"] == "FAILED" and d["nextAttemptAt"] is None
    assert len(d["attempts"]) == 10
    assert {a["httpStatus"] for a in d["attempts"]} == {500}
    assert d["attempts"][0]["error"] == "HTTP 500"


async def test_W4_success_on_a_retry_stops_retrying(client, receiver):
    _, token = await new_account(client)
    endpoint_id, _ = await create_endpoint(client, token, receiver.url)
    receiver.answer_with(503, 500)
    await new_app(client, token)
    await run_due(client)
    await advance(client, START + timedelta(days=3))
    assert [x.status for x in receiver.received] == [503, 500, 200]
    [d] = await deliveries(client, token, endpoint_id)
    assert d["status"] == "SUCCEEDED"


async def test_W4_retry_after_is_honoured(client, receiver):
    _, token = await new_account(client)
    await create_endpoint(client, token, receiver.url)
    receiver.answer_with(429, headers={"Retry-After": "120"})
    await new_app(client, token)
    await run_due(client)
    await advance(client, START + timedelta(seconds=100))
    assert len(receiver.received) == 1  # 5 s would have been the retry without Retry-After
    await advance(client, START + timedelta(seconds=200))
    got = receiver.received
    assert [x.status for x in got] == [429, 200]
    assert (got[1].timestamp - got[0].timestamp).total_seconds() >= 120


async def test_W4_410_disables_the_endpoint(client, receiver, second_receiver):
    _, token = await new_account(client)
    gone_id, _ = await create_endpoint(client, token, receiver.url)
    _, secret2 = await create_endpoint(client, token, second_receiver.url)
    receiver.answer_with(410)
    await new_app(client, token)
    await run_due(client)
    await advance(client, START + timedelta(days=2))
    assert len(receiver.received) == 1  # no retry after 410
    endpoints = data(await gql(client, "{ webhookEndpoints { id enabled disabledReason } }", token=token))
    gone = next(e for e in endpoints["webhookEndpoints"] if e["id"] == gone_id)
    assert gone["enabled"] is False and gone["disabledReason"].startswith("GONE")
    [d] = await deliveries(client, token, gone_id)
    assert d["status"] == "FAILED"
    # the account-level event goes to the other endpoint, not to the disabled one
    got = await second_receiver.wait_for(2)
    assert [verify(secret2, x)["type"] for x in got] == ["APPLICATION_CREATED", "WEBHOOK_ENDPOINT_DISABLED"]
    assert got[1].json["data"]["endpointId"] == gone_id
    # later events are not owed to it
    await new_app(client, token, "later")
    await run_due(client)
    assert len(receiver.received) == 1


async def test_W4_connection_refused_is_retried(client, allow_private):
    from tests.webhooks.receiver import free_port

    _, token = await new_account(client)
    endpoint_id, _ = await create_endpoint(client, token, f"http://127.0.0.1:{free_port()}/nobody")
    await new_app(client, token)
    await run_due(client)
    [d] = await deliveries(client, token, endpoint_id)
    assert d["status"] == "PENDING"
    [attempt] = d["attempts"]
    assert attempt["httpStatus"] is None and attempt["error"].startswith("ConnectError")
