"""`python -m app demo`: a sandbox account to try the console with (UI-1).

Funded (10,000.00 cash), real-name verified, two applications, a BASIC package on the first one and
a 100.00 voucher; prints the token and a sign-in link. It goes through the GraphQL schema in-process,
the same door the console uses, so the demo is exactly what a customer could have done.
"""

import uuid
from datetime import timedelta

from app import clock, db
from app.domain.accounts import service as accounts
from app.domain.accounts.caller import Caller

# The demo is set up as an operator would, through the same schema.
SYSTEM = Caller(role="OPERATOR")


async def _call(query: str, variables: dict, caller) -> dict:
    from graphql_schema.context import Context
    from graphql_schema.schema import schema

    result = await schema.execute(
        query, variable_values=variables, context_value=Context(connection=None, caller=caller)
    )
    if result.errors:
        raise RuntimeError(f"demo: {result.errors[0].message}")
    if result.data is None:
        raise RuntimeError("demo: no data")
    payload = next(iter(result.data.values()))
    if isinstance(payload, dict) and payload.get("errors"):
        raise RuntimeError(f"demo: {payload['errors'][0]['code']}: {payload['errors'][0]['message']}")
    return payload


async def create_demo(database_url: str | None = None, name: str = "Demo 演示账号") -> dict:
    await db.init_db(database_url, pool_size=2)
    try:
        created = await _call(
            "mutation($n: String!) { createAccount(input: {name: $n}) { account { id } token "
            "errors { code message } } }",
            {"n": name},
            SYSTEM,
        )
        account_id, token = created["account"]["id"], created["token"]
        await _call(
            'mutation($a: ID!, $k: String!) { creditAccount(accountId: $a, amount: "10000.00", '
            'source: "cash", idempotencyKey: $k) { errors { code message } } }',
            {"a": account_id, "k": f"demo-{uuid.uuid4().hex[:16]}"},
            SYSTEM,
        )
        expires = (await clock.now() + timedelta(days=90)).isoformat()
        await _call(
            'mutation($a: ID!, $e: DateTime!) { grantVoucher(accountId: $a, amount: "100.00", '
            "expiresAt: $e) { errors { code message } } }",
            {"a": account_id, "e": expires},
            SYSTEM,
        )
        customer = await accounts.authenticate(token, None)
        apps = []
        for app_name in ("demo-live", "demo-staging"):
            made = await _call(
                "mutation($n: String!) { createApplication(name: $n) { application { sdkAppId } "
                "errors { code message } } }",
                {"n": app_name},
                customer,
            )
            apps.append(made["application"]["sdkAppId"])
        await _call(
            "mutation($i: PurchaseInput!) { purchasePackage(input: $i) { order { id } errors { code message } } }",
            {
                "i": {
                    "sdkAppId": apps[0],
                    "edition": "BASIC",
                    "months": 1,
                    "acceptAgreements": True,
                    "idempotencyKey": f"demo-{uuid.uuid4().hex[:16]}",
                }
            },
            customer,
        )
        return {"account_id": account_id, "token": token, "apps": apps}
    finally:
        await db.close_db()


def print_demo(demo: dict, port: int) -> None:
    print(f"Demo account {demo['account_id']} with apps {demo['apps'][0]} (BASIC, 1 month) and {demo['apps'][1]}.")
    print(f"Token (sandbox): {demo['token']}")
    print(f"Sign in: http://127.0.0.1:{port}/console/signin#token={demo['token']}")
