"""SPEC S-6: banAccount (operators only) bans the account and every app at once and for ever;
features locked, service stopped, no purchases or refunds, auto-renew off."""

import json
from datetime import timedelta

from tests.conftest import START
from tests.factories import CREATE_APP, issue_token, new_account, new_app
from tests.gql import data, error_codes, gql
from tests.money import (
    BAN_ACCOUNT,
    account_state,
    advance,
    app_state,
    assert_audit_clean,
    balance,
    ban_account,
    codes,
    credit,
    entitlements,
    events,
    key,
    of_type,
    purchase,
    record_usage,
    renew,
    shanghai,
    start_trial,
    top_up,
    usage_event,
)

REQUEST_REFUND = """mutation($o: ID!, $k: String!) { requestRefund(orderId: $o, idempotencyKey: $k) {
  refund { id status } errors { code field message } } }"""
UPGRADE = """mutation($input: UpgradeInput!) { upgradePackage(input: $input) { order { id } errors { code } } }"""
SET_AUTO_RENEW = """mutation($app: Int!, $on: Boolean!) { setAutoRenew(sdkAppId: $app, enabled: $on) {
  package { autoRenew } errors { code } } }"""
LOCKED = {
    "edition": None,
    "featuresUnlocked": False,
    "serviceActive": False,
    "reason": "BANNED",
    "limits": None,
    "features": [],
    "includedMinutesLeft": None,
}


def without_id(ent: dict) -> dict:
    return {k: v for k, v in ent.items() if k != "sdkAppId"}


async def customer_with_apps(client):
    """An owner with a BASIC package on auto-renewal, a trial, and an app with nothing."""
    account_id, token = await new_account(client)
    await credit(client, account_id, "20000.00")
    paid = await new_app(client, token, "Paid")
    trial = await new_app(client, token, "Trial")
    bare = await new_app(client, token, "Bare")
    result = await purchase(client, token, paid, "BASIC", 1, auto_renew=True)
    assert result["errors"] == []
    assert (await start_trial(client, token, trial))["errors"] == []
    return account_id, token, (paid, trial, bare), result["order"]["id"]


async def test_S6_ban_bans_the_account_and_every_app_at_once(client):
    account_id, token, apps, _ = await customer_with_apps(client)
    paid = apps[0]
    assert (await entitlements(client, token, paid))["featuresUnlocked"] is True  # cached before the ban
    result = await ban_account(client, account_id, "content violation: report #42")
    assert result["errors"] == []
    assert result["account"] == {"id": account_id, "status": "BANNED"}
    assert (await account_state(client, token))["status"] == "BANNED"
    for app in apps:
        assert (await app_state(client, token, app))["status"] == "BANNED"
        assert without_id(await entitlements(client, token, app)) == LOCKED
    package = (await app_state(client, token, paid))["package"]
    assert (package["status"], package["autoRenew"]) == ("ACTIVE", False)
    [banned] = of_type(await events(client, token), "ACCOUNT_BANNED")
    assert banned["sdkAppId"] is None
    assert json.loads(banned["data"]) == {"reason": "content violation: report #42"}
    assert banned["occurredAt"].startswith("2027-01-09T16:00:00")


async def test_S6_a_banned_account_can_buy_nothing_and_get_no_refund(client):
    account_id, token, (paid, trial, bare), order_id = await customer_with_apps(client)
    sub_id, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=account_id)
    before = await balance(client, token)
    await ban_account(client, account_id)
    for who in (token, sub_token):
        assert codes(await purchase(client, who, bare, "BASIC", 1)) == ["ACCOUNT_BANNED"]
        assert codes(await start_trial(client, who, bare)) == ["ACCOUNT_BANNED"]
        assert codes(await renew(client, who, paid, 1)) == ["ACCOUNT_BANNED"]
    upgrade = {"input": {"sdkAppId": paid, "targetEdition": "ADVANCED", "idempotencyKey": key()}}
    assert codes(data(await gql(client, UPGRADE, upgrade, token))["upgradePackage"]) == ["ACCOUNT_BANNED"]
    auto_renew = data(await gql(client, SET_AUTO_RENEW, {"app": paid, "on": True}, token))["setAutoRenew"]
    assert codes(auto_renew) == ["ACCOUNT_BANNED"]
    refund = data(await gql(client, REQUEST_REFUND, {"o": order_id, "k": key()}, token))["requestRefund"]
    assert (refund["refund"], codes(refund)) == (None, ["ACCOUNT_BANNED"])
    assert await balance(client, token) == before
    assert (await app_state(client, token, paid))["package"]["autoRenew"] is False
    await assert_audit_clean()


