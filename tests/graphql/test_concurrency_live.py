"""B-6 / B-7 through a real socket: 50 clients buy at once from one account that can afford only
some of the purchases; exactly that many succeed and no balance goes negative."""

import asyncio

import httpx

from app.domain.accounts.models import Account
from tests.conftest import OPERATOR
from tests.live import server  # noqa: F401  (a fixture)
from tests.money import PURCHASE, assert_audit_clean

CREATE = """mutation { createAccount(input: {name: "Live buyer"}) { account { id } token } }"""
APP = "mutation($n: String!) { createApplication(name: $n) { application { sdkAppId } } }"
CREDIT = """mutation($a: ID!, $k: String!) { creditAccount(accountId: $a, amount: "12315.10", source: "cash",
  idempotencyKey: $k) { errors { code } } }"""


async def post(http, query, variables=None, token=None) -> dict:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"} if token else {},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def test_B6_fifty_concurrent_purchases_over_http_never_overdraw(server):  # noqa: F811
    limits = httpx.Limits(max_connections=60)
    async with httpx.AsyncClient(base_url=server, timeout=60, limits=limits) as http:
        created = (await post(http, CREATE, token=OPERATOR))["createAccount"]
        account_id, token = created["account"]["id"], created["token"]
        apps = [
            (await post(http, APP, {"n": f"app {i}"}, token))["createApplication"]["application"]["sdkAppId"]
            for i in range(51)
        ]
        # A first order makes the account a returning customer: every later first month is
        # ALL_CUSTOMERS, 73% of 3374.00 = 2463.02.
        await post(http, CREDIT, {"a": account_id, "k": "first"}, OPERATOR)
        first = await post(
            http,
            PURCHASE,
            {
                "input": {
                    "sdkAppId": apps[0],
                    "edition": "BASIC",
                    "months": 1,
                    "acceptAgreements": True,
                    "idempotencyKey": "p0",
                }
            },
            token,
        )
        assert first["purchasePackage"]["order"]["amount"]["amount"] == "1653.26"
        # 12315.10 − 1653.26 = 10661.84 = 4 × 2463.02 + 809.76: room for exactly four more.
        results = await asyncio.gather(
            *[
                post(
                    http,
                    PURCHASE,
                    {
                        "input": {
                            "sdkAppId": app,
                            "edition": "BASIC",
                            "months": 1,
                            "acceptAgreements": True,
                            "idempotencyKey": f"p{i}",
                        }
                    },
                    token,
                )
                for i, app in enumerate(apps[1:], start=1)
            ]
        )
    payloads = [r["purchasePackage"] for r in results]
    won = [p for p in payloads if not p["errors"]]
    assert len(won) == 4
    assert {p["order"]["amount"]["amount"] for p in won} == {"2463.02"}
    assert sorted({e["code"] for p in payloads for e in p["errors"]}) == ["INSUFFICIENT_BALANCE"]
    account = await Account.get(id=int(account_id))
    assert (account.cash_fen, account.income_fen, account.gift_fen) == (80976, 0, 0)
    await assert_audit_clean()
