"""SPEC W-1, W-6, W-7 and H-1/H-2 for webhook endpoints, through the API."""

import base64
import logging
from datetime import timedelta

from tests.conftest import START
from tests.factories import issue_token, new_account
from tests.gql import data, error_codes, gql
from tests.webhooks.receiver import (
    CREATE,
    DELETE,
    DELIVERIES,
    ENDPOINTS,
    ROTATE,
    UPDATE,
    advance,
    create_endpoint,
    new_app,
    run_due,
    verify,
)

URL = "https://hooks.example.com/roomkit"


async def create(client, token, url=URL, types=None):
    return data(await gql(client, CREATE, {"url": url, "types": types}, token))["createWebhookEndpoint"]


async def test_W1_create_returns_secret_once_and_lists_without_it(client, allow_private):
    _, token = await new_account(client)
    payload = await create(client, token, types=None)
    assert payload["errors"] == []
    secret = payload["secret"]
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24
    endpoint = payload["endpoint"]
    assert (endpoint["url"], endpoint["eventTypes"], endpoint["enabled"], endpoint["disabledReason"]) == (
        URL,
        [],
        True,
        None,
    )
    assert endpoint["createdAt"].startswith("2027-01-09T16:00:00")
    listed = data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"]
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert secret not in str(listed)
    # empty list = all types, read back as []
    payload = await create(client, token, types=[])
    assert payload["endpoint"]["eventTypes"] == []
    assert payload["secret"] != secret


async def test_W1_unknown_event_type(client, allow_private):
    _, token = await new_account(client)
    payload = await create(client, token, types=["PACKAGE_PURCHASED", "NOPE"])
    assert payload["endpoint"] is None and payload["secret"] is None
    assert payload["errors"] == [
        {"code": "INVALID_EVENT_TYPE", "field": "eventTypes.1", "message": "unknown event type 'NOPE'"}
    ]
    assert data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"] == []
    ok = await create(client, token, types=["PACKAGE_PURCHASED", "WEBHOOK_ENDPOINT_DISABLED"])
    assert ok["endpoint"]["eventTypes"] == ["PACKAGE_PURCHASED", "WEBHOOK_ENDPOINT_DISABLED"]


async def test_W1_at_most_ten_endpoints(client, allow_private):
    _, token = await new_account(client)
    for i in range(10):
        assert (await create(client, token, url=f"{URL}/{i}"))["errors"] == []
    eleventh = await create(client, token)
    assert [e["code"] for e in eleventh["errors"]] == ["WEBHOOK_LIMIT"]
    # deleting one makes room
    first = data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"][0]["id"]
    assert data(await gql(client, DELETE, {"id": first}, token))["deleteWebhookEndpoint"]["errors"] == []
    assert (await create(client, token))["errors"] == []
    # the limit is per account
    _, other = await new_account(client, name="Other")
    assert (await create(client, other))["errors"] == []


async def test_W1_update_and_delete(client, allow_private):
    _, token = await new_account(client)
    endpoint_id = (await create(client, token))["endpoint"]["id"]
    result = data(
        await gql(
            client,
            UPDATE,
            {"id": endpoint_id, "url": URL + "/v2", "types": ["BALANCE_CREDITED"], "enabled": False},
            token,
        )
    )["updateWebhookEndpoint"]
    assert result["errors"] == [] and result["secret"] is None
    assert result["endpoint"]["url"] == URL + "/v2"
    assert result["endpoint"]["eventTypes"] == ["BALANCE_CREDITED"]
    assert result["endpoint"]["enabled"] is False
    again = data(await gql(client, UPDATE, {"id": endpoint_id, "enabled": True}, token))["updateWebhookEndpoint"]
    assert (again["endpoint"]["enabled"], again["endpoint"]["disabledReason"]) == (True, None)
    bad = data(await gql(client, UPDATE, {"id": endpoint_id, "types": ["X"]}, token))["updateWebhookEndpoint"]
    assert [e["code"] for e in bad["errors"]] == ["INVALID_EVENT_TYPE"]
    assert data(await gql(client, DELETE, {"id": endpoint_id}, token))["deleteWebhookEndpoint"]["errors"] == []
    assert data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"] == []
    gone = data(await gql(client, DELETE, {"id": endpoint_id}, token))["deleteWebhookEndpoint"]
    assert [e["code"] for e in gone["errors"]] == ["NOT_FOUND"]


