"""H-3: hostile input gets a typed answer, never "Internal error." (issue 16's six reproductions).

Each test first builds the request exactly as the issue reported it, then asserts the typed answer
SPEC H-3 asks for, and that a refused request changed nothing in the database.
"""

import logging
import socket
import time

import pytest
from graphql import GraphQLNonNull, get_named_type

from tests.conftest import OPERATOR
from tests.factories import new_account, new_app
from tests.gql import data
from tests.hostile import INTERNAL, ask, fingerprint, payload_errors, post
from tests.live import server  # noqa: F401  (the real uvicorn fixture, for keep-alive)
from tests.schema_values import INT_MAX, INT_MIN, operations, required_args, selection

# ---- 1. an Int beyond 32 bits in a variable ---------------------------------------------------------


def int_arguments() -> list[tuple[str, str, str]]:
    """(kind, field, argument) for every top-level Int argument of schema.graphql."""
    return [
        (op.kind, op.name, arg)
        for op in operations()
        for arg, a in op.field.args.items()
        if get_named_type(a.type).name == "Int" and not str(a.type).startswith("[")
    ]


def int_document(kind: str, field: str, arg: str) -> tuple[str, dict]:
    op = next(o for o in operations() if o.kind == kind and o.name == field)
    others = {k: v for k, v in required_args(op.field).items() if k != arg}
    return op.document(set(others) | {arg}), others


def test_H3_every_int_argument_is_enumerated():
    # the issue counted 13 Int arguments; the list grows with the schema, never shrinks below that
    assert len(int_arguments()) >= 13, int_arguments()


@pytest.mark.parametrize("value", [INT_MAX + 1, INT_MIN - 1])
async def test_H3_int_beyond_32_bits_in_a_variable_names_the_variable(client, value):
    _, token = await new_account(client)
    before = await fingerprint()
    for kind, field, arg in int_arguments():
        query, others = int_document(kind, field, arg)
        body = await ask(client, query, {**others, arg: value}, OPERATOR if field == "advanceClock" else token)
        assert body["data"] is None, (field, body)
        [error] = body["errors"]
        assert error["message"] == (
            f"Variable '${arg}' has invalid value: Int cannot represent non 32-bit signed integer value: {value}"
        ), error
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert await fingerprint() == before


async def test_H3_int_beyond_32_bits_inline_names_the_argument(client):
    _, token = await new_account(client)
    body = await ask(client, "mutation { startTrial(sdkAppId: 2147483648) { errors { code } } }", token=token)
    [error] = body["errors"]
    assert error["message"] == (
        "Argument 'sdkAppId' of 'startTrial' has invalid value: "
        "Int cannot represent non 32-bit signed integer value: 2147483648"
    )
    assert error["extensions"]["code"] == "BAD_USER_INPUT"


async def test_H3_the_issue_reproduction_1_verbatim(client):
    _, token = await new_account(client)
    body = await ask(
        client, "mutation($a: Int!) { startTrial(sdkAppId: $a) { errors { code } } }", {"a": 2147483648}, token
    )
    assert body["data"] is None
    assert "'$a'" in body["errors"][0]["message"] and "32-bit" in body["errors"][0]["message"]


# ---- 2. an unparseable DateTime, inline or in a variable --------------------------------------------

BAD_DATES = ["not-a-date", "2027-02-30T00:00:00Z", ""]
USAGE = "mutation($ev: [UsageEventInput!]!) { recordUsage(events: $ev) { accepted errors { code field } } }"


@pytest.mark.parametrize("bad", BAD_DATES)
async def test_H3_bad_datetime_inline_names_the_argument(client, bad):
    account_id, _ = await new_account(client)
    before = await fingerprint()
    body = await ask(client, f'mutation {{ advanceClock(to: "{bad}") {{ now }} }}', token=OPERATOR)
    [error] = body["errors"]
    assert error["message"].startswith(
        f"Argument 'to' of 'advanceClock' has invalid value: DateTime cannot represent '{bad}'"
    ), error
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    body = await ask(
        client,
        f'mutation {{ grantVoucher(accountId: "{account_id}", amount: "10", '
        f'expiresAt: "{bad}") {{ errors {{ code }} }} }}',
        token=OPERATOR,
    )
    assert body["errors"][0]["message"].startswith("Argument 'expiresAt' of 'grantVoucher' has invalid value")
    body = await ask(
        client,
        'mutation { recordUsage(events: [{eventId: "e1", sdkAppId: 1, kind: AUDIO, minutes: 1, '
        f'occurredAt: "{bad}"}}]) {{ accepted }} }}',
        token=OPERATOR,
    )
    assert body["errors"][0]["message"].startswith(
        "Argument 'events' of 'recordUsage' has invalid value at [0].occurredAt: DateTime cannot represent"
    )
    assert await fingerprint() == before


