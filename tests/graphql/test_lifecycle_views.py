"""A-3 (account status) and P-2 (the package an application shows) across a whole life."""

from datetime import timedelta

from tests.conftest import START
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, gql
from tests.money import (
    account_state,
    advance,
    application,
    ban_account,
    credit,
    purchase,
    record_usage,
    start_trial,
    usage_event,
)

REFUND = """mutation($id: ID!, $key: String!) { requestRefund(orderId: $id, idempotencyKey: $key) {
  refund { status amount { amount } } errors { code } } }"""


async def test_P2_application_package_is_the_current_one_then_the_last_with_its_final_status(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    assert (await application(client, token, app))["package"] is None

    await start_trial(client, token, app)
    assert (await application(client, token, app))["package"]["status"] == "TRIAL"
    await advance(client, START + timedelta(days=7))
    shown = (await application(client, token, app))["package"]
    assert (shown["edition"], shown["status"]) == ("TRIAL", "TRIAL_ENDED")

    order = (await purchase(client, token, app, "BASIC", 1))["order"]
    shown = (await application(client, token, app))["package"]
    assert (shown["edition"], shown["status"]) == ("BASIC", "ACTIVE")
    refund = data(await gql(client, REFUND, {"id": order["id"], "key": "r1"}, token))["requestRefund"]
    assert (refund["errors"], refund["refund"]["status"]) == ([], "APPROVED")
    assert (await application(client, token, app))["package"]["status"] == "REFUNDED"

    await purchase(client, token, app, "ADVANCED", 1)
    await advance(client, START + timedelta(days=50))
    shown = (await application(client, token, app))["package"]
    assert (shown["edition"], shown["status"]) == ("ADVANCED", "EXPIRED")


async def test_P2_a_reclaimed_app_shows_its_package_reclaimed(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "1653.26")
    app = await new_app(client, token)
    await purchase(client, token, app, "BASIC", 1)
    service = await issue_token(client, "SERVICE")
    await advance(client, START + timedelta(hours=1))
    await record_usage(client, service, [usage_event(app, 20000, kind="VIDEO_4K", at=START + timedelta(minutes=30))])
    await advance(client, START + timedelta(days=95))
    shown = await application(client, token, app)
    assert shown["status"] == "RECLAIMED"
    assert shown["package"]["status"] == "RECLAIMED"


async def test_A3_account_status_goes_normal_arrears_suspended_normal_banned(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "1653.26")
    app = await new_app(client, token)
    await purchase(client, token, app, "BASIC", 1)
    assert (await account_state(client, token))["status"] == "NORMAL"
    service = await issue_token(client, "SERVICE")
    await advance(client, START + timedelta(hours=1))
    # 20,000 min of 4K = 720,000 standard minutes; 340,000 beyond the allowance = 2380.00
    await record_usage(client, service, [usage_event(app, 20000, kind="VIDEO_4K", at=START + timedelta(minutes=30))])
    await advance(client, START + timedelta(days=1, hours=1))
    state = await account_state(client, token)
    assert (state["status"], state["balance"]["available"]) == ("ARREARS", "-2380.00")
    await advance(client, START + timedelta(days=2, hours=1))
    assert (await account_state(client, token))["status"] == "SUSPENDED"
    await credit(client, account_id, "2380.00")
    assert (await account_state(client, token))["status"] == "NORMAL"
    await ban_account(client, account_id)
    assert (await account_state(client, token))["status"] == "BANNED"
