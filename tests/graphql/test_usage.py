"""SPEC M-1 (usage ingestion), M-2 (allowance and weights), M-5 and T-5, through the API."""

import asyncio
import json
from datetime import timedelta

import pytest

from app.domain.packages.models import Package
from app.domain.usage.models import ImDailyStat, UsageRecord
from tests.conftest import OPERATOR, START
from tests.factories import issue_token, new_account, new_app
from tests.gql import error_codes, gql
from tests.money import (
    RECORD_IM_STATS,
    RECORD_USAGE,
    advance,
    app_state,
    assert_audit_clean,
    balance,
    credit,
    entitlements,
    events,
    of_type,
    orders_of,
    purchase,
    record_im_stats,
    record_usage,
    shanghai,
    start_trial,
    usage_event,
)

BASIC_MINUTES = 380_000
DAY_ONE_SETTLED = shanghai(2027, 1, 11, 1)  # 01:00 +08 the day after START's day


async def funded_app(client, amount="100000.00"):
    account_id, token = await new_account(client)
    await credit(client, account_id, amount)
    app = await new_app(client, token)
    return account_id, token, app


async def basic_app(client, months=1):
    account_id, token, app = await funded_app(client)
    assert (await purchase(client, token, app, "BASIC", months))["errors"] == []
    return account_id, token, app


async def minutes_left(client, token, app) -> int | None:
    """The included minutes left this package month: the package field and entitlements (N-1) agree."""
    package = (await app_state(client, token, app))["package"]
    left = (await entitlements(client, token, app))["includedMinutesLeft"]
    assert package["includedMinutesLeft"] == left
    return left


def errors_of(payload) -> list[tuple[str, str]]:
    return [(e["code"], e["field"]) for e in payload["errors"]]


# ---------------------------------------------------------------- M-1 recordUsage


