"""SPEC §5 Renewal and auto-renewal (R-1…R-5), black-box (see tests/acceptance/spec.py).

Duplicates removed (covered with the same scenario and the same codes/figures elsewhere):
- test_renew_full_extends_from_current_expiry_no_campaign →
  tests/graphql/test_renewal.py::test_R1_full_renewal_prices_each_component_at_current_price (5998.00, no campaign,
  2027-04-10 00:00 +08)
- test_renew_rtc_only_keeps_im_expiry → tests/graphql/test_renewal.py::test_R1_rtc_only_renewal_keeps_the_im_expiry
- test_renew_expired_package_runs_from_now →
  tests/graphql/test_renewal.py::test_R1_B3_renewal_after_expiry_restarts_from_now_with_a_new_anchor (2999.00,
  now + 1 month, ACTIVE)
- test_reminders_when_auto_renew_off →
  tests/workers/test_timers.py::test_R4_reminders_7_days_and_24_hours_before_expiry_when_auto_renew_is_off
- test_no_reminder_when_auto_renew_on_and_funded →
  tests/workers/test_timers.py::test_R2_auto_renewal_at_the_expiry_instant_at_the_price_current_then (no reminder
  when auto-renewal is on and affordable)
- test_auto_renewal_renews_only_the_expiring_component →
  tests/workers/test_timers.py::test_R2_auto_renewal_renews_only_the_component_that_expires (1499.00, both to 03-10)
- test_invalid_duration_on_renew_and_auto_renew →
  tests/graphql/test_renewal.py::test_R1_renew_months_out_of_range_and_foreign_app and
  ::test_R2_auto_renew_months_must_be_1_to_36
- test_real_name_required_for_renew_and_upgrade (A-2) → tests/graphql/test_renewal.py::test_A2_unverified_account_cannot_renew
  and tests/graphql/test_upgrade.py::test_A2_upgrade_needs_real_name_verification
"""

import json
from datetime import timedelta

from tests.acceptance.spec import (
    EXPIRY_1M,
    account_state,
    advance,
    amounts,
    application,
    balance,
    entitlements,
    events,
    funded_owner,
    issue_token,
    new_app,
    of_type,
    orders_of,
    purchase,
    record_usage,
    renew,
    set_auto_renew,
    set_real_name,
    shanghai,
    top_up,
    ts,
    usage_event,
    voucher,
)


