"""SPEC §2 accounts and applications (A-1, A-2, A-4, P-1, P-2) and §11 access (H-1, H-2), through the API."""

import asyncio
import hashlib

from tortoise import connections

from app.domain.accounts.models import ApiToken
from tests.conftest import OPERATOR
from tests.factories import CREATE_ACCOUNT, ISSUE_TOKEN, issue_token, new_account, new_app
from tests.gql import data, error_codes, gql

ME = "{ me { id name type realNameVerified status arrearsSince suspendedAt } }"
ME_BALANCE = """{ me { balance { cash { amount currency } income { amount currency } gift { amount currency }
  available { amount currency } } vouchers { id } } }"""
APPLICATIONS = "{ applications { sdkAppId name status trialsUsed package { id } } }"
APPLICATION = """query($id: Int!) { application(sdkAppId: $id) { sdkAppId name status trialsUsed
  package { id status edition } } }"""
CREATE_APP = """mutation($name: String!) { createApplication(name: $name) {
  application { sdkAppId name status trialsUsed package { id } } errors { code field message } } }"""
CREATE_ACCOUNT_FULL = """mutation($input: CreateAccountInput!) { createAccount(input: $input) {
  account { id name type realNameVerified status } token errors { code field } } }"""
SET_REAL_NAME = """mutation($id: ID!, $v: Boolean!) { setRealNameVerified(accountId: $id, verified: $v) {
  account { id realNameVerified } errors { code field } } }"""


def _only_error(result: dict) -> dict:
    """The single GraphQL error of a refused call (data is null for the refused non-null field)."""
    assert result.get("data") is None, result
    assert len(result["errors"]) == 1, result
    return result["errors"][0]


# ---------------------------------------------------------------- A-1 account types


async def test_A1_create_owner_account_and_its_token_reads_me(client):
    variables = {"input": {"name": "Acme Ltd", "type": "OWNER"}}
    payload = data(await gql(client, CREATE_ACCOUNT_FULL, variables, OPERATOR))["createAccount"]
    assert payload["errors"] == []
    account = payload["account"]
    assert account == {
        "id": account["id"],
        "name": "Acme Ltd",
        "type": "OWNER",
        "realNameVerified": True,
        "status": "NORMAL",
    }
    assert isinstance(payload["token"], str) and len(payload["token"]) >= 32
    me = data(await gql(client, ME, token=payload["token"]))["me"]
    assert me == {
        "id": account["id"],
        "name": "Acme Ltd",
        "type": "OWNER",
        "realNameVerified": True,
        "status": "NORMAL",
        "arrearsSince": None,
        "suspendedAt": None,
    }


async def test_A1_owner_type_is_the_default_and_name_is_trimmed(client):
    payload = data(await gql(client, CREATE_ACCOUNT_FULL, {"input": {"name": "  Beta  "}}, OPERATOR))["createAccount"]
    assert payload["errors"] == []
    assert (payload["account"]["name"], payload["account"]["type"], payload["account"]["realNameVerified"]) == (
        "Beta",
        "OWNER",
        True,
    )


async def test_A1_sub_user_token_acts_for_the_owner(client):
    owner_id, owner_token = await new_account(client, name="Owner Co")
    variables = {"input": {"name": "Sub One", "type": "SUB_USER", "ownerId": owner_id}}
    payload = data(await gql(client, CREATE_ACCOUNT_FULL, variables, OPERATOR))["createAccount"]
    assert payload["errors"] == []
    assert payload["account"]["type"] == "SUB_USER"
    assert payload["account"]["name"] == "Sub One"
    assert payload["account"]["id"] != owner_id
    sub_token = payload["token"]

    me = data(await gql(client, ME, token=sub_token))["me"]
    assert me == data(await gql(client, ME, token=owner_token))["me"]
    assert (me["id"], me["name"], me["type"]) == (owner_id, "Owner Co", "OWNER")


