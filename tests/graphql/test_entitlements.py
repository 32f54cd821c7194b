"""SPEC N-1 (entitlements in every state), H-2 (whose apps a caller may ask about) and N-2 (every
transition shows at once through the Redis cache), through the API."""

import json
from datetime import timedelta

from app import redis_conn
from app.domain.packages.models import Package
from tests.conftest import OPERATOR, START
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, error_codes, gql
from tests.money import (
    ENTITLEMENTS,
    account_state,
    advance,
    ban_account,
    credit,
    entitlements,
    key,
    purchase,
    record_usage,
    shanghai,
    start_trial,
    top_up,
    usage_event,
)

# N-1: the features every edition includes, and the seat features, as the SPEC table lists them
from tests.acceptance.spec import ALL_EDITION_FEATURES as COMMON
from tests.acceptance.spec import SEATS

FEATURES = {
    "TRIAL": COMMON | SEATS | {"MULTI_DEVICE_LOGIN"},
    "BASIC": COMMON,
    "ADVANCED": COMMON | SEATS,
    "LARGE_ROOM": COMMON | SEATS | {"MULTI_DEVICE_LOGIN", "SAME_PLATFORM_MULTI_DEVICE_LOGIN"},
}
NOT_FEATURES = {"CALL_MINUTES", "DAU", "PEAK_GROUPS", "MAX_PARTICIPANTS", "MAX_VIDEO_STREAMS", "RESOLUTIONS"}
ALL_RESOLUTIONS = ["720P", "1080P", "2K", "4K"]
NOTHING = {"edition": None, "limits": None, "features": [], "includedMinutesLeft": None}
REQUEST_REFUND = """mutation($o: ID!, $k: String!) { requestRefund(orderId: $o, idempotencyKey: $k) {
  refund { status } errors { code } } }"""
ARREARS_AT = shanghai(2027, 1, 11, 1)
SUSPEND_AT = ARREARS_AT + timedelta(hours=24)
RECLAIM_AT = SUSPEND_AT + timedelta(days=90)


def state(ent: dict) -> tuple:
    return ent["featuresUnlocked"], ent["serviceActive"], ent["reason"]


def locked_part(ent: dict) -> dict:
    return {k: ent[k] for k in NOTHING}


async def owner(client, amount="20000.00"):
    account_id, token = await new_account(client)
    if amount:
        await credit(client, account_id, amount)
    return account_id, token


async def owner_going_into_arrears(client):
    """An owner with a BASIC app (bought with all its cash) and a bare app, whose 2027-01-10 usage
    is settled at ARREARS_AT for 140.00: in arrears then, suspended at SUSPEND_AT."""
    account_id, token = await owner(client, "1653.26")
    app = await new_app(client, token, "Paid")
    bare = await new_app(client, token, "Bare")
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 400_000)])
    return account_id, token, app, bare


# ---------------------------------------------------------------- N-1 each state


async def test_N1_no_package(client):
    _, token = await owner(client, None)
    app = await new_app(client, token)
    ent = await entitlements(client, token, app)
    assert ent["sdkAppId"] == app
    assert state(ent) == (False, True, "NO_PACKAGE")
    assert locked_part(ent) == NOTHING


async def test_N1_trial(client):
    _, token = await owner(client, None)
    app = await new_app(client, token)
    await start_trial(client, token, app)
    ent = await entitlements(client, token, app)
    assert (ent["edition"], *state(ent)) == ("TRIAL", True, True, None)
    assert ent["limits"] == {"maxParticipants": 20, "maxVideoStreams": 20, "resolutions": ALL_RESOLUTIONS}
    assert ent["includedMinutesLeft"] is None
    features = set(ent["features"])
    assert len(ent["features"]) == len(features)
    assert features == FEATURES["TRIAL"]
    assert {"MULTI_DEVICE_LOGIN", "SEAT_MODES", "PLATFORMS"} <= features
    assert "SAME_PLATFORM_MULTI_DEVICE_LOGIN" not in features
    assert not features & NOT_FEATURES


async def test_N1_paid_editions(client):
    _, token = await owner(client, "100000.00")
    expected = {
        "BASIC": (50, 50, ["720P", "1080P"], 380_000),
        "ADVANCED": (200, 50, ALL_RESOLUTIONS, 1_400_000),
        "LARGE_ROOM": (300, 50, ALL_RESOLUTIONS, 1_400_000),
    }
    for edition, (participants, streams, resolutions, minutes) in expected.items():
        app = await new_app(client, token, edition)
        assert (await purchase(client, token, app, edition, 1))["errors"] == []
        ent = await entitlements(client, token, app)
        assert (ent["edition"], *state(ent)) == (edition, True, True, None)
        assert ent["limits"] == {
            "maxParticipants": participants,
            "maxVideoStreams": streams,
            "resolutions": resolutions,
        }
        assert ent["includedMinutesLeft"] == minutes
        assert set(ent["features"]) == FEATURES[edition], edition
        assert not set(ent["features"]) & NOT_FEATURES


