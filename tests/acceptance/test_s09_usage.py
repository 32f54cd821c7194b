"""SPEC §9 Usage, included resources, overage (M-1…M-5), black-box (see tests/acceptance/spec.py).

Duplicates removed (covered with the same scenario and the same figures elsewhere):
- test_included_minutes_reset_each_package_month →
  tests/graphql/test_usage.py::test_M2_allowance_lapses_at_the_package_month_end (2-month BASIC, 100,000 used →
  280,000 left, 380,000 at the next package month, two ALLOWANCE_GRANTED)
- test_im_overage_monthly_settlement → tests/graphql/test_settlement.py::test_M4_im_overage_of_a_basic_month_is_205
  (peak DAU 12,000, peak groups 100,500: one 205.00 postpaid order on the 1st at 01:00)
- test_no_im_overage_for_trial_or_no_package_months →
  tests/graphql/test_settlement.py::test_M4_no_im_charge_for_trial_or_no_package_months and
  tests/graphql/test_usage.py::test_M1_im_stats_are_idempotent_by_app_and_day (accepted 1, then 0 with 1 duplicate)
"""

from datetime import timedelta

from tests.acceptance.spec import (
    RECORD_USAGE,
    advance,
    balance,
    codes,
    entitlements,
    error_codes,
    events,
    funded_owner,
    gql,
    issue_token,
    new_account,
    new_app,
    of_type,
    orders_of,
    purchase,
    record_usage,
    shanghai,
    usage_event,
)


async def test_M3_usage_weights_and_postpaid_rate_no_package(client):
    """M-2/M-3: weights 1/2/4/9/16/36; no-package usage billed at 7.00 per 1,000 standard minutes,
    settled at 01:00 Asia/Shanghai for the previous day: 6,800 standard minutes → 47.60."""
    _, token = await funded_owner(client, "100.00")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    kinds = ["AUDIO", "VIDEO_SD", "VIDEO_HD", "VIDEO_FHD", "VIDEO_2K", "VIDEO_4K"]
    u = await record_usage(client, service, [usage_event(app, 100, k) for k in kinds])
    assert (u["accepted"], u["errors"]) == (6, [])
    settle = shanghai(2027, 1, 11, 1)
    await advance(client, settle - timedelta(seconds=1))
    assert await orders_of(client, token, kind="POSTPAID") == []
    await advance(client, settle)
    post = await orders_of(client, token, kind="POSTPAID")
    assert len(post) == 1 and post[0]["amount"]["amount"] == "47.60" and post[0]["sdkAppId"] == app
    settled = of_type(await events(client, token), "USAGE_SETTLED")
    assert len(settled) == 1 and settled[0]["sdkAppId"] == app
    assert (await balance(client, token))["available"] == "52.40"


async def test_M5_overage_beyond_allowance_and_service_continues(client):
    """M-2/M-3/M-5: minutes beyond the 380,000 allowance are billed (1,000 → 7.00); service never stops."""
    _, token = await funded_owner(client, "2000.00")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await purchase(client, token, app)
    await record_usage(client, service, [usage_event(app, 381000)])
    ent = await entitlements(client, token, app)
    assert ent["includedMinutesLeft"] == 0
    assert (ent["featuresUnlocked"], ent["serviceActive"]) == (True, True)
    await advance(client, shanghai(2027, 1, 11, 1))
    post = await orders_of(client, token, kind="POSTPAID")
    assert [o["amount"]["amount"] for o in post] == ["7.00"]


async def test_M1_record_usage_batch_limit_and_idempotency(client):
    """M-1: > 1,000 events refused whole (BATCH_TOO_LARGE); idempotent by eventId; a bad event gets its own
    error and the good ones are kept."""
    _, token = await new_account(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    big = [usage_event(app, 1) for _ in range(1001)]
    result = await gql(client, RECORD_USAGE, {"events": big}, service)
    payload_codes = codes(result["data"]["recordUsage"]) if result.get("data") else []
    assert "BATCH_TOO_LARGE" in payload_codes + error_codes(result), result.get("errors")
    ok = await record_usage(client, service, big[:1000])
    assert ok["accepted"] == 1000
    again = await record_usage(client, service, [big[0], usage_event(app, 1), usage_event(1399999999, 1)])
    assert (again["accepted"], again["duplicates"]) == (1, 1)
    assert len(again["errors"]) == 1


async def test_M2_included_minutes_consumed_in_standard_minutes(client):
    """M-2: the allowance is consumed with the weights: 100 HD minutes = 400 standard minutes."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await purchase(client, token, app)
    await record_usage(client, service, [usage_event(app, 100, "VIDEO_HD")])
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 379600


async def test_M3_daily_settlement_uses_the_shanghai_calendar_day(client):
    """M-3: usage is settled per Asia/Shanghai day at 01:00 the next day: 23:30 on 01-10 goes to the 01-11 run,
    00:10 on 01-11 to the 01-12 run."""
    _, token = await funded_owner(client, "100.00")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await advance(client, shanghai(2027, 1, 11, 0, 30))
    await record_usage(
        client,
        service,
        [
            usage_event(app, 1000, at=shanghai(2027, 1, 10, 23, 30)),
            usage_event(app, 2000, at=shanghai(2027, 1, 11, 0, 10)),
        ],
    )
    await advance(client, shanghai(2027, 1, 11, 1))
    assert [o["amount"]["amount"] for o in await orders_of(client, token, kind="POSTPAID")] == ["7.00"]
    await advance(client, shanghai(2027, 1, 12, 1))
    assert sorted(o["amount"]["amount"] for o in await orders_of(client, token, kind="POSTPAID")) == ["14.00", "7.00"]