async def test_R5_component_expiry_locks_features_and_renewal_restarts_it(client):
    """R-5: when IM expires unrenewed the package is EXPIRED (features locked) while RTC keeps its period;
    renewing IM_ONLY restarts it from now (new anchor) and the package is ACTIVE again."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await renew(client, token, app, months=1, scope="RTC_ONLY")
    await advance(client, EXPIRY_1M)
    pkg = (await application(client, token, app))["package"]
    assert pkg["status"] == "EXPIRED"
    assert ts(pkg["rtc"]["expiresAt"]) == shanghai(2027, 3, 10)
    assert of_type(await events(client, token), "PACKAGE_EXPIRED")
    ent = await entitlements(client, token, app)
    assert (ent["featuresUnlocked"], ent["reason"], ent["edition"], ent["features"]) == (False, "EXPIRED", None, [])
    await advance(client, shanghai(2027, 2, 12))
    r = await renew(client, token, app, months=1, scope="IM_ONLY")
    assert r["errors"] == []
    assert r["order"]["amount"]["amount"] == "1499.00"
    assert ts(r["package"]["im"]["startsAt"]) == shanghai(2027, 2, 12)
    assert ts(r["package"]["im"]["expiresAt"]) == shanghai(2027, 3, 12)
    assert r["package"]["status"] == "ACTIVE"
    assert (await entitlements(client, token, app))["featuresUnlocked"] is True


async def test_R2_auto_renew_success_at_expiry(client):
    """R-2/R-3: auto-renewal at the expiry instant for `months`, at current price; AUTO_RENEWED and no
    PACKAGE_EXPIRED; an AUTO_RENEWAL order."""
    _, token = await funded_owner(client, "7651.26")  # 1653.26 + 2 × 2999.00
    app = await new_app(client, token)
    await purchase(client, token, app)
    s = await set_auto_renew(client, token, app, True, 2)
    assert s["errors"] == [] and s["package"]["autoRenew"] is True and s["package"]["autoRenewMonths"] == 2
    await advance(client, EXPIRY_1M)
    pkg = (await application(client, token, app))["package"]
    assert pkg["status"] == "ACTIVE"
    assert ts(pkg["expiresAt"]) == shanghai(2027, 4, 10)
    assert pkg["autoRenewFailureReason"] is None
    evts = await events(client, token)
    renewed = of_type(evts, "AUTO_RENEWED")
    assert len(renewed) == 1 and ts(renewed[0]["occurredAt"]) == EXPIRY_1M
    assert of_type(evts, "PACKAGE_EXPIRED") == []
    auto = await orders_of(client, token, kind="AUTO_RENEWAL")
    assert len(auto) == 1 and auto[0]["amount"]["amount"] == "5998.00"
    assert (await balance(client, token))["available"] == "0.00"


async def test_R2_auto_renew_uses_largest_eligible_voucher(client):
    """R-2: auto-renewal uses the largest unexpired voucher not above the price."""
    account_id, token = await funded_owner(client, "4552.26")  # 1653.26 + 2999.00 − 100.00
    for amt, exp in (
        ("50.00", "2027-12-31T00:00:00Z"),
        ("100.00", "2027-12-31T00:00:00Z"),
        ("3000.00", "2027-12-31T00:00:00Z"),
        ("500.00", "2027-02-01T00:00:00Z"),
    ):
        await voucher(client, account_id, amt, exp)
    app = await new_app(client, token)
    assert (await purchase(client, token, app, auto_renew=True))["errors"] == []
    await advance(client, EXPIRY_1M)
    auto = await orders_of(client, token, kind="AUTO_RENEWAL")
    assert len(auto) == 1
    assert amounts(auto[0]["paid"]) == {"voucher": "100.00", "gift": "0.00", "income": "0.00", "cash": "2899.00"}
    assert (await application(client, token, app))["package"]["status"] == "ACTIVE"


async def test_R3_auto_renew_fails_insufficient_balance_and_reminders_at_exact_instants(client):
    """R-3: AUTO_RENEW_FAILED data {"reason": "INSUFFICIENT_BALANCE"}, package EXPIRED, failure reason kept.
    R-4: RENEWAL_REMINDER at exactly expiry − 7×24 h and expiry − 24 h (balance too low); C-1 never twice."""
    _, token = await funded_owner(client, "1653.26")
    app = await new_app(client, token)
    await purchase(client, token, app, auto_renew=True)
    first, second = EXPIRY_1M - timedelta(hours=7 * 24), EXPIRY_1M - timedelta(hours=24)
    await advance(client, first - timedelta(seconds=1))
    assert of_type(await events(client, token), "RENEWAL_REMINDER") == []
    await advance(client, first)
    await advance(client, first)  # the current instant again: nothing fires twice
    assert [ts(e["occurredAt"]) for e in of_type(await events(client, token), "RENEWAL_REMINDER")] == [first]
    await advance(client, EXPIRY_1M)
    evts = await events(client, token)
    assert [ts(e["occurredAt"]) for e in of_type(evts, "RENEWAL_REMINDER")] == [first, second]
    failed = of_type(evts, "AUTO_RENEW_FAILED")
    assert len(failed) == 1 and json.loads(failed[0]["data"]) == {"reason": "INSUFFICIENT_BALANCE"}
    assert failed[0]["sdkAppId"] == app
    assert len(of_type(evts, "PACKAGE_EXPIRED")) == 1
    pkg = (await application(client, token, app))["package"]
    assert pkg["status"] == "EXPIRED" and pkg["autoRenewFailureReason"] == "INSUFFICIENT_BALANCE"


async def test_R3_auto_renew_real_name_abnormal_checked_before_balance(client):
    """R-3: order of checks — REAL_NAME_ABNORMAL comes before INSUFFICIENT_BALANCE."""
    account_id, token = await funded_owner(client, "1653.26")
    app = await new_app(client, token)
    await purchase(client, token, app, auto_renew=True)
    await set_real_name(client, account_id, False)
    await advance(client, EXPIRY_1M)
    failed = of_type(await events(client, token), "AUTO_RENEW_FAILED")
    assert [json.loads(e["data"]) for e in failed] == [{"reason": "REAL_NAME_ABNORMAL"}]
    assert (await application(client, token, app))["package"]["autoRenewFailureReason"] == "REAL_NAME_ABNORMAL"


async def test_R3_auto_renew_account_restricted_when_suspended(client):
    """R-3: a SUSPENDED account's auto-renewal fails with ACCOUNT_RESTRICTED (checked first)."""
    _, token = await funded_owner(client, "1653.26")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token, "paid")
    bare = await new_app(client, token, "bare")
    await purchase(client, token, app, auto_renew=True)
    await record_usage(client, service, [usage_event(bare, 1000)])
    await advance(client, EXPIRY_1M)
    assert (await account_state(client, token))["status"] == "SUSPENDED"
    failed = of_type(await events(client, token), "AUTO_RENEW_FAILED")
    assert [json.loads(e["data"]) for e in failed] == [{"reason": "ACCOUNT_RESTRICTED"}]
    assert (await application(client, token, app))["package"]["status"] == "EXPIRED"