async def test_A1_sub_user_applications_are_the_owners_applications(client):
    owner_id, owner_token = await new_account(client, name="Owner Co")
    _, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    owner_app = await new_app(client, owner_token, "Owner app")
    sub_app = await new_app(client, sub_token, "Sub app")

    expected = [
        {"sdkAppId": owner_app, "name": "Owner app", "status": "ACTIVE", "trialsUsed": 0, "package": None},
        {"sdkAppId": sub_app, "name": "Sub app", "status": "ACTIVE", "trialsUsed": 0, "package": None},
    ]
    assert data(await gql(client, APPLICATIONS, token=owner_token))["applications"] == expected
    assert data(await gql(client, APPLICATIONS, token=sub_token))["applications"] == expected
    # each sees the other's app by id: it is the owner's
    got = data(await gql(client, APPLICATION, {"id": owner_app}, sub_token))["application"]
    assert (got["sdkAppId"], got["name"]) == (owner_app, "Owner app")
    got = data(await gql(client, APPLICATION, {"id": sub_app}, owner_token))["application"]
    assert (got["sdkAppId"], got["name"]) == (sub_app, "Sub app")


async def test_A1_collaborator_acts_for_the_owner(client):
    owner_id, owner_token = await new_account(client, name="Owner Co")
    variables = {"input": {"name": "Collab", "type": "COLLABORATOR", "ownerId": owner_id}}
    payload = data(await gql(client, CREATE_ACCOUNT_FULL, variables, OPERATOR))["createAccount"]
    assert payload["errors"] == []
    assert payload["account"]["type"] == "COLLABORATOR"
    collab_token = payload["token"]
    me = data(await gql(client, ME, token=collab_token))["me"]
    assert (me["id"], me["type"]) == (owner_id, "OWNER")
    app = await new_app(client, collab_token, "Collab app")
    assert [a["sdkAppId"] for a in data(await gql(client, APPLICATIONS, token=owner_token))["applications"]] == [app]


async def test_A1_sub_user_without_owner_is_invalid_owner(client):
    for type_ in ("SUB_USER", "COLLABORATOR"):
        payload = data(await gql(client, CREATE_ACCOUNT_FULL, {"input": {"name": "Sub", "type": type_}}, OPERATOR))[
            "createAccount"
        ]
        assert payload == {"account": None, "token": None, "errors": [{"code": "INVALID_OWNER", "field": "ownerId"}]}


async def test_A1_invalid_owner_references(client):
    owner_id, _ = await new_account(client, name="Owner Co")
    sub_id, _ = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    refused = {"account": None, "token": None, "errors": [{"code": "INVALID_OWNER", "field": "ownerId"}]}
    cases = [
        {"name": "Nested", "type": "SUB_USER", "ownerId": sub_id},  # the owner must be an OWNER
        {"name": "Ghost", "type": "SUB_USER", "ownerId": "999999999"},  # no such account
        {"name": "Bad id", "type": "SUB_USER", "ownerId": "abc"},  # malformed: names no account either
        {"name": "Zero id", "type": "COLLABORATOR", "ownerId": "0"},
        {"name": "Owner with owner", "type": "OWNER", "ownerId": owner_id},  # an OWNER has none
    ]
    for input_ in cases:
        payload = data(await gql(client, CREATE_ACCOUNT_FULL, {"input": input_}, OPERATOR))["createAccount"]
        assert payload == refused, input_
    rows = await connections.get("default").execute_query_dict("SELECT count(*) AS n FROM account")
    assert rows[0]["n"] == 2


async def test_A1_account_name_empty_or_too_long_is_invalid_name(client):
    for name in ("", "   ", "x" * 201):
        payload = data(await gql(client, CREATE_ACCOUNT_FULL, {"input": {"name": name}}, OPERATOR))["createAccount"]
        assert payload == {"account": None, "token": None, "errors": [{"code": "INVALID_NAME", "field": "name"}]}
    payload = data(await gql(client, CREATE_ACCOUNT_FULL, {"input": {"name": "x" * 200}}, OPERATOR))["createAccount"]
    assert payload["errors"] == [] and payload["account"]["name"] == "x" * 200