async def test_M1_batch_of_1001_events_is_refused_whole_and_1000_are_accepted(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    batch = [usage_event(app, 1) for _ in range(1001)]
    result = await record_usage(client, service, batch)
    assert (result["accepted"], result["duplicates"]) == (0, 0)
    assert errors_of(result) == [("BATCH_TOO_LARGE", "events")]
    assert await UsageRecord.all().count() == 0
    result = await record_usage(client, service, batch[:1000])
    assert (result["accepted"], result["duplicates"], result["errors"]) == (1000, 0, [])
    assert await UsageRecord.filter(sdk_app_id=app).count() == 1000


async def test_M1_duplicates_by_event_id_are_counted_and_applied_once(client):
    _, token, app = await basic_app(client)
    service = await issue_token(client, "SERVICE")
    first = usage_event(app, 1000, "VIDEO_4K", event_id="room-1/user-1/seg-1")  # 36,000 standard minutes
    second = usage_event(app, 1000, "AUDIO", event_id="room-1/user-2/seg-1")  # 1,000
    result = await record_usage(client, service, [first, first, second])
    assert (result["accepted"], result["duplicates"], result["errors"]) == (2, 1, [])
    assert await minutes_left(client, token, app) == BASIC_MINUTES - 37_000
    # Sent again (a retry), with one new event; a reused eventId with other figures is still a duplicate.
    changed = {**second, "minutes": 9999, "kind": "VIDEO_FHD"}
    result = await record_usage(client, service, [first, changed, usage_event(app, 500, event_id="room-2")])
    assert (result["accepted"], result["duplicates"], result["errors"]) == (1, 2, [])
    assert await minutes_left(client, token, app) == BASIC_MINUTES - 37_500
    assert await UsageRecord.filter(sdk_app_id=app).count() == 3
    assert (await UsageRecord.get(event_id="room-1/user-2/seg-1")).minutes == 1000


async def test_M1_a_bad_event_gets_its_own_error_and_the_good_ones_are_kept(client):
    _, token, app = await basic_app(client)
    service = await issue_token(client, "SERVICE")
    batch = [
        usage_event(app, 100, at=START),
        usage_event(1_399_999_999, 100),  # no such application
        usage_event(app, -1),
        usage_event(app, 100, at=START + timedelta(minutes=10, seconds=1)),  # too far in the future
        usage_event(app, 200, "VIDEO_SD", at=START - timedelta(days=3)),
        usage_event(app, 300, at=START + timedelta(minutes=10)),  # 10 minutes ahead is still fine
        usage_event(app, 0),  # zero minutes: recorded, nothing consumed
    ]
    result = await record_usage(client, service, batch)
    assert (result["accepted"], result["duplicates"]) == (4, 0)
    assert errors_of(result) == [
        ("NOT_FOUND", "events[1].sdkAppId"),
        ("INVALID_MINUTES", "events[2].minutes"),
        ("INVALID_TIME", "events[3].occurredAt"),
    ]
    assert all(e["message"] for e in result["errors"])
    assert await UsageRecord.all().count() == 4
    # 100 + 300 after the purchase; the SD event three days before it had no package: billable.
    assert await minutes_left(client, token, app) == BASIC_MINUTES - 400
    early = await UsageRecord.get(event_id=batch[4]["eventId"])
    assert (early.standard_minutes, early.included_minutes, early.billable_minutes) == (400, 0, 400)


async def test_M1_the_same_event_id_refused_then_sent_right_is_accepted(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    bad = usage_event(app, -5, event_id="retry-me")
    assert errors_of(await record_usage(client, service, [bad])) == [("INVALID_MINUTES", "events[0].minutes")]
    result = await record_usage(client, service, [{**bad, "minutes": 5}])
    assert (result["accepted"], result["duplicates"], result["errors"]) == (1, 0, [])


async def test_M1_usage_ingestion_is_for_services_and_operators(client):
    account_id, token = await new_account(client)
    app = await new_app(client, token)
    partner = await issue_token(
        client, "PARTNER", account_id, ["account:read", "orders:read", "packages:write", "refunds:write"]
    )
    for who in (token, partner):
        result = await gql(client, RECORD_USAGE, {"events": [usage_event(app, 1)]}, who)
        assert error_codes(result) == ["FORBIDDEN"]
        result = await gql(client, RECORD_IM_STATS, {"app": app, "day": "2027-01-10", "dau": 1, "groups": 1}, who)
        assert error_codes(result) == ["FORBIDDEN"]
    result = await gql(client, RECORD_USAGE, {"events": [usage_event(app, 1)]})
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert await UsageRecord.all().count() == 0
    assert await ImDailyStat.all().count() == 0
    service = await issue_token(client, "SERVICE")
    assert (await record_usage(client, service, [usage_event(app, 1)]))["accepted"] == 1
    assert (await record_usage(client, OPERATOR, [usage_event(app, 1)]))["accepted"] == 1


async def test_M1_im_stats_are_idempotent_by_app_and_day(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    other = await new_app(client, token, "Other")
    service = await issue_token(client, "SERVICE")
    first = await record_im_stats(client, service, app, "2027-01-10", 12_000, 100_500)
    assert (first["accepted"], first["duplicates"], first["errors"]) == (1, 0, [])
    again = await record_im_stats(client, service, app, "2027-01-10", 99_999, 1)
    assert (again["accepted"], again["duplicates"], again["errors"]) == (0, 1, [])
    row = await ImDailyStat.get(sdk_app_id=app, day=START.date().replace(day=10))
    assert (row.dau, row.peak_groups) == (12_000, 100_500)  # the first figures stand
    # Another day, or another app on the same day, is a new record.
    assert (await record_im_stats(client, service, app, "2027-01-09", 1, 1))["accepted"] == 1
    assert (await record_im_stats(client, service, other, "2027-01-10", 1, 1))["accepted"] == 1
    assert await ImDailyStat.all().count() == 3


@pytest.mark.parametrize("day", ["2027-13-01", "2027-02-30", "10/01/2027", "yesterday", "", "2027-01-11"])
async def test_M1_im_stats_with_a_bad_or_future_day_is_invalid_day(client, day):
    _, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    result = await record_im_stats(client, service, app, day, 1, 1)
    assert (result["accepted"], result["duplicates"]) == (0, 0)
    assert errors_of(result) == [("INVALID_DAY", "day")]
    assert await ImDailyStat.all().count() == 0


async def test_M1_im_stats_refusals(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    assert errors_of(await record_im_stats(client, service, 1_399_999_999, "2027-01-10", 1, 1)) == [
        ("NOT_FOUND", "sdkAppId")
    ]
    assert [e["code"] for e in (await record_im_stats(client, service, app, "2027-01-10", -1, 1))["errors"]] == [
        "INVALID_STATS"
    ]
    assert await ImDailyStat.all().count() == 0


async def test_M1_the_same_batch_sent_twice_at_once_is_applied_once(client):
    _, token, app = await basic_app(client)
    service = await issue_token(client, "SERVICE")
    batch = [usage_event(app, 1_000, "VIDEO_HD", at=START + timedelta(seconds=i)) for i in range(50)]
    results = await asyncio.gather(*[record_usage(client, service, batch) for _ in range(4)])
    assert sum(r["accepted"] for r in results) == 50
    assert sum(r["duplicates"] for r in results) == 150
    assert all(r["errors"] == [] for r in results)
    assert await minutes_left(client, token, app) == BASIC_MINUTES - 200_000


async def test_M1_concurrent_batches_share_one_allowance(client):
    _, token, app = await basic_app(client)
    service = await issue_token(client, "SERVICE")
    batches = [[usage_event(app, 50_000, at=START + timedelta(seconds=i))] for i in range(10)]  # 500,000 in all
    results = await asyncio.gather(*[record_usage(client, service, b) for b in batches])
    assert [r["accepted"] for r in results] == [1] * 10
    assert await minutes_left(client, token, app) == 0
    rows = await UsageRecord.filter(sdk_app_id=app)
    assert sum(r.included_minutes for r in rows) == BASIC_MINUTES
    assert sum(r.billable_minutes for r in rows) == 500_000 - BASIC_MINUTES


# ---------------------------------------------------------------- M-2 allowance and weights


async def test_M2_consumption_weights(client):
    _, token, app = await basic_app(client)
    service = await issue_token(client, "SERVICE")
    kinds = {"AUDIO": 1, "VIDEO_SD": 2, "VIDEO_HD": 4, "VIDEO_FHD": 9, "VIDEO_2K": 16, "VIDEO_4K": 36}
    batch = [usage_event(app, 1000, kind, event_id=kind) for kind in kinds]
    assert (await record_usage(client, service, batch))["accepted"] == 6
    for kind, weight in kinds.items():
        assert (await UsageRecord.get(event_id=kind)).standard_minutes == 1000 * weight
    assert await minutes_left(client, token, app) == BASIC_MINUTES - 68_000


async def test_M2_allowance_is_consumed_then_usage_is_billable(client):
    _, token, app = await basic_app(client)
    service = await issue_token(client, "SERVICE")
    assert await minutes_left(client, token, app) == 380_000
    await record_usage(client, service, [usage_event(app, 10_000, "VIDEO_4K")])  # 360,000 standard minutes
    assert await minutes_left(client, token, app) == 20_000
    await record_usage(client, service, [usage_event(app, 10_000, "AUDIO")])
    assert await minutes_left(client, token, app) == 10_000
    await record_usage(client, service, [usage_event(app, 20_000, "AUDIO", event_id="over")])
    assert await minutes_left(client, token, app) == 0
    over = await UsageRecord.get(event_id="over")
    assert (over.standard_minutes, over.included_minutes, over.billable_minutes) == (20_000, 10_000, 10_000)
    await advance(client, DAY_ONE_SETTLED)
    postpaid = await orders_of(client, token, app, "POSTPAID")
    assert [o["amount"]["amount"] for o in postpaid] == ["70.00"]  # 10,000 × 7.00 / 1,000
    await assert_audit_clean()


async def test_M2_package_shows_the_included_minutes_left(client):
    _, token, app = await basic_app(client)
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 10_000, "VIDEO_4K")])  # 360,000 standard minutes
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 20_000
    assert (await app_state(client, token, app))["package"]["includedMinutesLeft"] == 20_000


async def test_M2_allowance_is_used_in_occurrence_order_within_a_batch(client):
    _, token, app = await basic_app(client)
    service = await issue_token(client, "SERVICE")
    late = usage_event(app, 300_000, at=START + timedelta(minutes=5), event_id="late")
    early = usage_event(app, 300_000, at=START + timedelta(minutes=1), event_id="early")
    assert (await record_usage(client, service, [late, early]))["accepted"] == 2
    rows = {r.event_id: (r.included_minutes, r.billable_minutes) for r in await UsageRecord.all()}
    assert rows == {"early": (300_000, 0), "late": (80_000, 220_000)}


async def test_M2_allowance_lapses_at_the_package_month_end(client):
    _, token, app = await basic_app(client, months=2)
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 100_000)])
    assert await minutes_left(client, token, app) == 280_000
    month_two = shanghai(2027, 2, 10)  # START + 1 month
    await advance(client, month_two - timedelta(seconds=1))
    assert await minutes_left(client, token, app) == 280_000
    await advance(client, month_two)
    assert await minutes_left(client, token, app) == 380_000  # the 280,000 left lapsed
    granted = of_type(await events(client, token, app), "ALLOWANCE_GRANTED")
    assert [(json.loads(e["data"])["month"], json.loads(e["data"])["minutes"]) for e in granted] == [
        (1, 380_000),
        (2, 380_000),
    ]
    assert granted[-1]["occurredAt"].startswith("2027-02-09T16:00:00")
    await record_usage(client, service, [usage_event(app, 1_000, "VIDEO_HD", at=month_two)])
    assert await minutes_left(client, token, app) == 376_000
    assert await orders_of(client, token, app, "POSTPAID") == []
    await assert_audit_clean()


