"""H-4 query cost: the cost rules on documents, extensions.cost, RATE_LIMITED with retryAfter,
QUERY_TOO_COSTLY, who is metered; and the bucket shared by two real API processes."""

import asyncio
import time

import httpx
import pytest
from graphql import parse

from app.domain.orders.models import Order
from app.settings import get_settings
from graphql_schema.cost import query_cost
from graphql_schema.schema import schema
from tests.conftest import OPERATOR
from tests.factories import issue_token, new_account, new_app
from tests.money import credit, key
from tests.servers import api_servers

ORDERS_20 = "{ orders { edges { node { id amount { amount } } } } }"  # 1 + 20 × 3 = 61 (the default first)
ORDERS_5 = "{ orders(first: 5) { edges { node { id amount { amount } } } } }"  # 1 + 5 × 3 = 16
# 1 + 100 × (edges, node, amount, paid, voucher, gift, income, cash, lines, lines.amount) = 1001
ORDERS_TOO_COSTLY = """{ orders(first: 100) { edges { node { id amount { amount }
  paid { voucher { amount } gift { amount } income { amount } cash { amount } }
  lines { description amount { amount } } } } } }"""


def cost(document: str, variables: dict | None = None, operation: str | None = None) -> int:
    return query_cost(schema._schema, parse(document), operation, variables)


@pytest.mark.parametrize(
    ("document", "variables", "expected"),
    [
        ("{ __typename }", None, 0),  # scalars cost 0
        ("{ now }", None, 0),
        ("{ me { id name } }", None, 1),  # one object-typed field
        ("{ me { id balance { cash { amount } available { amount } } } }", None, 4),
        ("{ applications { sdkAppId package { id } } }", None, 2),  # a list without `first` counts 1
        # the connection's default `first` (20) when not given: 1 + 20 × (edges, node, amount)
        ("{ orders { edges { node { id amount { amount } } } } }", None, 61),
        ("{ orders(first: 5) { edges { node { id } } pageInfo { hasNextPage } } }", None, 16),
        ("query($n: Int) { orders(first: $n) { edges { node { id } } } }", {"n": 3}, 7),
        ("query($n: Int = 7) { orders(first: $n) { edges { node { id } } } }", None, 15),
        ("query($n: Int) { orders(first: $n) { edges { node { id } } } }", None, 41),  # unset: the default
        ("{ ...F } fragment F on Query { me { id } }", None, 1),
        ("{ me { ... on Account { balance { cash { amount } } } } }", None, 3),
        ("{ a: me { id } b: me { id } }", None, 2),
        (ORDERS_TOO_COSTLY, None, 1001),
    ],
)
def test_H4_cost_of_a_document(document, variables, expected):
    assert cost(document, variables) == expected


def test_H4_cost_of_the_named_operation_only():
    document = "query A { me { id } } query B { orders(first: 2) { edges { node { id } } } }"
    assert (cost(document, operation="A"), cost(document, operation="B")) == (1, 5)