# ---------------------------------------------------------------- H-1 roles and tokens


async def test_H1_create_account_returns_a_customer_token(client):
    account_id, token = await new_account(client)
    row = await ApiToken.get(token_hash=hashlib.sha256(token.encode()).hexdigest())
    assert (row.role, row.account_id, row.scopes) == ("CUSTOMER", int(account_id), [])
    # a customer is not an operator
    result = await gql(client, CREATE_ACCOUNT, {"input": {"name": "Other"}}, token)
    assert error_codes(result) == ["FORBIDDEN"]
    assert _only_error(result)["path"] == ["createAccount"]
    result = await gql(client, ISSUE_TOKEN, {"role": "OPERATOR"}, token)
    assert error_codes(result) == ["FORBIDDEN"]


async def test_H1_issue_partner_token_with_scopes(client):
    account_id, _ = await new_account(client)
    result = data(
        await gql(
            client,
            ISSUE_TOKEN,
            {"role": "PARTNER", "accountId": account_id, "scopes": ["orders:read", "account:read", "orders:read"]},
            OPERATOR,
        )
    )["issueToken"]
    assert result["errors"] == []
    row = await ApiToken.get(token_hash=hashlib.sha256(result["token"].encode()).hexdigest())
    assert (row.role, row.account_id, row.scopes) == ("PARTNER", int(account_id), ["account:read", "orders:read"])


async def test_H1_partner_without_account_read_is_forbidden_on_me(client):
    account_id, _ = await new_account(client)
    token = await issue_token(client, "PARTNER", account_id, ["orders:read", "packages:write"])
    result = await gql(client, ME, token=token)
    error = _only_error(result)
    assert error["extensions"] == {"code": "FORBIDDEN"}
    assert error["path"] == ["me"]
    # applications / application need account:read too
    assert error_codes(await gql(client, APPLICATIONS, token=token)) == ["FORBIDDEN"]
    # a partner with no scopes at all
    bare = await issue_token(client, "PARTNER", account_id, [])
    assert error_codes(await gql(client, ME, token=bare)) == ["FORBIDDEN"]


async def test_H1_partner_with_account_read_reads_me(client):
    account_id, customer_token = await new_account(client, name="Partnered")
    token = await issue_token(client, "PARTNER", account_id, ["account:read"])
    me = data(await gql(client, ME, token=token))["me"]
    assert me == data(await gql(client, ME, token=customer_token))["me"]
    assert (me["id"], me["name"]) == (account_id, "Partnered")


async def test_H1_partner_create_application_needs_packages_write(client):
    account_id, _ = await new_account(client)
    reader = await issue_token(client, "PARTNER", account_id, ["account:read"])
    assert error_codes(await gql(client, CREATE_APP, {"name": "App"}, reader)) == ["FORBIDDEN"]
    writer = await issue_token(client, "PARTNER", account_id, ["account:read", "packages:write"])
    app = await new_app(client, writer, "Partner app")
    assert [a["sdkAppId"] for a in data(await gql(client, APPLICATIONS, token=writer))["applications"]] == [app]


async def test_H1_partner_scope_unknown_is_invalid_scope(client):
    account_id, _ = await new_account(client)
    result = data(
        await gql(
            client,
            ISSUE_TOKEN,
            {"role": "PARTNER", "accountId": account_id, "scopes": ["account:read", "account:write"]},
            OPERATOR,
        )
    )["issueToken"]
    assert result == {"token": None, "errors": [{"code": "INVALID_SCOPE", "field": "scopes"}]}
    # scopes belong to PARTNER tokens only
    result = data(
        await gql(
            client, ISSUE_TOKEN, {"role": "CUSTOMER", "accountId": account_id, "scopes": ["account:read"]}, OPERATOR
        )
    )["issueToken"]
    assert result == {"token": None, "errors": [{"code": "INVALID_SCOPE", "field": "scopes"}]}
    assert await ApiToken.filter(role="PARTNER").count() == 0