@pytest.mark.parametrize("bad", BAD_DATES)
async def test_H3_bad_datetime_in_a_variable_names_the_variable(client, bad):
    account_id, _ = await new_account(client)
    before = await fingerprint()
    body = await ask(client, "mutation($t: DateTime!) { advanceClock(to: $t) { now } }", {"t": bad}, OPERATOR)
    [error] = body["errors"]
    assert error["message"].startswith(f"Variable '$t' has invalid value: DateTime cannot represent '{bad}'"), error
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    body = await ask(
        client,
        'mutation($a: ID!, $t: DateTime!) { grantVoucher(accountId: $a, amount: "10", '
        "expiresAt: $t) { errors { code } } }",
        {"a": account_id, "t": bad},
        OPERATOR,
    )
    assert body["errors"][0]["message"].startswith("Variable '$t' has invalid value: DateTime cannot represent")
    event = {"eventId": "e1", "sdkAppId": 1, "kind": "AUDIO", "minutes": 1, "occurredAt": bad}
    body = await ask(client, USAGE, {"ev": [event]}, OPERATOR)
    assert body["errors"][0]["message"].startswith(
        "Variable '$ev' has invalid value at [0].occurredAt: DateTime cannot represent"
    )
    assert await fingerprint() == before


async def test_H3_datetime_beyond_the_supported_years_is_a_coercion_error(client):
    for value in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1900-01-01T00:00:00Z"):
        body = await ask(client, "mutation($t: DateTime!) { advanceClock(to: $t) { now } }", {"t": value}, OPERATOR)
        assert body["errors"][0]["message"].startswith("Variable '$t' has invalid value: DateTime"), body


# ---- 3. NUL and unpaired surrogates in stored strings ------------------------------------------------

HOSTILE_STRINGS = ["a\x00b", "\ud800", "ok\udfff"]


async def stored_string_cases(client) -> list[tuple[str, dict, str, str]]:
    """(query with $s, other variables, token, field named) for every stored string argument."""
    account_id, token = await new_account(client, name="Victim")
    app = await new_app(client, token)
    data(
        await ask(
            client,
            'mutation($a: ID!) { creditAccount(accountId: $a, amount: "100000", source: "cash", '
            'idempotencyKey: "seed") { errors { code } } }',
            {"a": account_id},
            OPERATOR,
        )
    )
    purchase = (
        "mutation($s: String!, $app: Int!) { purchasePackage(input: {sdkAppId: $app, edition: BASIC, "
        "months: 1, acceptAgreements: true, idempotencyKey: $s}) { errors { code field } } }"
    )
    return [
        ("mutation($s: String!) { createApplication(name: $s) { errors { code field } } }", {}, token, "name"),
        ("mutation($s: String!) { createAccount(input: {name: $s}) { errors { code field } } }", {}, OPERATOR, "name"),
        (
            "mutation($s: String!, $a: ID!) { banAccount(accountId: $a, reason: $s) { errors { code field } } }",
            {"a": account_id},
            OPERATOR,
            "reason",
        ),
        (
            (
                'mutation($s: String!, $a: ID!) { creditAccount(accountId: $a, amount: "1", source: $s, '
                'idempotencyKey: "k1") { errors { code field } } }'
            ),
            {"a": account_id},
            OPERATOR,
            "source",
        ),
        (
            (
                'mutation($s: String!, $a: ID!) { creditAccount(accountId: $a, amount: "1", source: "cash", '
                "idempotencyKey: $s) { errors { code field } } }"
            ),
            {"a": account_id},
            OPERATOR,
            "idempotencyKey",
        ),
        (
            'mutation($s: String!) { topUp(amount: "1", idempotencyKey: $s) { errors { code field } } }',
            {},
            token,
            "idempotencyKey",
        ),
        (purchase, {"app": app}, token, "idempotencyKey"),
        (
            (
                "mutation($s: String!, $app: Int!) { renewPackage(input: {sdkAppId: $app, months: 1, idempotencyKey: $s}) "
                "{ errors { code field } } }"
            ),
            {"app": app},
            token,
            "idempotencyKey",
        ),
        (
            (
                "mutation($s: String!, $app: Int!) { upgradePackage(input: {sdkAppId: $app, targetEdition: LARGE_ROOM, "
                "idempotencyKey: $s}) { errors { code field } } }"
            ),
            {"app": app},
            token,
            "idempotencyKey",
        ),
        (
            'mutation($s: String!) { requestRefund(orderId: "1", idempotencyKey: $s) { errors { code field } } }',
            {},
            token,
            "idempotencyKey",
        ),
        (
            (
                "mutation($s: String!, $app: Int!) { recordUsage(events: [{eventId: $s, sdkAppId: $app, kind: AUDIO, "
                'minutes: 1, occurredAt: "2027-01-10T00:00:00Z"}]) { accepted errors { code field } } }'
            ),
            {"app": app},
            OPERATOR,
            "events[0].eventId",
        ),
        (
            'mutation($s: String) { reviewRefund(refundId: "1", approve: true, note: $s) { errors { code field } } }',
            {},
            OPERATOR,
            "note",
        ),
    ]


