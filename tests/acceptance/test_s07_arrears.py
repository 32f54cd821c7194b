"""SPEC §7 Arrears, suspension, reclaim, ban (S-1…S-7), black-box (see tests/acceptance/spec.py).

The scenario (`spec.into_arrears`): 7.00 postpaid at 2027-01-11 01:00 Asia/Shanghai on a zero balance.

Duplicates removed (covered with the same scenario and the same codes elsewhere):
- test_ban_blocks_renewal_and_trial →
  tests/graphql/test_ban.py::test_S6_a_banned_account_can_buy_nothing_and_get_no_refund (renewPackage, startTrial
  and upgradePackage refused with ACCOUNT_BANNED)
The S-1…S-5/S-7 tests of tests/graphql/test_arrears.py tell the same story with 140.00; these keep their 7.00
figures, the reclaim counted from a second suspension, and the refund refused for the ban outside the window.
"""

from datetime import timedelta

from tests.acceptance.spec import (
    START,
    account_state,
    advance,
    application,
    ban_account,
    codes,
    credit,
    entitlements,
    events,
    funded_owner,
    into_arrears,
    issue_token,
    new_account,
    new_app,
    of_type,
    purchase,
    record_usage,
    refund,
    shanghai,
    top_up,
    ts,
    usage_event,
)


async def test_S1_arrears_start_when_balance_negative(client):
    """S-1/S-7/N-1: postpaid taken into a negative cash balance; ARREARS at that instant, account-level event;
    an account in ARREARS but not yet suspended is served."""
    _, token, paid, _bare = await into_arrears(client)
    acct = await account_state(client, token)
    assert acct["status"] == "ARREARS" and ts(acct["arrearsSince"]) == shanghai(2027, 1, 11, 1)
    assert acct["balance"] == {"cash": "-7.00", "income": "0.00", "gift": "0.00", "available": "-7.00"}
    started = of_type(await events(client, token), "ARREARS_STARTED")
    assert len(started) == 1 and started[0]["sdkAppId"] is None
    ent = await entitlements(client, token, paid)
    assert (ent["serviceActive"], ent["featuresUnlocked"], ent["reason"]) == (True, True, None)


async def test_S2_arrears_cleared_within_24h(client):
    """S-2: balance back to ≥ 0 within 24 h ends arrears; nothing else happens."""
    _, token, _paid, _bare = await into_arrears(client)
    r = await top_up(client, token, "7.00", "clear")
    assert r["errors"] == [] and r["account"]["status"] == "NORMAL"
    await advance(client, shanghai(2027, 1, 13))
    evts = await events(client, token)
    assert of_type(evts, "ARREARS_CLEARED") and of_type(evts, "ACCOUNT_SUSPENDED") == []
    assert (await account_state(client, token))["status"] == "NORMAL"


async def test_S3_suspension_at_arrears_plus_24h_and_lift_on_topup(client):
    """S-3: still negative at arrears start + 24 h → SUSPENDED; serviceActive false, reason ARREARS, features
    stay unlocked; S-4: a top-up to ≥ 0 lifts it at once."""
    _, token, paid, _bare = await into_arrears(client)
    suspend_at = shanghai(2027, 1, 12, 1)
    await advance(client, suspend_at - timedelta(seconds=1))
    assert (await account_state(client, token))["status"] == "ARREARS"
    await advance(client, suspend_at)
    acct = await account_state(client, token)
    assert acct["status"] == "SUSPENDED" and ts(acct["suspendedAt"]) == suspend_at
    ent = await entitlements(client, token, paid)
    assert (ent["serviceActive"], ent["featuresUnlocked"], ent["reason"], ent["edition"]) == (
        False,
        True,
        "ARREARS",
        "BASIC",
    )
    assert (await application(client, token, paid))["status"] == "SUSPENDED"
    assert of_type(await events(client, token), "ACCOUNT_SUSPENDED")
    r = await top_up(client, token, "7.00", "lift")
    assert r["errors"] == [] and r["account"]["status"] == "NORMAL"
    evts = await events(client, token)
    for type_ in ("ARREARS_STARTED", "ACCOUNT_SUSPENDED", "SUSPENSION_LIFTED"):
        assert [e["sdkAppId"] for e in of_type(evts, type_)] == [None], type_
    ent = await entitlements(client, token, paid)
    assert (ent["serviceActive"], ent["reason"]) == (True, None)
    assert (await application(client, token, paid))["status"] == "ACTIVE"


