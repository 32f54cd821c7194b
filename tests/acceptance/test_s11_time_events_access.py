"""SPEC §11 Time, events, access (C-1, C-2, V-1, H-1…H-3), black-box (see tests/acceptance/spec.py).
The live-events test talks to a real server process (tests/live.py) over graphql-transport-ws.

Duplicates removed (covered with the same scenario and the same codes/limits elsewhere):
- test_unauthenticated_and_customer_forbidden_operator_calls →
  tests/graphql/test_limits.py::test_H1_me_without_token_is_unauthenticated, ::test_H1_customer_cannot_create_accounts
  and tests/graphql/test_clock.py::test_C2_advance_clock_is_for_operators_only (a customer's advanceClock to START + 1 day)
- test_depth_limit_10 → tests/graphql/test_limits.py::test_H3_depth_limit_refuses_depth_11_with_a_clear_message and
  ::test_H3_depth_limit_allows_depth_10 (the same convention: a root leaf is depth 0)
- test_alias_limit_15 → tests/graphql/test_limits.py::test_H3_alias_limit_allows_15 and
  ::test_H3_alias_limit_refuses_16_with_a_clear_message
- test_page_size_101_is_an_error → tests/graphql/test_purchase.py::test_orders_newest_first_with_cursor_pagination_and_filters
  (orders: 100 served, 101 an error) and tests/graphql/test_renewal.py::test_V1_events_pagination (events: the same)
- test_name_length_limit_200 → tests/graphql/test_accounts.py::test_P1_application_name_empty_or_too_long_is_invalid_name
- test_clock_only_moves_forward → tests/graphql/test_clock.py::test_C2_now_starts_at_the_fixed_start_and_is_frozen,
  ::test_C2_advance_clock_backwards_is_refused_and_time_unchanged, ::test_C2_advance_clock_to_the_current_instant_is_allowed
  and ::test_C2_advance_clock_forward_returns_the_new_time
"""

import asyncio
import json

import httpx

from tests.acceptance.spec import (
    APPLICATION,
    CREDIT,
    ENTITLEMENTS,
    GRANT,
    OPERATOR,
    PURCHASE,
    QUOTE,
    REFUND,
    START,
    TOP_UP,
    advance,
    amounts,
    codes,
    data,
    error_codes,
    events,
    funded_owner,
    gql,
    issue_token,
    new_account,
    new_app,
    of_type,
    purchase,
    record_usage,
    refund,
    shanghai,
    top_up_with_balance,
    ts,
    usage_event,
)
from tests.live import server  # noqa: F401  (harness fixture: a real server process, for WebSockets)


async def test_H1_partner_scopes(client):
    """H-1: a PARTNER call outside its scopes is FORBIDDEN (me: account:read, orders: orders:read,
    package mutations: packages:write, requestRefund: refunds:write)."""
    account_id, owner = await funded_owner(client, "5000.00")
    app = await new_app(client, owner)
    reader = await issue_token(client, "PARTNER", account_id, ["orders:read"])
    writer = await issue_token(client, "PARTNER", account_id, ["account:read", "packages:write"])
    assert error_codes(await gql(client, "{ me { id } }", None, reader)) == ["FORBIDDEN"]
    assert "errors" not in await gql(client, "{ orders { edges { cursor } } }", None, reader)
    r = await gql(
        client,
        PURCHASE,
        {
            "input": {
                "sdkAppId": app,
                "edition": "BASIC",
                "months": 1,
                "acceptAgreements": True,
                "idempotencyKey": "partner",
            }
        },
        reader,
    )
    assert error_codes(r) == ["FORBIDDEN"]
    assert data(await gql(client, "{ me { id } }", None, writer))["me"]["id"] == account_id
    p = await purchase(client, writer, app, idem="partner-ok")
    assert p["errors"] == []
    assert error_codes(await gql(client, "{ orders { edges { cursor } } }", None, writer)) == ["FORBIDDEN"]
    r = await gql(client, REFUND, {"o": p["order"]["id"], "k": "pr"}, writer)
    assert error_codes(r) == ["FORBIDDEN"]


