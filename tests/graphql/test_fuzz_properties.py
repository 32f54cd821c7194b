"""H-3, property-based: for every Query and Mutation field of schema.graphql, arguments drawn from
hostile strategies (tests/schema_values.py), passed as variables or inline, with an operator,
customer, partner, service or no token. Whatever comes back:

- never a 5xx, never "Internal error." (every failure is typed);
- when the answer is an error (top-level `errors`, or a payload's `errors` with nothing accepted),
  the database is exactly as before (a fingerprint of every table).

Bounded in `make test` (profile `roomkit-test`); `make fuzz` runs the long profile `roomkit-fuzz`
(ROOMKIT_FUZZ_PROFILE=roomkit-fuzz). A failure prints the smallest request that shows it.
"""

import json
import os

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.strategies import DataObject

from tests.conftest import OPERATOR
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, gql
from tests.hostile import INTERNAL, fingerprint, payload_errors, post
from tests.schema_values import Operation, mostly_plain, operations

COMMON = {
    "deadline": None,
    "derandomize": False,
    "print_blob": True,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
}
settings.register_profile(
    "roomkit-test", max_examples=200, phases=[Phase.explicit, Phase.generate, Phase.shrink], **COMMON
)
settings.register_profile("roomkit-fuzz", max_examples=3000, **COMMON)
PROFILE = settings.get_profile(os.environ.get("ROOMKIT_FUZZ_PROFILE", "roomkit-test"))

QUERIES = [op for op in operations() if op.kind == "query"]
MUTATIONS = [op for op in operations() if op.kind == "mutation"]


async def world(client) -> dict:
    """Accounts, an app with a paid package, an order, a voucher: ids for the strategies to aim at."""
    account_id, token = await new_account(client, name="Fuzzed")
    other_id, other_token = await new_account(client, name="Bystander")
    app = await new_app(client, token)
    other_app = await new_app(client, other_token)
    await gql(
        client,
        'mutation($a: ID!) { creditAccount(accountId: $a, amount: "50000", source: "cash", '
        'idempotencyKey: "fuzz-seed") { errors { code } } }',
        {"a": account_id},
        OPERATOR,
    )
    voucher = data(
        await gql(
            client,
            'mutation($a: ID!) { grantVoucher(accountId: $a, amount: "10", '
            'expiresAt: "2027-12-31T00:00:00Z") { voucher { id } } }',
            {"a": account_id},
            OPERATOR,
        )
    )["grantVoucher"]["voucher"]["id"]
    order = data(
        await gql(
            client,
            "mutation($app: Int!) { purchasePackage(input: {sdkAppId: $app, edition: BASIC, "
            'months: 1, acceptAgreements: true, idempotencyKey: "fuzz-buy"}) '
            "{ order { id } errors { code } } }",
            {"app": app},
            token,
        )
    )
    order_id = order["purchasePackage"]["order"]["id"]
    partner = await issue_token(client, "PARTNER", account_id, ["account:read", "orders:read", "packages:write"])
    service = await issue_token(client, "SERVICE")
    return {
        "ids": [account_id, other_id, voucher, order_id, str(app), "0", "-1", "99999999999999999999"],
        "apps": [app, other_app],
        # weighted to the callers that get past the access checks to the input checks
        "tokens": [
            OPERATOR,
            OPERATOR,
            OPERATOR,
            token,
            token,
            token,
            other_token,
            partner,
            service,
            None,
            "not-a-token",
        ],
    }


def arguments(draw: DataObject, op: Operation, w: dict) -> dict:
    """Values for a subset of the field's arguments: required ones nearly always, optional ones
    half the time (omitting a required one is a validation error, also worth asking)."""
    ids = w["ids"]
    values = {}
    for name, arg in op.field.args.items():
        required = str(arg.type).endswith("!")
        if draw.draw(st.booleans() if not required else st.sampled_from([True] * 19 + [False]), label=f"has {name}"):
            strategy = mostly_plain(arg.type, ids, 0)
            if "sdkAppId" in name or name == "sdkAppIds":
                strategy = st.one_of(st.sampled_from(w["apps"]), strategy)
            values[name] = draw.draw(strategy, label=name)
    return values


async def check(client, op: Operation, draw: DataObject, w: dict) -> None:
    values = arguments(draw, op, w)
    token = draw.draw(st.sampled_from(w["tokens"]), label="token")
    inline = draw.draw(st.booleans(), label="inline")
    if inline:
        query, variables = op.inline(values), {}
    else:
        query, variables = op.document(set(values)), values
    before = await fingerprint()
    response = await post(client, query, variables, token)
    shown = (
        f"{query}\nvariables: {json.dumps(variables)[:2000]}\ntoken: {token}\n-> {response.status_code} "
        f"{response.text[:2000]}"
    )
    assert response.status_code < 500, shown
    assert INTERNAL not in response.text, shown
    body = response.json()
    assert "data" in body or "errors" in body, shown
    refused = bool(body.get("errors")) or bool(payload_errors(body))
    accepted = any(isinstance(v, dict) and (v.get("accepted") or 0) > 0 for v in (body.get("data") or {}).values())
    if refused and not accepted:  # recordUsage keeps the good events of a batch beside the bad ones (M-1)
        assert await fingerprint() == before, f"a refused request changed the database:\n{shown}"


async def fuzz(client, ops: list[Operation], draw: DataObject, w: dict) -> None:
    op = draw.draw(st.sampled_from(ops), label="operation")
    await check(client, op, draw, w)


@pytest.fixture
async def fuzz_world(client) -> dict:
    """Built once per test function: Hypothesis runs all its examples inside one call."""
    return await world(client)


@settings(PROFILE)
@given(draw=st.data())
async def test_H3_fuzz_mutations_never_answer_internal_error_and_refusals_change_nothing(client, fuzz_world, draw):
    await fuzz(client, MUTATIONS, draw, fuzz_world)


@settings(PROFILE)
@given(draw=st.data())
async def test_H3_fuzz_queries_never_answer_internal_error(client, fuzz_world, draw):
    await fuzz(client, QUERIES, draw, fuzz_world)