async def test_W1_H2_another_accounts_endpoint_is_not_found(client, allow_private):
    _, token = await new_account(client)
    _, intruder = await new_account(client, name="Intruder")
    endpoint_id = (await create(client, token))["endpoint"]["id"]
    for query, field in (
        (UPDATE, "updateWebhookEndpoint"),
        (DELETE, "deleteWebhookEndpoint"),
        (ROTATE, "rotateWebhookSecret"),
    ):
        result = data(await gql(client, query, {"id": endpoint_id}, intruder))[field]
        assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"], field
    assert data(await gql(client, ENDPOINTS, token=intruder))["webhookEndpoints"] == []
    result = await gql(client, DELIVERIES, {"id": endpoint_id}, intruder)
    assert error_codes(result) == ["NOT_FOUND"]
    assert len(data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"]) == 1


async def test_W1_H1_partner_scopes(client, allow_private):
    account_id, _ = await new_account(client)
    reader = await issue_token(client, "PARTNER", account_id, ["account:read"])
    writer = await issue_token(client, "PARTNER", account_id, ["webhooks:write"])
    assert error_codes(await gql(client, CREATE, {"url": URL}, reader)) == ["FORBIDDEN"]
    payload = data(await gql(client, CREATE, {"url": URL}, writer))["createWebhookEndpoint"]
    assert payload["errors"] == []
    assert error_codes(await gql(client, ENDPOINTS, token=writer)) == ["FORBIDDEN"]
    assert len(data(await gql(client, ENDPOINTS, token=reader))["webhookEndpoints"]) == 1
    assert error_codes(await gql(client, ENDPOINTS)) == ["UNAUTHENTICATED"]


async def test_W7_https_only_and_no_private_targets(client):
    _, token = await new_account(client)
    for url in (
        "http://hooks.example.com/x",
        "ftp://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://localhost/x",
        "https://10.1.2.3/x",
        "https://192.168.0.1/x",
        "https://172.16.0.1/x",
        "https://169.254.169.254/latest/meta-data",
        "https://224.0.0.1/x",
        "https://0.0.0.0/x",
        "https://[::1]/x",
        "https://[::ffff:127.0.0.1]/x",
        "https://[fe80::1]/x",
        "not a url",
        "",
    ):
        payload = await create(client, token, url=url)
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_WEBHOOK_URL", "url")], url
    assert data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"] == []
    assert (await create(client, token, url="https://93.184.215.14/hook"))["errors"] == []
    endpoint_id = data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"][0]["id"]
    moved = data(await gql(client, UPDATE, {"id": endpoint_id, "url": "https://127.0.0.1/x"}, token))
    assert [e["code"] for e in moved["updateWebhookEndpoint"]["errors"]] == ["INVALID_WEBHOOK_URL"]


async def test_W7_checked_again_at_each_attempt(client, receiver, monkeypatch):
    """An endpoint saved while private targets were allowed is refused at the attempt once they are not."""
    from app.settings import get_settings

    _, token = await new_account(client)
    endpoint_id, _ = await create_endpoint(client, token, receiver.url)
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "false")
    get_settings.cache_clear()
    await new_app(client, token)
    await run_due(client)
    assert receiver.received == []
    [d] = [
        e["node"] for e in data(await gql(client, DELIVERIES, {"id": endpoint_id}, token))["webhookDeliveries"]["edges"]
    ]
    assert d["status"] == "PENDING"
    assert d["attempts"][0]["httpStatus"] is None
    assert d["attempts"][0]["error"].startswith("INVALID_WEBHOOK_URL")


async def test_W6_rotation_signs_with_both_secrets_for_24_hours(client, receiver):
    _, token = await new_account(client)
    endpoint_id, old = await create_endpoint(client, token, receiver.url)
    rotated = data(await gql(client, ROTATE, {"id": endpoint_id}, token))["rotateWebhookSecret"]
    new = rotated["secret"]
    assert rotated["errors"] == [] and new.startswith("whsec_") and new != old
    await new_app(client, token)
    await run_due(client)
    [r] = await receiver.wait_for(1)
    signatures = r.headers["webhook-signature"].split(" ")
    assert len(signatures) == 2
    # the new one first: each secret verifies, and the first signature alone is the new secret's
    verify(new, r)
    verify(old, r)
    only_first = type(r)({**r.headers, "webhook-signature": signatures[0]}, r.body, r.status)
    verify(new, only_first)
    # after 24 h only the new secret signs
    await advance(client, START + timedelta(hours=24, seconds=1))
    await new_app(client, token, "later")
    await run_due(client)
    later = (await receiver.wait_for(2))[1]
    assert " " not in later.headers["webhook-signature"]
    verify(new, later)


async def test_W7_secrets_never_logged(client, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    _, token = await new_account(client)
    endpoint_id, secret = await create_endpoint(client, token, receiver.url)
    new = data(await gql(client, ROTATE, {"id": endpoint_id}, token))["rotateWebhookSecret"]["secret"]
    await new_app(client, token)
    await run_due(client)
    await receiver.wait_for(1)
    text = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    for s in (secret, new, secret.removeprefix("whsec_"), new.removeprefix("whsec_")):
        assert s not in text
    assert receiver.received[0].headers["webhook-signature"].split(" ")[0].split(",")[1] not in text


async def test_W1_the_limit_holds_under_concurrent_creates(client, allow_private):
    import asyncio

    _, token = await new_account(client)
    results = await asyncio.gather(*[create(client, token, url=f"{URL}/{i}") for i in range(13)])
    codes = sorted(e["code"] for r in results for e in r["errors"])
    assert codes == ["WEBHOOK_LIMIT"] * 3
    assert len(data(await gql(client, ENDPOINTS, token=token))["webhookEndpoints"]) == 10