async def test_H2_other_accounts_ids_answer_like_missing_ids(client):
    """H-2: another account's ids answer NOT_FOUND, exactly as ids that do not exist."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    _, intruder = await funded_owner(client, "5000.00", name="Intruder")
    missing_app = 1499999999
    for query, var_real, var_missing in (
        (APPLICATION, {"app": app}, {"app": missing_app}),
        ("query($o: ID!) { order(id: $o) { id } }", {"o": p["order"]["id"]}, {"o": "987654321"}),
        (ENTITLEMENTS, {"app": app}, {"app": missing_app}),
    ):
        real = await gql(client, query, var_real, intruder)
        missing = await gql(client, query, var_missing, intruder)
        for r in (real, missing):
            r.pop("extensions", None)  # H-4's running cost meter differs between any two calls
            for e in r.get("errors", []):
                e.pop("locations", None)
        assert real == missing
    assert "NOT_FOUND" in error_codes(await gql(client, ENTITLEMENTS, {"app": app}, intruder))
    assert codes(await refund(client, intruder, p["order"]["id"])) == ["NOT_FOUND"]
    assert codes(await refund(client, intruder, "987654321")) == ["NOT_FOUND"]
    assert codes(await purchase(client, intruder, app, idem="steal")) == ["NOT_FOUND"]
    assert codes(await purchase(client, intruder, missing_app, idem="steal2")) == ["NOT_FOUND"]


async def test_H3_money_inputs_invalid_amount(client):
    """H-3: money inputs with more than two decimals or ≤ 0 → INVALID_AMOUNT."""
    account_id, token = await new_account(client)
    for i, amt in enumerate(("10.001", "0", "0.00", "-5.00")):
        r = data(await gql(client, TOP_UP, {"amount": amt, "key": f"bad{i}"}, token))["topUp"]
        assert codes(r) == ["INVALID_AMOUNT"], amt
    r = data(await gql(client, CREDIT, {"a": account_id, "amount": "1.234", "source": "cash", "key": "c"}, OPERATOR))
    assert codes(r["creditAccount"]) == ["INVALID_AMOUNT"]
    r = data(await gql(client, GRANT, {"a": account_id, "amount": "-1.00", "exp": "2027-12-31T00:00:00Z"}, OPERATOR))
    assert codes(r["grantVoucher"]) == ["INVALID_AMOUNT"]
    ok = await top_up_with_balance(client, token, "10.5", "good")
    assert ok["errors"] == [] and amounts(ok["account"]["balance"])["available"] == "10.50"


async def test_V1_events_types_and_shapes(client):
    """V-1: events carry type, sdkAppId (null for account-level ones), data as a JSON object string, time."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    await purchase(client, token, app)
    evts = await events(client, token)
    for e in evts:
        assert isinstance(json.loads(e["data"]), dict)
    credited = of_type(evts, "BALANCE_CREDITED")
    assert len(credited) == 1 and credited[0]["sdkAppId"] is None
    purchased = of_type(evts, "PACKAGE_PURCHASED")
    assert len(purchased) == 1 and purchased[0]["sdkAppId"] == app and ts(purchased[0]["occurredAt"]) == START
    assert of_type(evts, "ALLOWANCE_GRANTED")[0]["sdkAppId"] == app
    only_app = await events(client, token, app)
    assert {e["sdkAppId"] for e in only_app} == {app}