async def test_M2_no_allowance_after_the_package_expired(client):
    _, token, app = await basic_app(client, months=1)
    service = await issue_token(client, "SERVICE")
    expiry = shanghai(2027, 2, 10)
    await advance(client, expiry)
    assert (await app_state(client, token, app))["package"]["status"] == "EXPIRED"
    assert (await entitlements(client, token, app))["includedMinutesLeft"] is None
    assert len(of_type(await events(client, token, app), "ALLOWANCE_GRANTED")) == 1
    await record_usage(client, service, [usage_event(app, 1_000, at=expiry, event_id="after")])
    after = await UsageRecord.get(event_id="after")
    assert (after.included_minutes, after.billable_minutes) == (0, 1_000)


async def test_M2_a_repurchase_rates_usage_against_the_new_package(client):
    _, token, app = await basic_app(client)
    rebuy = shanghai(2027, 2, 11)
    await advance(client, rebuy)  # the first package expired on 2027-02-10
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    # A later write to the superseded row (ban's auto-renew reset, a refund of one of its renewals) moves it
    # physically after the new one: rating must not depend on which row a scan returns last.
    old = await Package.get(application_id=app, status="EXPIRED")
    await Package.filter(id=old.id).update(auto_renew=False)
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 1_000, at=rebuy, event_id="new-package")])
    row = await UsageRecord.get(event_id="new-package")
    assert (row.included_minutes, row.billable_minutes) == (1_000, 0)
    assert await minutes_left(client, token, app) == 379_000