@pytest.mark.parametrize("bad", HOSTILE_STRINGS)
async def test_H3_nul_or_lone_surrogate_in_a_stored_string_is_invalid_input(client, bad, caplog):
    cases = await stored_string_cases(client)
    assert len(cases) >= 9  # the issue's 9 arguments, and more
    for query, variables, token, field in cases:
        before = await fingerprint()
        body = await ask(client, query, {**variables, "s": bad}, token)
        assert "errors" not in body, (query, body)
        errors = payload_errors(body)
        assert [(e["code"], e["field"]) for e in errors] == [("INVALID_INPUT", field)], (query, body)
        assert await fingerprint() == before, query
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and "unexpected" in r.getMessage()]


async def test_H3_names_longer_than_200_characters_are_refused(client):
    _, token = await new_account(client)
    body = await ask(
        client,
        "mutation($s: String!) { createApplication(name: $s) { errors { code field } } }",
        {"s": "n" * 201},
        token,
    )
    assert payload_errors(body) == [{"code": "INVALID_NAME", "field": "name"}]
    body = await ask(
        client,
        "mutation($s: String!) { createApplication(name: $s) { application { name } } }",
        {"s": "n" * 200},
        token,
    )
    assert body["data"]["createApplication"]["application"]["name"] == "n" * 200


async def test_H3_valid_astral_characters_are_kept(client):
    """A surrogate *pair* in JSON ("\\ud83d\\ude00") is one valid character, stored as sent."""
    _, token = await new_account(client)
    body = await ask(
        client,
        "mutation($s: String!) { createApplication(name: $s) { application { name } } }",
        {"s": "房间 😀"},
        token,
    )
    assert body["data"]["createApplication"]["application"]["name"] == "房间 😀"


# ---- 4. an id of another account ---------------------------------------------------------------------

TOP_UP = (
    'mutation($a: ID) { topUp(amount: "1.00", idempotencyKey: "t-1", accountId: $a) '
    "{ account { id balance { cash { amount } } } errors { code field } } }"
)
REFUNDS = "query($a: ID) { refunds(accountId: $a) { id } }"


async def test_H3_top_up_with_another_accounts_id_is_not_found(client):
    mine, token = await new_account(client, name="Mine")
    other, other_token = await new_account(client, name="Other")
    before = await fingerprint()
    body = await ask(client, TOP_UP, {"a": other}, token)
    assert body["data"]["topUp"] == {"account": None, "errors": [{"code": "NOT_FOUND", "field": "accountId"}]}
    assert await fingerprint() == before
    for unknown in ("999999", "abc", "-1"):
        body = await ask(client, TOP_UP, {"a": unknown}, token)
        assert body["data"]["topUp"]["errors"] == [{"code": "NOT_FOUND", "field": "accountId"}]
    assert await fingerprint() == before
    # naming its own account, or none, credits the caller
    body = await ask(client, TOP_UP, {"a": mine}, token)
    assert body["data"]["topUp"]["account"] == {"id": mine, "balance": {"cash": {"amount": "1.00"}}}
    other_me = data(await ask(client, "{ me { balance { cash { amount } } } }", token=other_token))
    assert other_me["me"]["balance"]["cash"]["amount"] == "0.00"


async def test_H3_refunds_with_another_accounts_id_is_not_found(client):
    mine, token = await new_account(client, name="Mine")
    other, _ = await new_account(client, name="Other")
    body = await ask(client, REFUNDS, {"a": other}, token)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    assert data(await ask(client, REFUNDS, {"a": mine}, token))["refunds"] == []
    assert data(await ask(client, REFUNDS, {"a": other}, OPERATOR))["refunds"] == []