async def test_C1_one_clock_jump_runs_timers_at_their_due_instants(client):
    """C-1/C-2: one advanceClock over 100 days runs every timer in due order, each at its due instant."""
    _, token = await funded_owner(client, "1653.26")
    service = await issue_token(client, "SERVICE")
    paid, bare = await new_app(client, token, "paid"), await new_app(client, token, "bare")
    await purchase(client, token, paid)
    await record_usage(client, service, [usage_event(bare, 1000)])
    await advance(client, shanghai(2027, 4, 20))
    evts = await events(client, token)
    assert all(isinstance(json.loads(e["data"]), dict) for e in evts)
    seen = [
        (e["type"], ts(e["occurredAt"]))
        for e in evts
        if e["type"]
        in {
            "USAGE_SETTLED",
            "ARREARS_STARTED",
            "ACCOUNT_SUSPENDED",
            "RENEWAL_REMINDER",
            "PACKAGE_EXPIRED",
            "APP_RECLAIMED",
        }
    ]
    assert seen == [
        ("USAGE_SETTLED", shanghai(2027, 1, 11, 1)),
        ("ARREARS_STARTED", shanghai(2027, 1, 11, 1)),
        ("ACCOUNT_SUSPENDED", shanghai(2027, 1, 12, 1)),
        ("RENEWAL_REMINDER", shanghai(2027, 2, 3)),
        ("RENEWAL_REMINDER", shanghai(2027, 2, 9)),
        ("PACKAGE_EXPIRED", shanghai(2027, 2, 10)),
        ("APP_RECLAIMED", shanghai(2027, 4, 12, 1)),
        ("APP_RECLAIMED", shanghai(2027, 4, 12, 1)),
    ]


async def test_H1_service_and_partner_roles_on_money_mutations(client):
    """H-1: SERVICE has no account (no purchases: FORBIDDEN); a PARTNER with refunds:write may request a refund,
    and reading refunds needs orders:read."""
    account_id, token = await funded_owner(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    r = await gql(
        client,
        PURCHASE,
        {
            "input": {
                "sdkAppId": app,
                "edition": "BASIC",
                "months": 1,
                "acceptAgreements": True,
                "idempotencyKey": "svc",
            }
        },
        service,
    )
    assert error_codes(r) == ["FORBIDDEN"]
    p = await purchase(client, token, app)
    refunder = await issue_token(client, "PARTNER", account_id, ["refunds:write"])
    assert error_codes(await gql(client, "{ refunds { id } }", None, refunder)) == ["FORBIDDEN"]
    rr = data(await gql(client, REFUND, {"o": p["order"]["id"], "k": "partner-refund"}, refunder))["requestRefund"]
    assert rr["errors"] == [] and rr["refund"]["status"] == "APPROVED"


async def test_H2_quote_for_another_accounts_app_is_not_found(client):
    """H-2: quote(sdkAppId) for another account's app answers like a missing app."""
    _, token = await new_account(client)
    app = await new_app(client, token)
    _, intruder = await new_account(client, name="I")
    real = await gql(client, QUOTE, {"a": app, "e": "BASIC", "m": 1}, intruder)
    missing = await gql(client, QUOTE, {"a": 1499999999, "e": "BASIC", "m": 1}, intruder)
    for r in (real, missing):
        r.pop("extensions", None)  # H-4's running cost meter differs between any two calls
        for e in r.get("errors", []):
            e.pop("locations", None)
            e["message"] = e["message"].replace(str(app), "ID").replace("1499999999", "ID")
    assert real == missing
    assert "NOT_FOUND" in error_codes(real)


async def test_V1_live_events_pushed_over_graphql_transport_ws(server):  # noqa: F811  (the fixture, by name)
    """V-1: events are pushed to live subscribers over graphql-transport-ws, the token in connection_init."""
    import websockets

    async with httpx.AsyncClient(base_url=server) as http:
        _, token = await funded_owner(http, "5000.00")
        app = await new_app(http, token)
        ws_url = server.replace("http", "ws", 1) + "/graphql"
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {
                        "id": "1",
                        "type": "subscribe",
                        "payload": {"query": "subscription { events { type sdkAppId data occurredAt } }"},
                    }
                )
            )
            await asyncio.sleep(0.5)
            assert (await purchase(http, token, app))["errors"] == []
            got = []
            while "PACKAGE_PURCHASED" not in got:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert msg["type"] == "next", msg
                event = msg["payload"]["data"]["events"]
                got.append(event["type"])
                if event["type"] == "PACKAGE_PURCHASED":
                    assert event["sdkAppId"] == app
                    assert json.loads(event["data"])["edition"] == "BASIC"