async def test_H1_partner_token_needs_an_existing_account(client):
    for account_id in (None, "999999999", "not-an-id"):
        result = data(
            await gql(
                client, ISSUE_TOKEN, {"role": "PARTNER", "accountId": account_id, "scopes": ["account:read"]}, OPERATOR
            )
        )["issueToken"]
        assert result == {"token": None, "errors": [{"code": "NOT_FOUND", "field": "accountId"}]}, account_id


async def test_H1_service_token_calling_me_is_forbidden(client):
    token = await issue_token(client, "SERVICE")
    result = await gql(client, ME, token=token)
    assert _only_error(result)["extensions"] == {"code": "FORBIDDEN"}
    assert error_codes(await gql(client, APPLICATIONS, token=token)) == ["FORBIDDEN"]
    assert error_codes(await gql(client, CREATE_APP, {"name": "App"}, token)) == ["FORBIDDEN"]
    # a SERVICE token belongs to no account
    account_id, _ = await new_account(client)
    result = data(await gql(client, ISSUE_TOKEN, {"role": "SERVICE", "accountId": account_id}, OPERATOR))
    assert result["issueToken"] == {"token": None, "errors": [{"code": "INVALID_ROLE", "field": "accountId"}]}


async def test_H1_unknown_or_missing_token_is_unauthenticated(client):
    for token in ("garbage", "rk_customer_" + "A" * 43, OPERATOR + "x"):
        result = await gql(client, ME, token=token)
        assert _only_error(result)["extensions"] == {"code": "UNAUTHENTICATED"}, token
    result = (await client.post("/graphql", json={"query": ME})).json()
    assert _only_error(result)["extensions"] == {"code": "UNAUTHENTICATED"}
    # a scheme other than Bearer is no token at all
    _, token = await new_account(client)
    result = (await client.post("/graphql", json={"query": ME}, headers={"Authorization": f"Basic {token}"})).json()
    assert _only_error(result)["extensions"] == {"code": "UNAUTHENTICATED"}
    # operator mutations without a token
    result = await gql(client, CREATE_ACCOUNT, {"input": {"name": "Anon"}})
    assert error_codes(result) == ["UNAUTHENTICATED"]


async def test_H1_operator_env_token_works_as_operator(client):
    account_id, token = await new_account(client)  # createAccount with tests.conftest.OPERATOR
    issued = await issue_token(client, "OPERATOR")
    # an issued OPERATOR token is an operator as well
    payload = data(await gql(client, SET_REAL_NAME, {"id": account_id, "v": False}, issued))["setRealNameVerified"]
    assert payload == {"account": {"id": account_id, "realNameVerified": False}, "errors": []}
    # operators have no account of their own
    result = await gql(client, ME, token=OPERATOR)
    assert _only_error(result)["extensions"] == {"code": "FORBIDDEN"}
    # the env token is never written to the database
    assert await ApiToken.filter(token_hash=hashlib.sha256(OPERATOR.encode()).hexdigest()).count() == 0


async def test_H1_tokens_are_stored_only_as_hashes(client):
    owner_id, owner_token = await new_account(client)
    _, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    tokens = [
        owner_token,
        sub_token,
        await issue_token(client, "PARTNER", owner_id, ["account:read"]),
        await issue_token(client, "SERVICE"),
        await issue_token(client, "OPERATOR"),
    ]
    assert len(set(tokens)) == 5
    rows = await connections.get("default").execute_query_dict("SELECT * FROM api_token ORDER BY id")
    assert len(rows) == 5
    dumped = repr(rows)
    for token in tokens:
        assert token not in dumped
    assert sorted(r["token_hash"] for r in rows) == sorted(hashlib.sha256(t.encode()).hexdigest() for t in tokens)
    # and no other table holds them either (events, accounts, …)
    tables = await connections.get("default").execute_query_dict(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    )
    for table in (t["tablename"] for t in tables):
        content = repr(await connections.get("default").execute_query_dict(f'SELECT * FROM "{table}"'))
        for token in tokens:
            assert token not in content, table


