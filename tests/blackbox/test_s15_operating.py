"""§15 operating it, black-box: metrics, readiness and query cost, from SPEC.md alone."""

import re

import pytest

from tests.factories import issue_token, new_account, new_app
from tests.gql import gql
from tests.money import credit, purchase

ME = "{ me { id status } }"
ORDERS = "{ orders(first: 100) { edges { node { id lines { description } } } } }"


def sample(text: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not match or match.group(1) != name:
            continue
        got = ",".join(sorted((match.group(2) or "{}")[1:-1].split(","))) if match.group(2) else ""
        if got == wanted:
            return float(match.group(3))
    return 0.0


async def test_O1_health_readiness_and_metric_names(client):
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/readyz")).status_code == 200
    text = (await client.get("/metrics")).text
    for name in (
        "roomkit_requests_total",
        "roomkit_request_duration_seconds",
        "roomkit_orders_total",
        "roomkit_order_amount_fen_total",
        "roomkit_auto_renew_attempts_total",
        "roomkit_timer_lateness_seconds",
        "roomkit_timers_due",
    ):
        assert f"# TYPE {name}" in text or f"# HELP {name}" in text, name


async def test_O1_a_purchase_moves_the_order_counters_by_exactly_its_amount(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    before = (await client.get("/metrics")).text
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    after = (await client.get("/metrics")).text
    labels = {"kind": "PURCHASE", "edition": "BASIC"}
    assert sample(after, "roomkit_orders_total", **labels) - sample(before, "roomkit_orders_total", **labels) == 1
    assert (
        sample(after, "roomkit_order_amount_fen_total", **labels)
        - sample(before, "roomkit_order_amount_fen_total", **labels)
    ) == 165326


async def test_H4_metered_answers_carry_their_cost_service_tokens_are_not_metered(client):
    _, token = await new_account(client)
    answer = await gql(client, ME, token=token)
    cost = answer["extensions"]["cost"]
    assert cost["requestedQueryCost"] >= 1
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 1000 and status["restoreRate"] == 100
    assert 0 <= status["currentlyAvailable"] <= 1000
    service = await issue_token(client, "SERVICE")
    assert "cost" not in (await gql(client, "{ now }", token=service)).get("extensions", {})


@pytest.fixture
def small_bucket(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_BUCKET", "50")
    monkeypatch.setenv("RATE_LIMIT_RESTORE_RATE", "1")
    from app.settings import get_settings

    get_settings.cache_clear()


async def test_H4_too_costly_and_rate_limited_with_retry_after(client, small_bucket):
    _, token = await new_account(client)
    _, other = await new_account(client, name="Other")
    too = await gql(client, ORDERS, token=token)  # ≥ 100 points (first: 100) against a bucket of 50
    assert too["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    codes = []
    for _ in range(60):
        result = await gql(client, ME, token=token)
        if "errors" in result:
            codes.append(result["errors"][0]["extensions"]["code"])
            assert result["errors"][0]["extensions"]["retryAfter"] > 0
            break
    assert codes == ["RATE_LIMITED"]
    assert "errors" not in await gql(client, ME, token=other)  # another token has its own bucket
