"""SPEC S-1…S-5 and S-7 (arrears, suspension, reclaim) told with the simulated clock: a postpaid
charge takes the account below zero, 24 h later it is suspended, 90 days later its apps are
reclaimed; money brings it back."""

import json
from datetime import datetime, timedelta

from tests.factories import issue_token, new_account, new_app
from tests.money import (
    advance,
    app_state,
    assert_audit_clean,
    account_state,
    codes,
    credit,
    entitlements,
    events,
    of_type,
    purchase,
    record_usage,
    renew,
    shanghai,
    start_trial,
    top_up,
    usage_event,
)

ARREARS_AT = shanghai(2027, 1, 11, 1)  # the settlement of 2027-01-10
SUSPEND_AT = ARREARS_AT + timedelta(hours=24)
RECLAIM_AT = SUSPEND_AT + timedelta(days=90)
ACCOUNT_EVENTS = (
    "USAGE_SETTLED",
    "ARREARS_STARTED",
    "ARREARS_CLEARED",
    "ACCOUNT_SUSPENDED",
    "SUSPENSION_LIFTED",
    "APP_RECLAIMED",
)


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def charged_140(client, with_package=True, gift=None):
    """An owner whose 2027-01-10 usage is settled at ARREARS_AT for 140.00 from cash: with a BASIC
    package bought with exactly its cash (20,000 minutes beyond the allowance), else on an app with
    no package. Returns (account id, token, app with the usage, a second app without package)."""
    account_id, token = await new_account(client)
    app = await new_app(client, token, "Rooms")
    spare = await new_app(client, token, "Spare")
    service = await issue_token(client, "SERVICE")
    if gift:
        await credit(client, account_id, gift, "gift")
    if with_package:
        await credit(client, account_id, "1653.26")
        order = (await purchase(client, token, app, "BASIC", 1))["order"]
        assert order["paid"]["cash"]["amount"] == "1653.26" or gift
        minutes = 400_000
    else:
        minutes = 20_000
    assert (await record_usage(client, service, [usage_event(app, minutes)]))["accepted"] == 1
    await advance(client, ARREARS_AT)
    return account_id, token, app, spare


async def suspended(client, with_package=True):
    account_id, token, app, spare = await charged_140(client, with_package)
    await advance(client, SUSPEND_AT)
    assert (await account_state(client, token))["status"] == "SUSPENDED"
    return account_id, token, app, spare


async def story(client, token) -> list[tuple[str, datetime]]:
    return [(e["type"], at(e["occurredAt"])) for e in of_type(await events(client, token), *ACCOUNT_EVENTS)]


async def statuses(client, token, *apps) -> list[str]:
    return [(await app_state(client, token, app))["status"] for app in apps]


def service_of(ent: dict) -> tuple:
    return ent["featuresUnlocked"], ent["serviceActive"], ent["reason"]


# ---------------------------------------------------------------- S-1


async def test_S1_a_postpaid_charge_below_zero_starts_arrears_at_that_instant(client):
    _, token, app, spare = await charged_140(client)
    me = await account_state(client, token)
    assert me["status"] == "ARREARS"
    assert at(me["arrearsSince"]) == ARREARS_AT
    assert me["suspendedAt"] is None
    assert me["balance"] == {"cash": "-140.00", "income": "0.00", "gift": "0.00", "available": "-140.00"}
    evts = of_type(await events(client, token), "USAGE_SETTLED", "ARREARS_STARTED")
    assert [e["type"] for e in evts] == ["USAGE_SETTLED", "ARREARS_STARTED"]
    started = evts[1]
    assert started["sdkAppId"] is None
    assert at(started["occurredAt"]) == ARREARS_AT
    assert json.loads(started["data"])["available"] == "-140.00"
    # In arrears but not suspended: served as before.
    assert await statuses(client, token, app, spare) == ["ACTIVE", "ACTIVE"]
    ent = await entitlements(client, token, app)
    assert (ent["edition"], *service_of(ent)) == ("BASIC", True, True, None)
    await assert_audit_clean()