async def test_N1_expired_package_and_ended_trial(client):
    _, token = await owner(client)
    paid = await new_app(client, token, "Paid")
    trial = await new_app(client, token, "Trial")
    await purchase(client, token, paid, "BASIC", 1)
    await start_trial(client, token, trial)
    await advance(client, START + timedelta(days=7))
    assert state(await entitlements(client, token, trial)) == (False, True, "EXPIRED")
    assert (await entitlements(client, token, paid))["edition"] == "BASIC"
    await advance(client, shanghai(2027, 2, 10))
    for app in (paid, trial):
        ent = await entitlements(client, token, app)
        assert state(ent) == (False, True, "EXPIRED")
        assert locked_part(ent) == NOTHING


async def test_N1_refunded_package(client):
    _, token = await owner(client)
    app = await new_app(client, token)
    order = (await purchase(client, token, app, "BASIC", 1))["order"]
    refund = data(await gql(client, REQUEST_REFUND, {"o": order["id"], "k": key()}, token))["requestRefund"]
    assert (refund["errors"], refund["refund"]["status"]) == ([], "APPROVED")
    ent = await entitlements(client, token, app)
    assert state(ent) == (False, False, "REFUNDED")
    assert locked_part(ent) == NOTHING


async def test_N1_arrears_is_served_suspension_is_not(client):
    _, token, app, bare = await owner_going_into_arrears(client)
    await advance(client, ARREARS_AT)
    assert (await account_state(client, token))["status"] == "ARREARS"
    assert state(await entitlements(client, token, app)) == (True, True, None)
    assert state(await entitlements(client, token, bare)) == (False, True, "NO_PACKAGE")
    await advance(client, SUSPEND_AT)
    ent = await entitlements(client, token, app)
    assert state(ent) == (True, False, "ARREARS")
    assert (ent["edition"], ent["includedMinutesLeft"]) == ("BASIC", 0)
    assert set(ent["features"]) == FEATURES["BASIC"]
    assert state(await entitlements(client, token, bare)) == (False, False, "ARREARS")


async def test_N1_reclaimed(client):
    _, token, app, bare = await owner_going_into_arrears(client)
    await advance(client, RECLAIM_AT)
    for target in (app, bare):
        ent = await entitlements(client, token, target)
        assert state(ent) == (False, False, "RECLAIMED")
        assert locked_part(ent) == NOTHING


async def test_N1_banned(client):
    account_id, token = await owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, "LARGE_ROOM", 1)
    await ban_account(client, account_id)
    ent = await entitlements(client, token, app)
    assert state(ent) == (False, False, "BANNED")
    assert locked_part(ent) == NOTHING


# ---------------------------------------------------------------- H-1, H-2 who may ask


async def test_H2_another_accounts_app_is_not_found_for_a_customer(client):
    _, token = await owner(client, None)
    _, other_token = await owner(client, None)
    app = await new_app(client, token)
    result = await gql(client, ENTITLEMENTS, {"app": app}, other_token)
    assert error_codes(result) == ["NOT_FOUND"]
    missing = await gql(client, ENTITLEMENTS, {"app": 1_399_999_999}, other_token)
    assert error_codes(missing) == ["NOT_FOUND"]
    assert [e["message"] for e in result["errors"]] == [e["message"] for e in missing["errors"]]


async def test_H1_services_and_operators_ask_about_any_app(client):
    account_id, token = await owner(client, None)
    app = await new_app(client, token)
    await start_trial(client, token, app)
    service = await issue_token(client, "SERVICE")
    for who in (service, OPERATOR):
        assert (await entitlements(client, who, app))["edition"] == "TRIAL"
    assert error_codes(await gql(client, ENTITLEMENTS, {"app": 1_399_999_999}, service)) == ["NOT_FOUND"]
    assert error_codes(await gql(client, ENTITLEMENTS, {"app": app})) == ["UNAUTHENTICATED"]
    reader = await issue_token(client, "PARTNER", account_id, ["account:read"])
    assert (await entitlements(client, reader, app))["edition"] == "TRIAL"
    writer = await issue_token(client, "PARTNER", account_id, ["packages:write"])
    assert error_codes(await gql(client, ENTITLEMENTS, {"app": app}, writer)) == ["FORBIDDEN"]