async def test_S5_reclaim_after_90_days_suspended(client):
    """S-5: suspended at +90×24 h → apps RECLAIMED (APP_RECLAIMED); nothing can be bought (APP_RECLAIMED);
    a later top-up lifts the suspension but never brings the app back."""
    _, token, paid, bare = await into_arrears(client)
    reclaim_at = shanghai(2027, 1, 12, 1) + timedelta(hours=90 * 24)
    await advance(client, reclaim_at - timedelta(seconds=1))
    assert (await application(client, token, bare))["status"] == "SUSPENDED"
    await advance(client, reclaim_at)
    assert (await application(client, token, bare))["status"] == "RECLAIMED"
    assert (await application(client, token, paid))["status"] == "RECLAIMED"
    assert len(of_type(await events(client, token), "APP_RECLAIMED")) == 2
    r = await top_up(client, token, "10000.00", "late")
    assert r["errors"] == [] and r["account"]["status"] == "NORMAL"
    assert (await application(client, token, bare))["status"] == "RECLAIMED"
    assert codes(await purchase(client, token, bare)) == ["APP_RECLAIMED"]
    ent = await entitlements(client, token, bare)
    assert (ent["serviceActive"], ent["reason"]) == (False, "RECLAIMED")


async def test_S6_ban_locks_everything(client):
    """S-6: banAccount → account and apps BANNED; features locked, service stopped; auto-renew off;
    purchases and refunds refused with ACCOUNT_BANNED (F-1 checks the ban first)."""
    account_id, token = await funded_owner(client)
    app, other = await new_app(client, token, "a"), await new_app(client, token, "b")
    p = await purchase(client, token, app, auto_renew=True)
    b = await ban_account(client, account_id, "violation")
    assert b["errors"] == [] and b["account"]["status"] == "BANNED"
    a = await application(client, token, app)
    assert a["status"] == "BANNED" and a["package"]["autoRenew"] is False
    ent = await entitlements(client, token, app)
    assert (ent["featuresUnlocked"], ent["serviceActive"], ent["reason"], ent["edition"], ent["features"]) == (
        False,
        False,
        "BANNED",
        None,
        [],
    )
    assert codes(await purchase(client, token, other)) == ["ACCOUNT_BANNED"]
    await advance(client, START + timedelta(hours=121))
    assert codes(await refund(client, token, p["order"]["id"])) == ["ACCOUNT_BANNED"]
    banned = of_type(await events(client, token), "ACCOUNT_BANNED")
    assert len(banned) == 1 and banned[0]["sdkAppId"] is None


async def test_S4_partial_topup_keeps_suspension(client):
    """S-4: only a top-up that brings the balance to ≥ 0 lifts the suspension."""
    _, token, _paid, _bare = await into_arrears(client)
    await advance(client, shanghai(2027, 1, 12, 1))
    r = await top_up(client, token, "5.00", "part")
    assert r["account"]["status"] == "SUSPENDED"
    r = await top_up(client, token, "2.00", "rest")
    assert r["account"]["status"] == "NORMAL"


async def test_S5_reclaim_counts_from_the_latest_suspension(client):
    """S-5: the 90 days count from the suspension still in force: lifted and suspended again later, the app
    is not reclaimed at the first suspension + 90 days but at the second one's."""
    _, token, _paid, bare = await into_arrears(client)
    service = await issue_token(client, "SERVICE")
    await advance(client, shanghai(2027, 2, 1))
    assert (await account_state(client, token))["status"] == "SUSPENDED"
    await top_up(client, token, "7.00", "lift")
    await record_usage(client, service, [usage_event(bare, 1000, at=shanghai(2027, 2, 1))])
    await advance(client, shanghai(2027, 2, 3, 1))
    acct = await account_state(client, token)
    assert acct["status"] == "SUSPENDED" and ts(acct["suspendedAt"]) == shanghai(2027, 2, 3, 1)
    await advance(client, shanghai(2027, 4, 12, 1))
    assert (await application(client, token, bare))["status"] == "SUSPENDED"
    await advance(client, shanghai(2027, 2, 3, 1) + timedelta(hours=90 * 24))
    assert (await application(client, token, bare))["status"] == "RECLAIMED"


async def test_S7_postpaid_from_cash_with_positive_gift_is_not_arrears(client):
    """S-7: postpaid charges come from cash (which may go negative); arrears only when the available total < 0."""
    account_id, token = await new_account(client)
    await credit(client, account_id, "100.00", "gift")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await record_usage(client, service, [usage_event(app, 1000)])
    await advance(client, shanghai(2027, 1, 11, 1))
    acct = await account_state(client, token)
    assert acct["status"] == "NORMAL"
    assert acct["balance"] == {"cash": "-7.00", "income": "0.00", "gift": "100.00", "available": "93.00"}