async def test_S1_arrears_without_any_package(client):
    _, token, app, _ = await charged_140(client, with_package=False)
    me = await account_state(client, token)
    assert (me["status"], me["balance"]["available"]) == ("ARREARS", "-140.00")
    assert service_of(await entitlements(client, token, app)) == (False, True, "NO_PACKAGE")
    await assert_audit_clean()


async def test_S1_a_second_charge_in_arrears_keeps_the_start_and_the_deadline(client):
    account_id, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 1_000)])  # 7.00 at ARREARS_AT
    await advance(client, shanghai(2027, 1, 11, 12))
    await record_usage(client, service, [usage_event(app, 2_000, at=shanghai(2027, 1, 11, 12))])  # 14.00 at SUSPEND_AT
    await advance(client, SUSPEND_AT - timedelta(seconds=1))
    me = await account_state(client, token)
    assert (me["status"], at(me["arrearsSince"]), me["balance"]["cash"]) == ("ARREARS", ARREARS_AT, "-7.00")
    await advance(client, SUSPEND_AT)
    me = await account_state(client, token)
    assert (me["status"], at(me["suspendedAt"]), me["balance"]["cash"]) == ("SUSPENDED", SUSPEND_AT, "-21.00")
    assert len(of_type(await events(client, token), "ARREARS_STARTED")) == 1
    await assert_audit_clean()


# ---------------------------------------------------------------- S-2


async def test_S2_money_back_within_24_hours_ends_arrears_and_nothing_else(client):
    account_id, token, app, spare = await charged_140(client)
    await advance(client, SUSPEND_AT - timedelta(seconds=1))
    await credit(client, account_id, "140.00")
    me = await account_state(client, token)
    assert (me["status"], me["arrearsSince"], me["suspendedAt"]) == ("NORMAL", None, None)
    assert me["balance"]["available"] == "0.00"
    await advance(client, SUSPEND_AT + timedelta(days=2))
    assert (await account_state(client, token))["status"] == "NORMAL"
    assert await statuses(client, token, app, spare) == ["ACTIVE", "ACTIVE"]
    assert await story(client, token) == [
        ("USAGE_SETTLED", ARREARS_AT),
        ("ARREARS_STARTED", ARREARS_AT),
        ("ARREARS_CLEARED", SUSPEND_AT - timedelta(seconds=1)),
    ]
    assert service_of(await entitlements(client, token, app)) == (True, True, None)
    await assert_audit_clean()


async def test_S2_money_that_leaves_the_balance_negative_keeps_arrears_and_its_deadline(client):
    account_id, token, _, _ = await charged_140(client)
    await advance(client, ARREARS_AT + timedelta(hours=3))
    await credit(client, account_id, "139.99")
    me = await account_state(client, token)
    assert (me["status"], at(me["arrearsSince"]), me["balance"]["available"]) == ("ARREARS", ARREARS_AT, "-0.01")
    assert of_type(await events(client, token), "ARREARS_CLEARED") == []
    await advance(client, SUSPEND_AT)
    assert (await account_state(client, token))["status"] == "SUSPENDED"
    await assert_audit_clean()


# ---------------------------------------------------------------- S-3


async def test_S3_still_negative_at_24_hours_suspends_account_and_apps(client):
    _, token, app, spare = await charged_140(client)
    await advance(client, SUSPEND_AT - timedelta(seconds=1))
    assert (await account_state(client, token))["status"] == "ARREARS"
    assert service_of(await entitlements(client, token, app)) == (True, True, None)
    await advance(client, SUSPEND_AT)
    me = await account_state(client, token)
    assert (me["status"], at(me["arrearsSince"]), at(me["suspendedAt"])) == ("SUSPENDED", ARREARS_AT, SUSPEND_AT)
    [event] = of_type(await events(client, token), "ACCOUNT_SUSPENDED")
    assert (event["sdkAppId"], at(event["occurredAt"])) == (None, SUSPEND_AT)
    assert await statuses(client, token, app, spare) == ["SUSPENDED", "SUSPENDED"]
    # Service stops; features keep their value (S-3, N-1).
    ent = await entitlements(client, token, app)
    assert (ent["edition"], *service_of(ent)) == ("BASIC", True, False, "ARREARS")
    assert ent["limits"] == {"maxParticipants": 50, "maxVideoStreams": 50, "resolutions": ["720P", "1080P"]}
    assert service_of(await entitlements(client, token, spare)) == (False, False, "ARREARS")
    await assert_audit_clean()