# ---------------------------------------------------------------- N-2 the cache


async def test_N2_answers_are_cached_in_redis(client):
    _, token = await owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, "BASIC", 1)
    redis = redis_conn.get()
    assert await redis.get(redis_conn.key(f"ent:{app}")) is None
    first = await entitlements(client, token, app)
    cached = await redis.get(redis_conn.key(f"ent:{app}"))
    assert cached is not None
    assert json.loads(cached)["value"]["edition"] == "BASIC"
    # A row changed behind the application's back (no invalidation) is not seen: the cache answers.
    package = await Package.get(application_id=app)
    await Package.filter(id=package.id).update(allowance_used=1234)
    assert await entitlements(client, token, app) == first
    # A real transition invalidates it.
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 1)])
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 380_000 - 1234 - 1


async def test_N2_purchase_trial_and_expiry_show_at_once(client):
    _, token = await owner(client)
    app = await new_app(client, token)
    assert state(await entitlements(client, token, app)) == (False, True, "NO_PACKAGE")
    await start_trial(client, token, app)
    assert (await entitlements(client, token, app))["edition"] == "TRIAL"
    await advance(client, START + timedelta(hours=1))
    await purchase(client, token, app, "BASIC", 1)
    assert (await entitlements(client, token, app))["edition"] == "BASIC"
    expiry = shanghai(2027, 2, 10, 1)  # bought at 01:00 +08 for one month
    await advance(client, expiry - timedelta(seconds=1))
    assert (await entitlements(client, token, app))["edition"] == "BASIC"
    await advance(client, expiry)
    assert state(await entitlements(client, token, app)) == (False, True, "EXPIRED")


async def test_N2_usage_shows_at_once(client):
    _, token = await owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, "BASIC", 1)
    service = await issue_token(client, "SERVICE")
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 380_000
    await record_usage(client, service, [usage_event(app, 1000, "VIDEO_2K")])
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 364_000


async def test_N2_suspension_lift_and_reclaim_show_at_once(client):
    _, token, app, bare = await owner_going_into_arrears(client)
    await advance(client, ARREARS_AT)
    assert state(await entitlements(client, token, app)) == (True, True, None)
    assert state(await entitlements(client, token, bare)) == (False, True, "NO_PACKAGE")
    await advance(client, SUSPEND_AT)
    assert state(await entitlements(client, token, app)) == (True, False, "ARREARS")
    assert state(await entitlements(client, token, bare)) == (False, False, "ARREARS")
    await top_up(client, token, "140.00")
    assert state(await entitlements(client, token, app)) == (True, True, None)
    assert state(await entitlements(client, token, bare)) == (False, True, "NO_PACKAGE")


async def test_N2_reclaim_and_ban_show_at_once(client):
    account_id, token, app, bare = await owner_going_into_arrears(client)
    await advance(client, RECLAIM_AT - timedelta(seconds=1))
    assert state(await entitlements(client, token, bare)) == (False, False, "ARREARS")
    await advance(client, RECLAIM_AT)
    assert state(await entitlements(client, token, bare)) == (False, False, "RECLAIMED")
    fresh = await new_app(client, token, "Fresh")
    assert state(await entitlements(client, token, fresh)) == (False, False, "ARREARS")
    await credit(client, account_id, "10000.00")
    assert state(await entitlements(client, token, fresh)) == (False, True, "NO_PACKAGE")
    await purchase(client, token, fresh, "ADVANCED", 1)
    assert (await entitlements(client, token, fresh))["edition"] == "ADVANCED"
    await ban_account(client, account_id)
    assert state(await entitlements(client, token, fresh)) == (False, False, "BANNED")
    assert state(await entitlements(client, token, bare)) == (False, False, "BANNED")


async def test_N2_refund_shows_at_once(client):
    _, token = await owner(client)
    app = await new_app(client, token)
    order = (await purchase(client, token, app, "BASIC", 1))["order"]
    assert (await entitlements(client, token, app))["edition"] == "BASIC"
    await gql(client, REQUEST_REFUND, {"o": order["id"], "k": key()}, token)
    assert state(await entitlements(client, token, app)) == (False, False, "REFUNDED")


async def test_H3_entitlements_without_its_argument_is_a_validation_error_not_an_internal_one(client):
    """Found by the fuzz test: the response cache's classifier read the arguments of a field
    written without any (graphql-core leaves them None) and crashed before GraphQL validation."""
    from tests.conftest import OPERATOR
    from tests.gql import gql

    result = await gql(client, "query { entitlements { __typename } }", token=OPERATOR)
    assert result.get("data") is None and result["errors"]
    assert "Internal error." not in [e["message"] for e in result["errors"]]