# ---------------------------------------------------------------- P-1 applications


async def test_P1_sdkappids_start_at_1400000000_and_increase(client):
    _, token = await new_account(client)
    ids = [await new_app(client, token, f"App {i}") for i in range(3)]
    assert all(i >= 1400000000 for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == 3


async def test_P1_concurrent_create_application_gives_distinct_ids(client):
    _, token = await new_account(client)
    results = await asyncio.gather(*(gql(client, CREATE_APP, {"name": f"App {i}"}, token) for i in range(30)))
    payloads = [data(r)["createApplication"] for r in results]
    assert all(p["errors"] == [] for p in payloads), payloads
    ids = [p["application"]["sdkAppId"] for p in payloads]
    assert len(set(ids)) == 30
    assert min(ids) >= 1400000000
    listed = data(await gql(client, APPLICATIONS, token=token))["applications"]
    assert [a["sdkAppId"] for a in listed] == sorted(ids)
    assert sorted(a["name"] for a in listed) == sorted(f"App {i}" for i in range(30))


async def test_P1_application_name_empty_or_too_long_is_invalid_name(client):
    _, token = await new_account(client)
    for name in ("", "   ", "x" * 201, "名" * 201):
        payload = data(await gql(client, CREATE_APP, {"name": name}, token))["createApplication"]
        assert payload["application"] is None
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID_NAME", "name")], name
    assert data(await gql(client, APPLICATIONS, token=token))["applications"] == []
    payload = data(await gql(client, CREATE_APP, {"name": "名" * 200}, token))["createApplication"]
    assert payload["errors"] == [] and payload["application"]["name"] == "名" * 200


async def test_P1_applications_lists_only_the_callers_apps(client):
    _, token_a = await new_account(client, name="A")
    _, token_b = await new_account(client, name="B")
    a1 = await new_app(client, token_a, "A one")
    b1 = await new_app(client, token_b, "B one")
    a2 = await new_app(client, token_a, "A two")
    listed_a = data(await gql(client, APPLICATIONS, token=token_a))["applications"]
    listed_b = data(await gql(client, APPLICATIONS, token=token_b))["applications"]
    assert [(a["sdkAppId"], a["name"]) for a in listed_a] == [(a1, "A one"), (a2, "A two")]
    assert [(a["sdkAppId"], a["name"]) for a in listed_b] == [(b1, "B one")]
    _, token_c = await new_account(client, name="C")
    assert data(await gql(client, APPLICATIONS, token=token_c))["applications"] == []


async def test_P1_P2_new_application_is_active_without_package(client):
    _, token = await new_account(client)
    payload = data(await gql(client, CREATE_APP, {"name": "  Fresh app "}, token))["createApplication"]
    assert payload["errors"] == []
    sdk_app_id = payload["application"]["sdkAppId"]
    assert payload["application"] == {
        "sdkAppId": sdk_app_id,
        "name": "Fresh app",
        "status": "ACTIVE",
        "trialsUsed": 0,
        "package": None,
    }
    app = data(await gql(client, APPLICATION, {"id": sdk_app_id}, token))["application"]
    assert app == {"sdkAppId": sdk_app_id, "name": "Fresh app", "status": "ACTIVE", "trialsUsed": 0, "package": None}


# ---------------------------------------------------------------- H-2 isolation


async def test_H2_other_accounts_app_answers_exactly_like_a_missing_one(client):
    _, token_a = await new_account(client, name="A")
    _, token_b = await new_account(client, name="B")
    app_b = await new_app(client, token_b, "B app")
    missing = app_b + 1000

    def answer(result: dict) -> dict:  # extensions.cost (H-4) tells the bucket, not the app
        return {k: v for k, v in result.items() if k != "extensions"}

    other = answer(await gql(client, APPLICATION, {"id": app_b}, token_a))
    absent = answer(await gql(client, APPLICATION, {"id": missing}, token_a))
    assert other == absent == {"data": {"application": None}}
    # the same through a sub-user of A and a partner of A
    owner_a = data(await gql(client, "{ me { id } }", token=token_a))["me"]["id"]
    _, sub_a = await new_account(client, name="Sub A", type="SUB_USER", owner_id=owner_a)
    partner_a = await issue_token(client, "PARTNER", owner_a, ["account:read"])
    for token in (sub_a, partner_a):
        assert (
            answer(await gql(client, APPLICATION, {"id": app_b}, token))
            == answer(await gql(client, APPLICATION, {"id": missing}, token))
            == {"data": {"application": None}}
        )
    # the owner still sees it
    assert data(await gql(client, APPLICATION, {"id": app_b}, token_b))["application"]["name"] == "B app"


async def test_H2_other_accounts_apps_never_listed(client):
    _, token_a = await new_account(client, name="A")
    _, token_b = await new_account(client, name="B")
    await new_app(client, token_b, "B app")
    assert data(await gql(client, APPLICATIONS, token=token_a))["applications"] == []


# ---------------------------------------------------------------- A-2 real-name verification


async def test_A2_operator_set_real_name_verified_flips_me(client):
    account_id, token = await new_account(client, verified=False)
    assert data(await gql(client, "{ me { realNameVerified } }", token=token))["me"] == {"realNameVerified": False}
    payload = data(await gql(client, SET_REAL_NAME, {"id": account_id, "v": True}, OPERATOR))["setRealNameVerified"]
    assert payload == {"account": {"id": account_id, "realNameVerified": True}, "errors": []}
    assert data(await gql(client, "{ me { realNameVerified } }", token=token))["me"] == {"realNameVerified": True}
    payload = data(await gql(client, SET_REAL_NAME, {"id": account_id, "v": False}, OPERATOR))["setRealNameVerified"]
    assert payload == {"account": {"id": account_id, "realNameVerified": False}, "errors": []}
    assert data(await gql(client, "{ me { realNameVerified } }", token=token))["me"] == {"realNameVerified": False}


async def test_A2_sub_user_sees_the_owners_real_name_status(client):
    owner_id, _ = await new_account(client, verified=False)
    _, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    assert data(await gql(client, "{ me { realNameVerified } }", token=sub_token))["me"] == {"realNameVerified": False}
    await gql(client, SET_REAL_NAME, {"id": owner_id, "v": True}, OPERATOR)
    assert data(await gql(client, "{ me { realNameVerified } }", token=sub_token))["me"] == {"realNameVerified": True}


async def test_A2_set_real_name_verified_is_for_operators_on_existing_accounts(client):
    account_id, token = await new_account(client, verified=False)
    assert error_codes(await gql(client, SET_REAL_NAME, {"id": account_id, "v": True}, token)) == ["FORBIDDEN"]
    assert error_codes(await gql(client, SET_REAL_NAME, {"id": account_id, "v": True})) == ["UNAUTHENTICATED"]
    assert data(await gql(client, "{ me { realNameVerified } }", token=token))["me"] == {"realNameVerified": False}
    for missing in ("999999999", "abc", "0"):
        payload = data(await gql(client, SET_REAL_NAME, {"id": missing, "v": True}, OPERATOR))["setRealNameVerified"]
        assert payload == {"account": None, "errors": [{"code": "NOT_FOUND", "field": "accountId"}]}, missing


# ---------------------------------------------------------------- A-4 balance basics


async def test_A4_new_account_has_zero_balance_and_no_vouchers(client):
    _, token = await new_account(client)
    me = data(await gql(client, ME_BALANCE, token=token))["me"]
    zero = {"amount": "0.00", "currency": "CNY"}
    assert me == {"balance": {"cash": zero, "income": zero, "gift": zero, "available": zero}, "vouchers": []}
