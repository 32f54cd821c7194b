"""SPEC §10 Entitlements (N-1, N-2), black-box (see tests/acceptance/spec.py).

Duplicates removed (covered with the same scenario and the same values elsewhere):
- test_entitlements_no_package → tests/graphql/test_entitlements.py::test_N1_no_package
- test_entitlements_per_edition[TRIAL|BASIC|ADVANCED|LARGE_ROOM] → tests/graphql/test_entitlements.py::test_N1_trial
  and ::test_N1_paid_editions (the same limits and the same feature sets: its COMMON and SEATS equal this suite's
  ALL_EDITION_FEATURES and SEATS, and no quota/limit code among the features)
"""

from tests.acceptance.spec import (
    EXPIRY_1M,
    RECORD_USAGE,
    advance,
    ban_account,
    entitlements,
    error_codes,
    funded_owner,
    gql,
    issue_token,
    new_account,
    new_app,
    purchase,
    refund,
    renew,
    upgrade,
    usage_event,
)


async def test_H1_service_token_reads_entitlements_of_any_app(client):
    """H-1: SERVICE tokens read entitlements for any app; a customer cannot ingest usage."""
    _, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    assert (await entitlements(client, service, app))["sdkAppId"] == app
    r = await gql(client, RECORD_USAGE, {"events": [usage_event(app, 1)]}, token)
    assert "FORBIDDEN" in error_codes(r)


async def test_N2_entitlements_reflect_each_transition_at_once(client):
    """N-2: entitlements (read by the room service on every join, cached) reflect every transition at once."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)

    async def both():
        mine = await entitlements(client, token, app)
        svc = await entitlements(client, service, app)
        assert mine == svc
        return mine

    assert (await both())["reason"] == "NO_PACKAGE"
    await purchase(client, token, app)
    assert (await both())["edition"] == "BASIC"
    await renew(client, token, app, months=1, scope="RTC_ONLY")
    await upgrade(client, token, app, "ADVANCED")
    assert (await both())["limits"]["maxParticipants"] == 200
    await advance(client, EXPIRY_1M)
    e = await both()
    assert (e["featuresUnlocked"], e["reason"]) == (False, "EXPIRED")
    await renew(client, token, app, months=1, scope="IM_ONLY")
    e = await both()
    assert (e["featuresUnlocked"], e["edition"], e["reason"]) == (True, "ADVANCED", None)


async def test_N1_reason_precedence_banned_over_refunded(client):
    """N-1: reason is the first that applies of BANNED, RECLAIMED, ARREARS, REFUNDED, EXPIRED, NO_PACKAGE."""
    account_id, token = await funded_owner(client)
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    await refund(client, token, p["order"]["id"])
    assert (await entitlements(client, token, app))["reason"] == "REFUNDED"
    await ban_account(client, account_id, "x")
    assert (await entitlements(client, token, app))["reason"] == "BANNED"
