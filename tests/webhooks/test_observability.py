"""SPEC W-5: disabling a failing endpoint after 5 × 24 h, enabling it again, the delivery log with
every attempt, and redelivery."""

from datetime import timedelta

from tests.conftest import START
from tests.factories import new_account
from tests.gql import data, gql
from tests.webhooks.receiver import (
    ENDPOINTS,
    REDELIVER,
    UPDATE,
    advance,
    create_endpoint,
    deliveries,
    new_app,
    run_due,
    verify,
)


async def endpoint_state(client, token, endpoint_id) -> dict:
    listed = data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"]
    return next(e for e in listed if e["id"] == endpoint_id)


async def test_W5_disabled_after_five_days_without_success(client, receiver, second_receiver):
    _, token = await new_account(client)
    failing_id, _ = await create_endpoint(client, token, receiver.url)
    _, secret2 = await create_endpoint(client, token, second_receiver.url, types=["WEBHOOK_ENDPOINT_DISABLED"])
    receiver.answer_with(then=500)
    await new_app(client, token)
    await run_due(client)
    # every retry has failed by ~3.2 days; still enabled until 5 × 24 h after its creation
    await advance(client, START + timedelta(days=5) - timedelta(seconds=1))
    assert (await endpoint_state(client, token, failing_id))["enabled"] is True
    assert second_receiver.received == []
    await advance(client, START + timedelta(days=5))
    state = await endpoint_state(client, token, failing_id)
    assert state["enabled"] is False and state["disabledReason"].startswith("FAILING")
    [r] = await second_receiver.wait_for(1)
    body = verify(secret2, r)
    assert body["type"] == "WEBHOOK_ENDPOINT_DISABLED" and body["sdkAppId"] is None
    assert body["data"]["endpointId"] == failing_id
    assert r.timestamp == START + timedelta(days=5)
    # not delivered to the disabled endpoint itself
    assert all(x.json["type"] != "WEBHOOK_ENDPOINT_DISABLED" for x in receiver.received)
    # enabled again: later events go to it
    receiver.answer_with(then=200)
    seen = len(receiver.received)
    result = data(await gql(client, UPDATE, {"id": failing_id, "enabled": True}, token))["updateWebhookEndpoint"]
    assert (result["endpoint"]["enabled"], result["endpoint"]["disabledReason"]) == (True, None)
    await new_app(client, token, "after")
    await run_due(client)
    assert [x.json["type"] for x in receiver.received[seen:]] == ["APPLICATION_CREATED"]
    assert receiver.received[-1].status == 200


async def test_W5_a_success_restarts_the_five_days(client, receiver):
    _, token = await new_account(client)
    endpoint_id, _ = await create_endpoint(client, token, receiver.url)
    await advance(client, START + timedelta(days=4))
    await new_app(client, token)
    await run_due(client)  # succeeds at day 4
    receiver.answer_with(200, then=500)
    await new_app(client, token, "second")
    await run_due(client)
    await advance(client, START + timedelta(days=8, hours=23))
    assert (await endpoint_state(client, token, endpoint_id))["enabled"] is True
    await advance(client, START + timedelta(days=9))
    assert (await endpoint_state(client, token, endpoint_id))["enabled"] is False


async def test_W5_attempts_are_listed_and_bodies_cut(client, receiver):
    _, token = await new_account(client)
    endpoint_id, _ = await create_endpoint(client, token, receiver.url)
    receiver.answer_with(500, body="x" * 5000)
    await new_app(client, token)
    await run_due(client)
    await advance(client, START + timedelta(seconds=10))
    [d] = await deliveries(client, token, endpoint_id)
    assert d["status"] == "SUCCEEDED"
    first, second = d["attempts"]
    assert (first["httpStatus"], first["error"], len(first["responseBody"])) == (500, "HTTP 500", 2048)
    assert first["at"].startswith("2027-01-09T16:00:00")
    assert isinstance(first["durationMs"], int) and first["durationMs"] >= 0
    assert (second["httpStatus"], second["error"]) == (200, None)


async def test_W5_filter_by_status_and_paginate(client, receiver):
    _, token = await new_account(client)
    endpoint_id, _ = await create_endpoint(client, token, receiver.url)
    receiver.answer_with(200, 410)
    for i in range(2):
        await new_app(client, token, f"app {i}")
    await run_due(client)
    assert [d["status"] for d in await deliveries(client, token, endpoint_id)] == ["FAILED", "SUCCEEDED"]
    assert [d["event"]["sequence"] for d in await deliveries(client, token, endpoint_id, status="SUCCEEDED")] == [1]
    assert [d["event"]["sequence"] for d in await deliveries(client, token, endpoint_id, status="FAILED")] == [2]
    assert await deliveries(client, token, endpoint_id, status="PENDING") == []
    page = data(
        await gql(
            client,
            """query($id: ID!) { webhookDeliveries(endpointId: $id, first: 1) {
        edges { node { event { sequence } } } pageInfo { hasNextPage endCursor } } }""",
            {"id": endpoint_id},
            token,
        )
    )
    conn = page["webhookDeliveries"]
    assert conn["pageInfo"]["hasNextPage"] is True
    rest = await deliveries(client, token, endpoint_id, after=conn["pageInfo"]["endCursor"])
    assert [d["event"]["sequence"] for d in rest] == [1]
    too_many = await gql(
        client,
        "query($id: ID!) { webhookDeliveries(endpointId: $id, first: 101) { edges { cursor } } }",
        {"id": endpoint_id},
        token,
    )
    assert "errors" in too_many


async def test_W5_redeliver_sends_again_at_once(client, receiver):
    _, token = await new_account(client)
    endpoint_id, secret = await create_endpoint(client, token, receiver.url)
    receiver.answer_with(then=500)
    await new_app(client, token)
    await run_due(client)
    await advance(client, START + timedelta(days=4))
    [d] = await deliveries(client, token, endpoint_id)
    assert d["status"] == "FAILED" and len(d["attempts"]) == 10
    receiver.answer_with(then=200)
    result = data(await gql(client, REDELIVER, {"id": d["id"]}, token))["redeliverWebhook"]
    assert result["errors"] == []
    assert result["delivery"]["status"] == "SUCCEEDED"
    assert len(result["delivery"]["attempts"]) == 11
    assert result["delivery"]["attempts"][-1]["httpStatus"] == 200
    got = receiver.received
    assert len(got) == 11 and len({x.id for x in got}) == 1
    verify(secret, got[-1])
    assert got[-1].timestamp == START + timedelta(days=4)
    # another account cannot
    _, other = await new_account(client, name="Other")
    denied = data(await gql(client, REDELIVER, {"id": d["id"]}, other))["redeliverWebhook"]
    assert [e["code"] for e in denied["errors"]] == ["NOT_FOUND"]