async def test_S3_package_clocks_keep_running_while_suspended(client):
    _, token, app, _ = await suspended(client)
    expiry = shanghai(2027, 2, 10)
    await advance(client, expiry - timedelta(seconds=1))
    assert (await app_state(client, token, app))["package"]["status"] == "ACTIVE"
    await advance(client, expiry)
    assert (await app_state(client, token, app))["package"]["status"] == "EXPIRED"
    assert len(of_type(await events(client, token, app), "PACKAGE_EXPIRED")) == 1
    assert service_of(await entitlements(client, token, app)) == (False, False, "ARREARS")
    assert (await account_state(client, token))["status"] == "SUSPENDED"


async def test_S3_a_suspended_account_still_has_a_trial_unlocked(client):
    account_id, token = await new_account(client)
    app = await new_app(client, token)
    other = await new_app(client, token, "Billed")
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(other, 20_000)])
    await advance(client, ARREARS_AT)
    assert (await start_trial(client, token, app))["errors"] == []
    await advance(client, SUSPEND_AT)
    ent = await entitlements(client, token, app)
    assert (ent["edition"], *service_of(ent)) == ("TRIAL", True, False, "ARREARS")


# ---------------------------------------------------------------- S-4


async def test_S4_a_top_up_to_zero_lifts_the_suspension_at_once(client):
    _, token, app, spare = await suspended(client)
    lift = SUSPEND_AT + timedelta(days=3)
    await advance(client, lift)
    assert (await top_up(client, token, "100.00"))["errors"] == []
    me = await account_state(client, token)
    assert (me["status"], me["balance"]["available"]) == ("SUSPENDED", "-40.00")
    assert service_of(await entitlements(client, token, app)) == (True, False, "ARREARS")
    result = await top_up(client, token, "40.00")
    assert (result["errors"], result["account"]["status"]) == ([], "NORMAL")
    me = await account_state(client, token)
    assert (me["status"], me["arrearsSince"], me["suspendedAt"]) == ("NORMAL", None, None)
    assert me["balance"] == {"cash": "0.00", "income": "0.00", "gift": "0.00", "available": "0.00"}
    assert await statuses(client, token, app, spare) == ["ACTIVE", "ACTIVE"]
    assert service_of(await entitlements(client, token, app)) == (True, True, None)
    assert await story(client, token) == [
        ("USAGE_SETTLED", ARREARS_AT),
        ("ARREARS_STARTED", ARREARS_AT),
        ("ACCOUNT_SUSPENDED", SUSPEND_AT),
        ("ARREARS_CLEARED", lift),
        ("SUSPENSION_LIFTED", lift),
    ]
    account_level = of_type(
        await events(client, token), "ARREARS_STARTED", "ACCOUNT_SUSPENDED", "ARREARS_CLEARED", "SUSPENSION_LIFTED"
    )
    assert [e["sdkAppId"] for e in account_level] == [None] * 4  # V-1
    # Nothing is reclaimed later.
    await advance(client, RECLAIM_AT + timedelta(days=1))
    assert await statuses(client, token, app, spare) == ["ACTIVE", "ACTIVE"]
    assert of_type(await events(client, token), "APP_RECLAIMED", "ACCOUNT_SUSPENDED")[1:] == []
    await assert_audit_clean()


# ---------------------------------------------------------------- S-5