async def test_S6_a_ban_is_for_ever(client):
    account_id, token, (paid, _, _), _ = await customer_with_apps(client)
    await ban_account(client, account_id)
    await credit(client, account_id, "100.00")
    assert (await top_up(client, token, "100.00"))["errors"] == []
    repeat = await ban_account(client, account_id, "again")
    assert (repeat["errors"], repeat["account"]["status"]) == ([], "BANNED")
    expiry = shanghai(2027, 2, 10)
    await advance(client, expiry + timedelta(days=1))
    assert (await account_state(client, token))["status"] == "BANNED"
    assert (await app_state(client, token, paid))["status"] == "BANNED"
    assert (await app_state(client, token, paid))["package"]["status"] == "EXPIRED"  # no auto-renewal
    evts = await events(client, token)
    assert of_type(evts, "AUTO_RENEWED", "AUTO_RENEW_FAILED") == []
    assert len(of_type(evts, "ACCOUNT_BANNED")) == 1
    assert without_id(await entitlements(client, token, paid)) == LOCKED
    await assert_audit_clean()


async def test_S6_banning_a_suspended_account_stops_its_reclaim_clock(client):
    account_id, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 20_000)])  # 140.00 at 2027-01-11 01:00 +08
    suspend_at = shanghai(2027, 1, 12, 1)
    await advance(client, suspend_at)
    assert (await account_state(client, token))["status"] == "SUSPENDED"
    await ban_account(client, account_id)
    assert (await app_state(client, token, app))["status"] == "BANNED"
    await advance(client, suspend_at + timedelta(days=91))
    assert (await app_state(client, token, app))["status"] == "BANNED"
    await credit(client, account_id, "500.00")
    me = await account_state(client, token)
    assert (me["status"], me["balance"]["available"]) == ("BANNED", "360.00")
    evts = await events(client, token)
    assert of_type(evts, "APP_RECLAIMED", "ARREARS_CLEARED", "SUSPENSION_LIFTED") == []
    assert without_id(await entitlements(client, token, app)) == LOCKED
    await assert_audit_clean()


async def test_S6_usage_of_a_banned_account_is_still_settled(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100.00")
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 1_000, at=START)])
    await ban_account(client, account_id)
    await advance(client, shanghai(2027, 1, 11, 1))
    me = await account_state(client, token)
    assert (me["status"], me["balance"]["cash"]) == ("BANNED", "93.00")
    await assert_audit_clean()


async def test_S6_ban_is_for_operators_only_and_needs_a_reason(client):
    account_id, token = await new_account(client)
    service = await issue_token(client, "SERVICE")
    partner = await issue_token(
        client, "PARTNER", account_id, ["account:read", "orders:read", "packages:write", "refunds:write"]
    )
    for who in (token, service, partner):
        result = await gql(client, BAN_ACCOUNT, {"a": account_id, "reason": "x"}, who)
        assert error_codes(result) == ["FORBIDDEN"]
    assert error_codes(await gql(client, BAN_ACCOUNT, {"a": account_id, "reason": "x"})) == ["UNAUTHENTICATED"]
    for reason in ("", "   ", "x" * 201):
        assert [(e["code"], e["field"]) for e in (await ban_account(client, account_id, reason))["errors"]] == [
            ("INVALID_REASON", "reason")
        ]
    assert codes(await ban_account(client, "999999999")) == ["NOT_FOUND"]
    assert codes(await ban_account(client, "not-an-id")) == ["NOT_FOUND"]
    assert (await account_state(client, token))["status"] == "NORMAL"
    assert of_type(await events(client, token), "ACCOUNT_BANNED") == []


async def test_S6_no_new_app_on_a_banned_account(client):
    account_id, token = await new_account(client)
    await new_app(client, token, "Before the ban")
    await ban_account(client, account_id)
    result = data(await gql(client, CREATE_APP, {"name": "After the ban"}, token))["createApplication"]
    assert (result["application"], codes(result)) == (None, ["ACCOUNT_BANNED"])
    assert [
        a["status"] for a in data(await gql(client, "{ applications { status } }", token=token))["applications"]
    ] == ["BANNED"]