# ---------------------------------------------------------------- M-5


async def test_M5_an_exhausted_allowance_never_stops_service(client):
    _, token, app = await basic_app(client)
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 500_000)])
    ent = await entitlements(client, token, app)
    assert (
        ent["edition"],
        ent["featuresUnlocked"],
        ent["serviceActive"],
        ent["reason"],
        ent["includedMinutesLeft"],
    ) == ("BASIC", True, True, None, 0)
    await advance(client, DAY_ONE_SETTLED)  # 120,000 billable minutes charged: 840.00, the balance covers it
    assert [o["amount"]["amount"] for o in await orders_of(client, token, app, "POSTPAID")] == ["840.00"]
    ent = await entitlements(client, token, app)
    assert (ent["featuresUnlocked"], ent["serviceActive"], ent["reason"]) == (True, True, None)
    await assert_audit_clean()


# ---------------------------------------------------------------- T-5


async def test_T5_trial_usage_is_recorded_and_never_charged(client):
    account_id, token = await new_account(client)
    app = await new_app(client, token)
    assert (await start_trial(client, token, app))["errors"] == []
    service = await issue_token(client, "SERVICE")
    result = await record_usage(client, service, [usage_event(app, 10_000, "VIDEO_4K", event_id="trial")])
    assert (result["accepted"], result["errors"]) == (1, [])
    row = await UsageRecord.get(event_id="trial")
    assert (row.trial, row.standard_minutes, row.included_minutes, row.billable_minutes) == (True, 360_000, 0, 0)
    assert (await entitlements(client, token, app))["includedMinutesLeft"] is None
    await advance(client, DAY_ONE_SETTLED + timedelta(days=1))
    assert await orders_of(client, token, kind="POSTPAID") == []
    assert of_type(await events(client, token), "USAGE_SETTLED") == []
    assert await balance(client, token) == {"cash": "0.00", "income": "0.00", "gift": "0.00", "available": "0.00"}
    assert (await record_usage(client, service, [usage_event(app, 1)]))["accepted"] == 1  # still recorded
    await assert_audit_clean()


async def test_T5_usage_after_the_trial_ended_is_billed(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    await start_trial(client, token, app)
    service = await issue_token(client, "SERVICE")
    trial_end = START + timedelta(days=7)
    await advance(client, trial_end)
    await record_usage(client, service, [usage_event(app, 1_000, at=trial_end, event_id="after")])
    row = await UsageRecord.get(event_id="after")
    assert (row.trial, row.billable_minutes) == (False, 1_000)


async def test_T5_trial_usage_reported_after_the_trial_ended_is_not_charged(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    await start_trial(client, token, app)
    service = await issue_token(client, "SERVICE")
    trial_end = START + timedelta(days=7)
    await advance(client, trial_end + timedelta(minutes=5))
    during = usage_event(app, 1_000, at=trial_end - timedelta(minutes=1), event_id="during")
    assert (await record_usage(client, service, [during]))["accepted"] == 1
    row = await UsageRecord.get(event_id="during")
    assert (row.trial, row.billable_minutes) == (True, 0)


async def test_T5_trial_usage_reported_after_a_purchase_is_not_charged(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    await start_trial(client, token, app)
    service = await issue_token(client, "SERVICE")
    await advance(client, START + timedelta(hours=2))
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    during = usage_event(app, 1_000, at=START + timedelta(hours=1), event_id="during")
    assert (await record_usage(client, service, [during]))["accepted"] == 1
    row = await UsageRecord.get(event_id="during")
    assert (row.trial, row.billable_minutes) == (True, 0)