async def test_R3_auto_renew_attempted_in_arrears_then_package_expires(client):
    """R-3: auto-renewal is still attempted for an account in ARREARS (not suspended); it fails with
    INSUFFICIENT_BALANCE and the package expires."""
    _, token = await funded_owner(client, "1653.26")
    service = await issue_token(client, "SERVICE")
    app, bare = await new_app(client, token, "paid"), await new_app(client, token, "bare")
    await purchase(client, token, app, auto_renew=True)
    await advance(client, shanghai(2027, 2, 8, 12))
    await record_usage(client, service, [usage_event(bare, 1000, at=shanghai(2027, 2, 8, 12))])
    await advance(client, shanghai(2027, 2, 9, 12))
    assert (await account_state(client, token))["status"] == "ARREARS"
    await advance(client, EXPIRY_1M)
    failed = of_type(await events(client, token), "AUTO_RENEW_FAILED")
    assert [json.loads(e["data"]) for e in failed] == [{"reason": "INSUFFICIENT_BALANCE"}]
    assert (await application(client, token, app))["package"]["status"] == "EXPIRED"


async def test_R2_auto_renewal_keeps_jan31_anchor_and_restart_gets_new_anchor(client):
    """B-3/R-2: a Jan 31 component auto-renewed at Feb 28 runs to Mar 31; a component restarted after expiry
    gets a new anchor (restart Mar 1 → Apr 1)."""
    _, token = await funded_owner(client)
    await advance(client, shanghai(2027, 1, 31))
    auto_app, manual_app = await new_app(client, token, "auto"), await new_app(client, token, "manual")
    assert (await purchase(client, token, auto_app, auto_renew=True))["errors"] == []
    assert (await purchase(client, token, manual_app))["errors"] == []
    await advance(client, shanghai(2027, 3, 1))
    auto_pkg = (await application(client, token, auto_app))["package"]
    assert auto_pkg["status"] == "ACTIVE" and ts(auto_pkg["expiresAt"]) == shanghai(2027, 3, 31)
    assert (await application(client, token, manual_app))["package"]["status"] == "EXPIRED"
    r = await renew(client, token, manual_app, months=1)
    assert r["errors"] == []
    assert ts(r["package"]["rtc"]["startsAt"]) == shanghai(2027, 3, 1)
    assert ts(r["package"]["expiresAt"]) == shanghai(2027, 4, 1)


async def test_R4_reminders_follow_the_new_expiry_after_renewal(client):
    """R-4/C-1: after a renewal, reminders are due before the new expiry only."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await renew(client, token, app, months=1)
    new_expiry = shanghai(2027, 3, 10)
    await advance(client, new_expiry - timedelta(seconds=1))
    got = [ts(e["occurredAt"]) for e in of_type(await events(client, token), "RENEWAL_REMINDER")]
    assert got == [new_expiry - timedelta(hours=168), new_expiry - timedelta(hours=24)]


async def test_R4_no_reminder_when_vouchers_cover_the_gap(client):
    """R-4: auto-renew on; balance 2,899.00 plus a 100.00 voucher covers 2,999.00 exactly → no reminder."""
    account_id, token = await funded_owner(client, "4552.26")
    await voucher(client, account_id, "100.00", "2027-12-31T00:00:00Z")
    app = await new_app(client, token)
    await purchase(client, token, app, auto_renew=True)
    await advance(client, EXPIRY_1M - timedelta(seconds=1))
    assert of_type(await events(client, token), "RENEWAL_REMINDER") == []


async def test_R4_second_reminder_skipped_after_top_up(client):
    """R-4: the condition is checked at each reminder instant: after a top-up that covers the auto-renewal, the
    − 24 h reminder is not raised."""
    _, token = await funded_owner(client, "1653.26")
    app = await new_app(client, token)
    await purchase(client, token, app, auto_renew=True)
    await advance(client, EXPIRY_1M - timedelta(hours=168))
    assert len(of_type(await events(client, token), "RENEWAL_REMINDER")) == 1
    await top_up(client, token, "2999.00", "cover")
    await advance(client, EXPIRY_1M - timedelta(seconds=1))
    assert len(of_type(await events(client, token), "RENEWAL_REMINDER")) == 1
