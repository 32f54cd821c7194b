"""H-3 abuse limits and error masking, and the H-1 basics of access, through the API."""

from graphql_schema.schema import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS
from tests.conftest import OPERATOR
from tests.factories import issue_token, new_account
from tests.gql import data, error_codes, gql

NOW = "{ now }"


def deep_query(depth: int) -> str:
    """A query whose deepest field sits `depth` levels below the root (a root leaf is depth 0).

    The contract has no cycle (nothing leads back to a type above it), and the depth limiter skips
    introspection fields, so no valid query gets past depth 4: below `editions { features { feature }}`
    the fields are unknown ones. The depth rule runs beside the other validation rules, so the query
    then gets "Cannot query field" either way, and the depth error on top of it only beyond the limit.
    """
    fields = ["editions", "features", "feature"] + [f"deeper{i}" for i in range(3, depth + 1)]
    fields = fields[: depth + 1]
    query = fields[-1]
    for name in reversed(fields[:-1]):
        query = f"{name} {{ {query} }}"
    return f"query Deep {{ {query} }}"


def messages(result: dict) -> list[str]:
    return [e["message"] for e in result.get("errors", [])]


async def assert_still_serving(client):
    assert "now" in data(await gql(client, NOW))


async def test_H3_depth_limit_refuses_depth_11_with_a_clear_message(client):
    assert MAX_DEPTH == 10
    result = await gql(client, deep_query(11))
    assert result.get("data") is None
    assert "'Deep' exceeds maximum operation depth of 10" in messages(result), messages(result)
    await assert_still_serving(client)


async def test_H3_depth_limit_allows_depth_10(client):
    result = await gql(client, deep_query(10))
    assert not [m for m in messages(result) if "depth" in m], messages(result)
    # only the unknown field below the real ones is refused
    assert messages(result) == ["Cannot query field 'deeper3' on type 'Feature'."]


async def test_H3_deepest_real_query_is_served(client):
    result = data(await gql(client, "{ featureMatrix { rows { values { feature { code } } } } }"))
    assert result["featureMatrix"]["rows"]


def aliased(count: int) -> str:
    return "{ " + " ".join(f"a{i}: now" for i in range(count)) + " }"


async def test_H3_alias_limit_allows_15(client):
    assert MAX_ALIASES == 15
    assert len(data(await gql(client, aliased(15)))) == 15


async def test_H3_alias_limit_refuses_16_with_a_clear_message(client):
    result = await gql(client, aliased(16))
    assert result.get("data") is None
    assert messages(result) == ["16 aliases found. Allowed: 15"]
    await assert_still_serving(client)


def tokens(count: int) -> str:
    """A valid document of exactly `count` tokens: operations `query Q<i> { now }` of 5 tokens each.

    Separate operations, because graphql-core aborts validating ~2,000 copies of one field in one
    selection set ("Validation aborted.", its overlapping-fields budget) before the limit is reached.
    """
    operations = [["query", f"Q{i}", "{", "now", "}"] for i in range(count // 5)]
    operations[0][3:3] = ["now"] * (count % 5)
    return "\n".join(" ".join(op) for op in operations)


async def post(client, query: str, operation_name: str | None = None) -> dict:
    response = await client.post("/graphql", json={"query": query, "operationName": operation_name})
    assert response.status_code in (200, 400), response.text
    return response.json()


async def test_H3_token_limit_allows_2000(client):
    assert MAX_TOKENS == 2000
    result = await post(client, tokens(2000), "Q399")
    assert "errors" not in result, result["errors"]
    assert "now" in result["data"]


async def test_H3_token_limit_refuses_more_than_2000_with_a_clear_message(client):
    result = await post(client, tokens(2001), "Q399")
    assert result.get("data") is None
    assert len(result["errors"]) == 1
    assert result["errors"][0]["message"].startswith(
        "Syntax Error: Document contains more than 2000 tokens. Parsing aborted."
    )
    await assert_still_serving(client)


async def test_H3_server_keeps_serving_after_a_burst_of_violations(client):
    for query in [deep_query(30), aliased(200), tokens(5000), "{ now ", "{ nope }"] * 3:
        assert (await gql(client, query)).get("errors")
    assert data(await gql(client, "{ editions { code } }"))["editions"]
    await assert_still_serving(client)


async def test_H3_unexpected_exception_is_masked(client, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("connection string postgres://secret@db")

    monkeypatch.setattr("app.domain.catalog.service.editions", broken)
    response = await client.post("/graphql", json={"query": "{ editions { code } }"})
    body = response.json()
    assert [e["message"] for e in body["errors"]] == ["Internal error."]
    assert "secret" not in response.text and "RuntimeError" not in response.text
    monkeypatch.undo()
    await assert_still_serving(client)


async def test_H3_validation_errors_keep_their_messages(client):
    result = await gql(client, "{ nope }")
    assert len(result["errors"]) == 1
    assert result["errors"][0]["message"].startswith("Cannot query field 'nope' on type 'Query'.")
    result = await gql(client, "{ edition(code: GOLD) { code } }")
    assert len(result["errors"]) == 1 and "GOLD" in result["errors"][0]["message"]
    assert "Internal error." not in messages(result)


async def test_H3_syntax_errors_keep_their_messages(client):
    result = await gql(client, "{ now ")
    assert len(result["errors"]) == 1 and result["errors"][0]["message"].startswith("Syntax Error")


async def test_H1_me_without_token_is_unauthenticated(client):
    result = await gql(client, "{ me { id } }")
    assert error_codes(result) == ["UNAUTHENTICATED"]
    assert "Authorization" in result["errors"][0]["message"]  # an ApiError keeps its message


async def test_H1_unknown_token_counts_as_none(client):
    result = await gql(client, "{ me { id } }", token="no-such-token")
    assert error_codes(result) == ["UNAUTHENTICATED"]


async def test_H1_customer_cannot_create_accounts(client):
    _, token = await new_account(client)
    variables = {"input": {"name": "Intruder", "type": "OWNER"}}
    result = await gql(
        client,
        "mutation($input: CreateAccountInput!) { createAccount(input: $input) { token } }",
        variables,
        token,
    )
    assert error_codes(result) == ["FORBIDDEN"]


async def test_H1_customer_sees_its_own_account(client):
    account_id, token = await new_account(client, name="Mine")
    assert data(await gql(client, "{ me { id name } }", token=token))["me"] == {"id": account_id, "name": "Mine"}


async def test_H1_operator_token_creates_accounts(client):
    account_id, token = await new_account(client)
    assert account_id and token and token != OPERATOR


async def test_H1_partner_needs_the_account_read_scope_for_me(client):
    account_id, _ = await new_account(client)
    without = await issue_token(client, "PARTNER", account_id, ["orders:read"])
    assert error_codes(await gql(client, "{ me { id } }", token=without)) == ["FORBIDDEN"]
    with_scope = await issue_token(client, "PARTNER", account_id, ["account:read"])
    assert data(await gql(client, "{ me { id } }", token=with_scope))["me"]["id"] == account_id


async def test_H1_catalog_and_quote_need_no_token(client):
    result = data(
        await gql(
            client,
            """{
      editions { code }
      edition(code: BASIC) { code }
      featureMatrix { editions { code } }
      quote(edition: BASIC, months: 1) { total { amount } }
      now
    }""",
        )
    )
    assert [e["code"] for e in result["editions"]] == ["TRIAL", "BASIC", "ADVANCED", "LARGE_ROOM"]
    assert result["edition"] == {"code": "BASIC"}
    assert result["quote"]["total"]["amount"] == "1653.26"
