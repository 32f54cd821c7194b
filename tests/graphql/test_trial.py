"""SPEC §3 trials (T-1…T-4) and A-2, through the API."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

from app.domain.packages.models import Package
from tests.conftest import START
from tests.factories import new_account, new_app
from tests.money import (
    advance,
    application,
    assert_audit_clean,
    balance,
    codes,
    credit,
    events,
    purchase,
    renew,
    set_real_name,
    start_trial,
)

TRIAL_END = datetime(2027, 1, 16, 16, 0, tzinfo=UTC)  # START + 7 × 24 h


def parse(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    assert instant.tzinfo is not None, value
    return instant


async def end_trial_as_the_timer_would(sdk_app_id: int) -> None:
    """The state the trial-end timer leaves behind once the clock is past a trial's end: done here
    directly when the timer has not (yet) done it, so that the per-app count is tested either way."""
    await Package.filter(application_id=sdk_app_id, status="TRIAL").update(status="TRIAL_ENDED", next_due_at=None)
    assert await Package.filter(application_id=sdk_app_id, status="TRIAL").count() == 0


async def test_T1_trial_gives_edition_trial_for_exactly_seven_days(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    result = await start_trial(client, token, app)
    assert result["errors"] == []
    package = result["package"]
    assert (package["sdkAppId"], package["status"], package["edition"]) == (app, "TRIAL", "TRIAL")
    assert package["rtc"]["code"] == "RTC_TRIAL"
    assert package["im"] is None
    assert parse(package["startedAt"]) == START
    assert parse(package["rtc"]["startsAt"]) == START
    assert parse(package["rtc"]["expiresAt"]) == TRIAL_END
    assert parse(package["expiresAt"]) == START + timedelta(hours=7 * 24)
    assert package["expiresAt"].startswith("2027-01-16T16:00:00")
    shown = await application(client, token, app)
    assert shown["trialsUsed"] == 1
    assert (shown["package"]["id"], shown["package"]["status"]) == (package["id"], "TRIAL")
    started = [e for e in await events(client, token) if e["type"] == "TRIAL_STARTED"]
    assert len(started) == 1 and started[0]["sdkAppId"] == app
    assert json.loads(started[0]["data"])["packageId"] == package["id"]
    assert parse(started[0]["occurredAt"]) == START


async def test_T1_trial_costs_nothing(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100.00")
    app = await new_app(client, token)
    assert (await start_trial(client, token, app))["errors"] == []
    assert (await balance(client, token))["available"] == "100.00"
    await assert_audit_clean()


async def test_A2_unverified_account_cannot_start_a_trial(client):
    account_id, token = await new_account(client, verified=False)
    app = await new_app(client, token)
    result = await start_trial(client, token, app)
    assert codes(result) == ["REAL_NAME_REQUIRED"] and result["package"] is None
    shown = await application(client, token, app)
    assert (shown["trialsUsed"], shown["package"]) == (0, None)
    await set_real_name(client, account_id, True)
    assert (await start_trial(client, token, app))["errors"] == []


async def test_T1_foreign_or_unknown_app_is_not_found(client):
    _, token = await new_account(client)
    _, other_token = await new_account(client, name="Other")
    foreign = await new_app(client, other_token)
    assert codes(await start_trial(client, token, foreign)) == ["NOT_FOUND"]
    assert codes(await start_trial(client, token, 1399999999)) == ["NOT_FOUND"]
    assert (await application(client, other_token, foreign))["trialsUsed"] == 0


async def test_T3_no_trial_while_a_trial_runs(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    assert (await start_trial(client, token, app))["errors"] == []
    result = await start_trial(client, token, app)
    assert codes(result) == ["TRIAL_ACTIVE"] and result["package"] is None
    # still inside the seven days
    await advance(client, TRIAL_END - timedelta(seconds=1))
    assert codes(await start_trial(client, token, app)) == ["TRIAL_ACTIVE"]
    assert (await application(client, token, app))["trialsUsed"] == 1


async def test_T3_no_trial_while_a_paid_package_is_active(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "5000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    result = await start_trial(client, token, app)
    assert codes(result) == ["PACKAGE_ALREADY_ACTIVE"]
    shown = await application(client, token, app)
    assert (shown["trialsUsed"], shown["package"]["edition"], shown["package"]["status"]) == (0, "BASIC", "ACTIVE")
    await assert_audit_clean()


async def test_T2_at_most_two_trials_per_app(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    assert (await start_trial(client, token, app))["errors"] == []
    await advance(client, TRIAL_END)
    await end_trial_as_the_timer_would(app)
    second = await start_trial(client, token, app)
    assert second["errors"] == []
    assert parse(second["package"]["expiresAt"]) == TRIAL_END + timedelta(days=7)
    assert (await application(client, token, app))["trialsUsed"] == 2
    await advance(client, TRIAL_END + timedelta(days=7))
    await end_trial_as_the_timer_would(app)
    third = await start_trial(client, token, app)
    assert codes(third) == ["TRIAL_LIMIT_PER_APP"] and third["package"] is None
    shown = await application(client, token, app)
    assert (shown["trialsUsed"], shown["package"]["status"]) == (2, "TRIAL_ENDED")
    # another app of the account still may
    assert (await start_trial(client, token, await new_app(client, token, "b")))["errors"] == []


async def test_T2_trial_per_app_limit_with_the_expiry_timer(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    assert (await start_trial(client, token, app))["errors"] == []
    await advance(client, TRIAL_END)
    assert (await application(client, token, app))["package"]["status"] == "TRIAL_ENDED"
    assert (await start_trial(client, token, app))["errors"] == []
    await advance(client, TRIAL_END + timedelta(days=7))
    assert (await application(client, token, app))["package"]["status"] == "TRIAL_ENDED"
    assert codes(await start_trial(client, token, app)) == ["TRIAL_LIMIT_PER_APP"]
    types = [e["type"] for e in await events(client, token, app)]
    assert types.count("TRIAL_ENDED") == 2


async def test_T2_at_most_ten_trials_per_account(client):
    _, token = await new_account(client)
    apps = [await new_app(client, token, f"app {i}") for i in range(11)]
    for app in apps[:10]:
        assert (await start_trial(client, token, app))["errors"] == [], app
    result = await start_trial(client, token, apps[10])
    assert codes(result) == ["TRIAL_LIMIT_PER_ACCOUNT"] and result["package"] is None
    shown = await application(client, token, apps[10])
    assert (shown["trialsUsed"], shown["package"]) == (0, None)
    # the limit is per account: another account is not affected
    _, other_token = await new_account(client, name="Other")
    assert (await start_trial(client, other_token, await new_app(client, other_token)))["errors"] == []


async def test_T2_sub_user_trials_count_for_the_owner(client):
    owner_id, owner_token = await new_account(client)
    _, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    apps = [await new_app(client, owner_token, f"app {i}") for i in range(11)]
    for i, app in enumerate(apps[:10]):
        assert (await start_trial(client, sub_token if i % 2 else owner_token, app))["errors"] == []
    assert codes(await start_trial(client, sub_token, apps[10])) == ["TRIAL_LIMIT_PER_ACCOUNT"]


async def test_T4_purchase_during_a_trial_ends_it_and_it_stays_counted(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "5000.00")
    app = await new_app(client, token)
    trial = (await start_trial(client, token, app))["package"]
    await advance(client, START + timedelta(days=2))
    result = await purchase(client, token, app, "BASIC", 1)
    assert result["errors"] == []
    # a trial is not a paid order: the first order still gets FIRST_ORDER
    assert result["order"]["amount"]["amount"] == "1653.26"
    package = result["package"]
    assert package["id"] != trial["id"]
    assert (package["edition"], package["status"]) == ("BASIC", "ACTIVE")
    assert parse(package["rtc"]["startsAt"]) == START + timedelta(days=2)
    assert parse(package["expiresAt"]) == datetime(2027, 2, 11, 16, 0, tzinfo=UTC)
    ended = await Package.get(id=int(trial["id"]))
    assert ended.status == "TRIAL_ENDED"
    assert ended.ended_at == START + timedelta(days=2)
    shown = await application(client, token, app)
    assert shown["trialsUsed"] == 1
    assert (shown["package"]["id"], shown["package"]["status"]) == (package["id"], "ACTIVE")
    lifecycle = {"TRIAL_STARTED", "TRIAL_ENDED", "PACKAGE_PURCHASED", "APPLICATION_CREATED"}
    types = [(e["type"], e["sdkAppId"]) for e in await events(client, token, app) if e["type"] in lifecycle]
    assert types == [
        ("APPLICATION_CREATED", app),
        ("TRIAL_STARTED", app),
        ("TRIAL_ENDED", app),
        ("PACKAGE_PURCHASED", app),
    ]
    trial_ended = [e for e in await events(client, token, app) if e["type"] == "TRIAL_ENDED"][0]
    assert json.loads(trial_ended["data"])["packageId"] == trial["id"]
    assert parse(trial_ended["occurredAt"]) == START + timedelta(days=2)
    # a paid package now: no trial, and the trial is not renewable
    assert codes(await start_trial(client, token, app)) == ["PACKAGE_ALREADY_ACTIVE"]
    await assert_audit_clean()


async def test_T4_purchase_after_the_trial_period_ends_the_stale_trial(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "5000.00")
    app = await new_app(client, token)
    trial = (await start_trial(client, token, app))["package"]
    await advance(client, TRIAL_END + timedelta(days=1))
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    assert (await Package.get(id=int(trial["id"]))).status == "TRIAL_ENDED"
    assert (await application(client, token, app))["trialsUsed"] == 1
    await assert_audit_clean()


async def test_T3_trial_is_not_renewable(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "5000.00")
    app = await new_app(client, token)
    await start_trial(client, token, app)
    assert codes(await renew(client, token, app, 1)) == ["NO_ACTIVE_PACKAGE"]
    await assert_audit_clean()


async def test_T2_two_simultaneous_trials_on_one_app_exactly_one_wins(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    results = await asyncio.gather(*[start_trial(client, token, app) for _ in range(5)])
    winners = [r for r in results if r["errors"] == []]
    assert len(winners) == 1
    assert sorted(codes(r)[0] for r in results if r["errors"]) == ["TRIAL_ACTIVE"] * 4
    assert (await application(client, token, app))["trialsUsed"] == 1
    assert await Package.filter(application_id=app).count() == 1
    assert [e["type"] for e in await events(client, token, app)].count("TRIAL_STARTED") == 1