async def test_S5_apps_still_suspended_after_90_days_are_reclaimed_for_good(client):
    account_id, token, app, spare = await suspended(client)
    await advance(client, RECLAIM_AT - timedelta(seconds=1))
    assert await statuses(client, token, app, spare) == ["SUSPENDED", "SUSPENDED"]
    assert of_type(await events(client, token), "APP_RECLAIMED") == []
    await advance(client, RECLAIM_AT)
    assert await statuses(client, token, app, spare) == ["RECLAIMED", "RECLAIMED"]
    reclaimed = of_type(await events(client, token), "APP_RECLAIMED")
    assert sorted(e["sdkAppId"] for e in reclaimed) == sorted([app, spare])
    assert all(at(e["occurredAt"]) == RECLAIM_AT for e in reclaimed)
    assert (await app_state(client, token, app))["package"]["status"] == "RECLAIMED"
    assert (await account_state(client, token))["status"] == "SUSPENDED"
    assert service_of(await entitlements(client, token, app)) == (False, False, "RECLAIMED")
    # Nothing can be bought for a reclaimed app.
    await credit(client, account_id, "10000.00")  # also lifts the account's suspension (S-5)
    for target in (app, spare):
        assert codes(await purchase(client, token, target, "BASIC", 1)) == ["APP_RECLAIMED"]
        assert codes(await start_trial(client, token, target)) == ["APP_RECLAIMED"]
    assert codes(await renew(client, token, app, 1)) == ["APP_RECLAIMED"]
    me = await account_state(client, token)
    assert (me["status"], me["balance"]["available"]) == ("NORMAL", "9860.00")
    assert of_type(await events(client, token), "SUSPENSION_LIFTED") != []
    assert await statuses(client, token, app, spare) == ["RECLAIMED", "RECLAIMED"]
    assert service_of(await entitlements(client, token, app)) == (False, False, "RECLAIMED")
    # The account itself can go on: a new app is served and can be bought for.
    fresh = await new_app(client, token, "Fresh")
    assert (await purchase(client, token, fresh, "BASIC", 1))["errors"] == []
    assert service_of(await entitlements(client, token, fresh)) == (True, True, None)
    await assert_audit_clean()


# ---------------------------------------------------------------- S-7


async def test_S7_charges_hit_cash_even_when_other_sub_balances_cover_them(client):
    _, token, _, _ = await charged_140(client, with_package=False, gift="200.00")
    me = await account_state(client, token)
    assert me["balance"] == {"cash": "-140.00", "income": "0.00", "gift": "200.00", "available": "60.00"}
    assert (me["status"], me["arrearsSince"]) == ("NORMAL", None)
    assert of_type(await events(client, token), "ARREARS_STARTED") == []
    await assert_audit_clean()


async def test_S7_credits_to_gift_and_income_end_arrears_once_the_total_is_back(client):
    account_id, token, app, _ = await charged_140(client, with_package=False)
    await credit(client, account_id, "100.00", "gift")
    me = await account_state(client, token)
    assert (me["status"], me["balance"]["available"]) == ("ARREARS", "-40.00")
    await credit(client, account_id, "40.00", "income")
    me = await account_state(client, token)
    assert me["status"] == "NORMAL"
    assert me["balance"] == {"cash": "-140.00", "income": "40.00", "gift": "100.00", "available": "0.00"}
    # The next charge goes to cash again and starts a new arrears episode.
    service = await issue_token(client, "SERVICE")
    day_two = shanghai(2027, 1, 11, 12)
    await advance(client, day_two)
    await record_usage(client, service, [usage_event(app, 1, at=day_two)])  # 0.01 at SUSPEND_AT
    await advance(client, SUSPEND_AT)
    me = await account_state(client, token)
    assert (me["status"], at(me["arrearsSince"])) == ("ARREARS", SUSPEND_AT)
    assert me["balance"] == {"cash": "-140.01", "income": "40.00", "gift": "100.00", "available": "-0.01"}
    assert len(of_type(await events(client, token), "ARREARS_STARTED")) == 2
    await assert_audit_clean()


async def test_S7_a_gift_credit_lifts_a_suspension(client):
    account_id, token, app, _ = await suspended(client)
    await credit(client, account_id, "140.00", "gift")
    me = await account_state(client, token)
    assert (me["status"], me["balance"]["cash"], me["balance"]["available"]) == ("NORMAL", "-140.00", "0.00")
    assert service_of(await entitlements(client, token, app)) == (True, True, None)
    await assert_audit_clean()


async def test_S3_an_app_created_while_suspended_is_suspended_too(client):
    _, token, app, _ = await suspended(client)
    fresh = await new_app(client, token, "Created while suspended")
    assert service_of(await entitlements(client, token, fresh)) == (False, False, "ARREARS")
    assert await statuses(client, token, fresh) == ["SUSPENDED"]
    await advance(client, RECLAIM_AT)
    assert await statuses(client, token, app, fresh) == ["RECLAIMED", "RECLAIMED"]