async def post(client, query: str, token: str | None, variables: dict | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def small_bucket(monkeypatch, bucket: int, rate: float) -> None:
    monkeypatch.setenv("RATE_LIMIT_BUCKET", str(bucket))
    monkeypatch.setenv("RATE_LIMIT_RESTORE_RATE", str(rate))
    get_settings.cache_clear()


async def test_H4_extensions_cost_in_a_customer_answer(client):
    _, token = await new_account(client)
    result = await post(client, "{ me { id } }", token)
    assert "errors" not in result
    assert result["extensions"]["cost"] == {
        "requestedQueryCost": 1,
        "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 999, "restoreRate": 100},
    }


async def test_H4_partner_answers_are_metered(client):
    account_id, _ = await new_account(client)
    partner = await issue_token(client, "PARTNER", account_id, ["account:read", "orders:read"])
    result = await post(client, ORDERS_5, partner)
    assert "errors" not in result
    assert result["extensions"]["cost"]["requestedQueryCost"] == 16
    assert result["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 984


async def test_H4_service_operator_and_anonymous_are_not_metered(client):
    service = await issue_token(client, "SERVICE")
    for query, token in [
        ("{ editions { code } }", None),
        ("{ featureMatrix { __typename } }", None),
        ("{ editions { code } }", service),
        ("{ now }", OPERATOR),
    ]:
        result = await post(client, query, token)
        assert "cost" not in (result.get("extensions") or {}), (query, result)


async def test_H4_query_costing_more_than_the_whole_bucket_is_QUERY_TOO_COSTLY(client):
    _, token = await new_account(client)
    result = await post(client, ORDERS_TOO_COSTLY, token)
    assert result["data"] is None
    [error] = result["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    # nothing was taken from the bucket
    assert result["extensions"]["cost"] == {
        "requestedQueryCost": 1001,
        "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 1000, "restoreRate": 100},
    }


async def test_H4_a_refused_mutation_runs_no_resolver(client, monkeypatch):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    small_bucket(monkeypatch, 5, 1)
    purchase = """mutation($i: PurchaseInput!) { purchasePackage(input: $i) {
      order { id amount { amount } } errors { code } } }"""  # purchasePackage 1 + order 1 + amount 1 + errors 1
    variables = {
        "i": {"sdkAppId": app, "edition": "BASIC", "months": 1, "acceptAgreements": True, "idempotencyKey": key()}
    }
    result = await post(client, purchase, token, variables)
    assert result["extensions"]["cost"]["requestedQueryCost"] == 4
    assert "errors" not in result  # 4 ≤ 5: it runs
    assert await Order.filter(account_id=int(account_id)).count() == 1
    variables["i"]["idempotencyKey"] = key()
    result = await post(client, purchase, token, variables)  # 1 point left, 4 asked
    assert result["data"] is None
    assert [e["extensions"]["code"] for e in result["errors"]] == ["RATE_LIMITED"]
    assert await Order.filter(account_id=int(account_id)).count() == 1  # refused before any resolver


async def test_H4_rate_limited_with_retry_after_then_the_retry_succeeds(client, monkeypatch):
    _, token = await new_account(client)
    small_bucket(monkeypatch, 50, 10)
    for _ in range(10):  # 16 points a query, 50 in the bucket: the fourth cannot fit
        result = await post(client, ORDERS_5, token)
        if "errors" in result:
            break
    [error] = result["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    status = result["extensions"]["cost"]["throttleStatus"]
    assert status["maximumAvailable"] == 50 and status["restoreRate"] == 10
    retry_after = error["extensions"]["retryAfter"]
    assert 0 < retry_after <= 1.6  # (16 − what is left) / 10 per second
    assert retry_after == pytest.approx((16 - status["currentlyAvailable"]) / 10, abs=0.11)
    await asyncio.sleep(retry_after)
    again = await post(client, ORDERS_5, token)
    assert "errors" not in again, again
    assert again["extensions"]["cost"]["requestedQueryCost"] == 16


def test_H4_partner_limited_across_two_api_processes_while_a_second_token_and_service_are_not(tmp_path):
    """The bucket lives in Redis: spending on one process counts on the other."""
    with api_servers(2, tmp_path, {"RATE_LIMIT_BUCKET": "150", "RATE_LIMIT_RESTORE_RATE": "10"}) as servers:
        (a, _), (b, _) = servers

        def call(base: str, query: str, token: str, variables: dict | None = None) -> dict:
            response = httpx.post(
                f"{base}/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert response.status_code == 200, response.text
            return response.json()

        create = """mutation($input: CreateAccountInput!) { createAccount(input: $input) { account { id } } }"""
        account_id = call(
            a,
            create,
            OPERATOR,
            {"input": {"name": "Partnered", "type": "OWNER", "ownerId": None, "realNameVerified": True}},
        )["data"]["createAccount"]["account"]["id"]
        issue = (
            "mutation($r: Role!, $a: ID, $s: [String!]) { issueToken(role: $r, accountId: $a, scopes: $s) { token } }"
        )
        scopes = ["account:read", "orders:read"]
        first, second = (
            call(a, issue, OPERATOR, {"r": "PARTNER", "a": account_id, "s": scopes})["data"]["issueToken"]["token"]
            for _ in range(2)
        )
        service = call(a, issue, OPERATOR, {"r": "SERVICE", "a": None, "s": None})["data"]["issueToken"]["token"]

        answers = [call(base, ORDERS_20, first) for base in (a, b, a)]  # 61 each: 150 → 89 → 28 → refused
        assert [("errors" in r) for r in answers] == [False, False, True]
        refused = answers[2]
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert refused["extensions"]["cost"]["throttleStatus"]["maximumAvailable"] == 150

        other = call(b, ORDERS_20, second)  # another token: its own full bucket
        assert "errors" not in other
        assert other["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 89
        free = call(a, "{ editions { code } }", service)
        assert "errors" not in free and "cost" not in (free.get("extensions") or {})

        time.sleep(refused["errors"][0]["extensions"]["retryAfter"])
        retried = call(b, ORDERS_20, first)
        assert "errors" not in retried, retried
