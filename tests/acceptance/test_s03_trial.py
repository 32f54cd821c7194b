"""SPEC §3 Trial (T-1…T-5), black-box (see tests/acceptance/spec.py).

Duplicates removed (covered with the same scenario and the same codes/figures elsewhere):
- test_trial_active_and_package_already_active → tests/graphql/test_trial.py::test_T3_no_trial_while_a_trial_runs
  and ::test_T3_no_trial_while_a_paid_package_is_active
- test_trial_limit_per_app_two_ever → tests/graphql/test_trial.py::test_T2_trial_per_app_limit_with_the_expiry_timer
  (TRIAL_LIMIT_PER_APP with the timer) and ::test_T2_at_most_two_trials_per_app (trialsUsed 2)
- test_trial_limit_per_account_ten → tests/graphql/test_trial.py::test_T2_at_most_ten_trials_per_account
- test_purchase_during_trial_ends_trial_and_keeps_it_counted →
  tests/graphql/test_trial.py::test_T4_purchase_during_a_trial_ends_it_and_it_stays_counted (1653.26, one TRIAL_ENDED
  at the purchase instant, trialsUsed 1, a new ACTIVE BASIC package)
"""

from datetime import timedelta

from tests.acceptance.spec import (
    START,
    account_state,
    advance,
    application,
    entitlements,
    events,
    issue_token,
    new_account,
    new_app,
    of_type,
    orders_of,
    record_usage,
    shanghai,
    start_trial,
    ts,
    usage_event,
)


async def test_T1_trial_lasts_exactly_7x24h_then_ends(client):
    """T-1/C-1: a trial runs exactly 7×24 h; it ends at that instant (TRIAL_ENDED), not a second earlier."""
    _, token = await new_account(client)
    app = await new_app(client, token)
    t = await start_trial(client, token, app)
    assert t["errors"] == []
    assert (t["package"]["status"], t["package"]["edition"]) == ("TRIAL", "TRIAL")
    end = START + timedelta(hours=7 * 24)
    assert ts(t["package"]["expiresAt"]) == end
    assert of_type(await events(client, token), "TRIAL_STARTED")
    await advance(client, end - timedelta(seconds=1))
    assert (await application(client, token, app))["package"]["status"] == "TRIAL"
    await advance(client, end)
    a = await application(client, token, app)
    assert a["package"]["status"] == "TRIAL_ENDED" and a["trialsUsed"] == 1
    assert len(of_type(await events(client, token), "TRIAL_ENDED")) == 1
    ent = await entitlements(client, token, app)
    assert (ent["featuresUnlocked"], ent["serviceActive"], ent["reason"]) == (False, True, "EXPIRED")


async def test_T5_trial_usage_recorded_never_charged(client):
    """T-5: usage during a trial is recorded and never charged."""
    _, token = await new_account(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await start_trial(client, token, app)
    u = await record_usage(client, service, [usage_event(app, 100000, "VIDEO_HD")])
    assert (u["accepted"], u["errors"]) == (1, [])
    await advance(client, shanghai(2027, 1, 12, 1))
    assert await orders_of(client, token, kind="POSTPAID") == []
    acct = await account_state(client, token)
    assert acct["status"] == "NORMAL" and acct["balance"]["available"] == "0.00"