async def test_H3_an_app_filter_naming_another_accounts_app_is_not_found(client):
    _, token = await new_account(client, name="Mine")
    _, other_token = await new_account(client, name="Other")
    mine, theirs = await new_app(client, token), await new_app(client, other_token)
    for field in ("orders", "events"):
        query = f"query($app: Int) {{ {field}(sdkAppId: $app) {{ edges {{ cursor }} }} }}"
        for app in (theirs, 1399999999):
            body = await ask(client, query, {"app": app}, token)
            assert body["data"] is None and [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
        assert "edges" in data(await ask(client, query, {"app": mine}, token))[field]
    body = await ask(client, "query($app: Int!) { entitlements(sdkAppId: $app) { sdkAppId } }", {"app": theirs}, token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
    body = await ask(
        client, "mutation($app: Int!) { startTrial(sdkAppId: $app) { errors { code field } } }", {"app": theirs}, token
    )
    assert payload_errors(body) == [{"code": "NOT_FOUND", "field": "sdkAppId"}]


# ---- 5. money strictly as plain decimals -------------------------------------------------------------

REFUSED_AMOUNTS = [
    "1e2",
    "1E2",
    "NaN",
    "Infinity",
    "-Infinity",
    " 1",
    "1 ",
    "1.001",
    "-1",
    "0",
    "0.00",
    "+1",
    "1,000",
    "１００",
    "٣",
    ".5",
    "5.",
    "0x10",
    "1_000",
    "",
    "12.300",
    "9" * 40,
]


async def test_H3_money_must_be_a_plain_decimal(client):
    account_id, token = await new_account(client)
    before = await fingerprint()
    for amount in REFUSED_AMOUNTS:
        body = await ask(
            client,
            'mutation($m: Decimal!) { topUp(amount: $m, idempotencyKey: "m") { errors { code field } } }',
            {"m": amount},
            token,
        )
        assert body["data"]["topUp"]["errors"] == [{"code": "INVALID_AMOUNT", "field": "amount"}], (amount, body)
        body = await ask(
            client,
            "mutation($a: ID!, $m: Decimal!) { grantVoucher(accountId: $a, amount: $m, "
            'expiresAt: "2027-06-01T00:00:00Z") { errors { code field } } }',
            {"a": account_id, "m": amount},
            OPERATOR,
        )
        assert body["data"]["grantVoucher"]["errors"] == [{"code": "INVALID_AMOUNT", "field": "amount"}], amount
    assert await fingerprint() == before
    for amount, shown in (("100", "100.00"), ("0.5", "100.50"), ("12.34", "112.84")):
        body = await ask(
            client,
            "mutation($m: Decimal!, $k: String!) { topUp(amount: $m, idempotencyKey: $k) "
            "{ account { balance { cash { amount } } } errors { code } } }",
            {"m": amount, "k": f"ok-{amount}"},
            token,
        )
        assert body["data"]["topUp"]["account"]["balance"]["cash"]["amount"] == shown


async def test_H3_money_as_a_json_number_is_refused_with_invalid_amount(client):
    _, token = await new_account(client)
    for value in (100, 1e2, 0.5):
        body = await ask(
            client,
            'mutation($m: Decimal!) { topUp(amount: $m, idempotencyKey: "n") { errors { code } } }',
            {"m": value},
            token,
        )
        assert body["data"] is None
        assert body["errors"][0]["message"].startswith("Variable '$m' has invalid value: Decimal must be a string")
        assert body["errors"][0]["extensions"]["code"] == "INVALID_AMOUNT"
    body = await ask(client, 'mutation { topUp(amount: 100, idempotencyKey: "n") { errors { code } } }', token=token)
    assert body["errors"][0]["message"].startswith("Argument 'amount' of 'topUp' has invalid value: Decimal must")
    assert body["errors"][0]["extensions"]["code"] == "INVALID_AMOUNT"


# ---- lists and pages ---------------------------------------------------------------------------------


async def test_H3_page_size_101_is_an_error_not_a_silent_cut(client):
    _, token = await new_account(client)
    for field in ("orders", "events"):
        body = await ask(client, f"{{ {field}(first: 101) {{ pageInfo {{ hasNextPage }} }} }}", token=token)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"], body
        assert "100" in body["errors"][0]["message"]
        assert data(await ask(client, f"{{ {field}(first: 100) {{ pageInfo {{ hasNextPage }} }} }}", token=token))
    body = await ask(client, "{ refunds(first: 101) { id } }", token=token)
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


async def test_H3_every_list_argument_refuses_1001_items(client):
    account_id, token = await new_account(client)
    app = await new_app(client, token)
    ids = [str(i + 1) for i in range(1001)]
    body = await ask(
        client,
        "mutation($app: Int!, $v: [ID!]) { purchasePackage(input: {sdkAppId: $app, "
        'edition: BASIC, months: 1, acceptAgreements: true, idempotencyKey: "l", voucherIds: $v}) '
        "{ errors { code field } } }",
        {"app": app, "v": ids},
        token,
    )
    assert payload_errors(body) == [{"code": "LIST_TOO_LONG", "field": "voucherIds"}]
    body = await ask(
        client,
        "mutation($a: ID, $s: [String!]) { issueToken(role: PARTNER, accountId: $a, scopes: $s) "
        "{ errors { code field } } }",
        {"a": account_id, "s": ["orders:read"] * 1001},
        OPERATOR,
    )
    assert [(e["code"], e["field"]) for e in payload_errors(body)] == [("LIST_TOO_LONG", "scopes")]
    event = {"eventId": "e", "sdkAppId": app, "kind": "AUDIO", "minutes": 1, "occurredAt": "2027-01-10T00:00:00Z"}
    body = await ask(client, USAGE, {"ev": [event] * 1001}, OPERATOR)
    assert [(e["code"], e["field"]) for e in payload_errors(body)] == [("BATCH_TOO_LARGE", "events")]


# ---- the mask: only the unexpected, and logged -------------------------------------------------------


async def test_H3_a_masked_error_is_logged_with_its_stack_trace(client, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("boom in the catalog")

    monkeypatch.setattr("app.domain.catalog.service.editions", broken)
    with caplog.at_level(logging.ERROR, logger="graphql_schema.input_errors"):
        response = await post(client, "{ editions { code } }")
    assert [e["message"] for e in response.json()["errors"]] == [INTERNAL]
    [record] = [r for r in caplog.records if r.name == "graphql_schema.input_errors"]
    assert record.levelno == logging.ERROR and "editions" in record.getMessage()
    assert record.exc_info and record.exc_info[0] is RuntimeError
    assert "boom in the catalog" in caplog.text and "Traceback" in caplog.text


def test_H3_selection_helper_covers_payloads():
    op = next(o for o in operations() if o.name == "createApplication")
    assert "errors" in selection(op.field.type)
    assert isinstance(op.field.args["name"].type, GraphQLNonNull)


# ---- 6. keep-alive longer than clients' idle timeouts ------------------------------------------------


def _request(sock: socket.socket) -> bytes:
    body = b'{"query":"{ now }"}'
    sock.sendall(
        b"POST /graphql HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    sock.settimeout(10)
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    return answer


def test_H3_server_keeps_an_idle_connection_longer_than_clients_do(server):  # noqa: F811
    from app.cli import KEEP_ALIVE_SECONDS

    assert KEEP_ALIVE_SECONDS == 75
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        assert _request(sock).startswith(b"HTTP/1.1 200")
        time.sleep(6.5)  # past uvicorn's default 5 s and httpx's 5 s idle timeout
        assert _request(sock).startswith(b"HTTP/1.1 200"), "the server closed the idle connection"


async def test_H3_a_subscription_filter_naming_another_accounts_app_is_not_found(client):
    from app.domain.accounts.service import authenticate
    from graphql_schema.context import Context
    from graphql_schema.schema import schema

    _, token = await new_account(client, name="Mine")
    _, other_token = await new_account(client, name="Other")
    theirs = await new_app(client, other_token)
    caller = await authenticate(token, OPERATOR)
    stream = await schema.subscribe(
        "subscription($app: Int) { events(sdkAppId: $app) { type } }",
        {"app": theirs},
        context_value=Context(connection=None, caller=caller),
    )
    results = [r async for r in stream] if hasattr(stream, "__aiter__") else [stream]
    assert [e.extensions["code"] for e in results[0].errors] == ["NOT_FOUND"], results


async def test_H3_nul_and_surrogate_escapes_in_an_inline_literal_are_typed(client):
    _, token = await new_account(client)
    before = await fingerprint()
    body = await ask(client, 'mutation { createApplication(name: "a\\u0000b") { errors { code field } } }', token=token)
    assert payload_errors(body) == [{"code": "INVALID_INPUT", "field": "name"}]
    body = await ask(client, 'mutation { createApplication(name: "\\ud800") { errors { code field } } }', token=token)
    # graphql-core's lexer may refuse a lone surrogate escape itself (a syntax error); either way typed
    assert payload_errors(body) == [{"code": "INVALID_INPUT", "field": "name"}] or body["errors"][0][
        "message"
    ].startswith("Syntax Error"), body
    assert await fingerprint() == before
