"""The small read API the console needs (UI-1, UI-2): viewer, operators' accounts(search), usageDaily."""

from datetime import timedelta

from tests.conftest import OPERATOR, START
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, error_codes, gql
from tests.money import credit, purchase, record_usage, usage_event

VIEWER = "{ viewer { role accountId scopes simulatedClock sandboxPayments } }"
ACCOUNTS = "query($s: String) { accounts(search: $s) { id name } }"
DAILY = "query($a: Int!, $d: Int!) { usageDaily(sdkAppId: $a, days: $d) { day standardMinutes includedMinutes billableMinutes } }"


async def test_UI1_viewer_names_the_role_and_the_server_modes(client):
    account_id, token = await new_account(client, "Acme")
    assert data(await gql(client, VIEWER, token=token))["viewer"] == {
        "role": "CUSTOMER",
        "accountId": account_id,
        "scopes": [],
        "simulatedClock": True,
        "sandboxPayments": True,
    }
    partner = await issue_token(client, "PARTNER", account_id, ["account:read"])
    assert data(await gql(client, VIEWER, token=partner))["viewer"]["scopes"] == ["account:read"]
    assert data(await gql(client, VIEWER, token=OPERATOR))["viewer"]["role"] == "OPERATOR"
    assert data(await gql(client, VIEWER))["viewer"] is None
    assert data(await gql(client, VIEWER, token="not-a-token"))["viewer"] is None


async def test_UI2_operators_find_accounts_by_id_or_part_of_the_name(client):
    acme, token = await new_account(client, "Acme Rooms")
    beta, _ = await new_account(client, "Beta")
    assert data(await gql(client, ACCOUNTS, {"s": "rooms"}, OPERATOR))["accounts"] == [
        {"id": acme, "name": "Acme Rooms"}
    ]
    assert data(await gql(client, ACCOUNTS, {"s": beta}, OPERATOR))["accounts"] == [{"id": beta, "name": "Beta"}]
    assert [a["id"] for a in data(await gql(client, ACCOUNTS, {"s": None}, OPERATOR))["accounts"]] == [beta, acme]
    assert error_codes(await gql(client, ACCOUNTS, {"s": "Acme"}, token)) == ["FORBIDDEN"]
    result = await gql(client, "{ accounts(first: 101) { id } }", token=OPERATOR)
    assert error_codes(result) == ["BAD_USER_INPUT"]


async def test_H3_an_account_search_of_any_text_is_an_answer_or_a_typed_error(client):
    # found by the fuzzer: a NUL reached PostgreSQL, a 20-digit "id" overflowed bigint
    assert error_codes(await gql(client, ACCOUNTS, {"s": "a\u0000b"}, OPERATOR)) == ["INVALID_INPUT"]
    assert data(await gql(client, ACCOUNTS, {"s": "99999999999999999999"}, OPERATOR))["accounts"] == []
    assert data(await gql(client, ACCOUNTS, {"s": "\u00b2"}, OPERATOR))["accounts"] == []


async def test_M2_M3_usage_daily_splits_included_and_billable_per_shanghai_day(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token, "Rooms")
    bare = await new_app(client, token, "Bare")
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    service = await issue_token(client, "SERVICE")
    result = await record_usage(
        client,
        service,
        [
            usage_event(app, 100, "VIDEO_HD"),  # 400 standard minutes, from the allowance
            usage_event(bare, 1000),  # no package: all billable
            usage_event(bare, 10, at=START - timedelta(days=1)),
        ],
    )
    assert result["accepted"] == 3
    days = data(await gql(client, DAILY, {"a": app, "d": 3}, token))["usageDaily"]
    assert days == [
        {"day": "2027-01-08", "standardMinutes": 0, "includedMinutes": 0, "billableMinutes": 0},
        {"day": "2027-01-09", "standardMinutes": 0, "includedMinutes": 0, "billableMinutes": 0},
        {"day": "2027-01-10", "standardMinutes": 400, "includedMinutes": 400, "billableMinutes": 0},
    ]
    bare_days = data(await gql(client, DAILY, {"a": bare, "d": 2}, token))["usageDaily"]
    assert [(d["day"], d["standardMinutes"], d["billableMinutes"]) for d in bare_days] == [
        ("2027-01-09", 10, 10),
        ("2027-01-10", 1000, 1000),
    ]


async def test_H2_usage_daily_of_another_accounts_app_is_not_found(client):
    _, token = await new_account(client, "Mine")
    _, other = await new_account(client, "Other")
    theirs = await new_app(client, other, "Theirs")
    assert error_codes(await gql(client, DAILY, {"a": theirs, "d": 7}, token)) == ["NOT_FOUND"]
    assert error_codes(await gql(client, DAILY, {"a": theirs, "d": 0}, other)) == ["INVALID_INPUT"]
    assert error_codes(await gql(client, DAILY, {"a": theirs, "d": 93}, other)) == ["INVALID_INPUT"]
