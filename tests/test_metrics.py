"""O-1: /metrics in Prometheus text, the same totals whichever API process answers; counters
moved by exactly what was committed (never by a rolled-back change)."""

import json
from datetime import timedelta

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import clock, metrics
from app.domain import observe, tx
from app.domain.packages.models import Package
from app.domain.timers import package_sweep
from tests.conftest import START
from tests.factories import issue_token, new_account, new_app
from tests.money import advance, credit, events, of_type, purchase, record_usage, shanghai, usage_event
from tests.servers import api_servers

DAY_ONE_SETTLED = shanghai(2027, 1, 11, 1)  # M-3 settles 2027-01-10 at 01:00 the next day
AFTER_FIRST_EXPIRY = shanghai(2027, 2, 10, 1)  # a 1-month package bought at START has expired


def parse(text: str) -> dict:
    samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def scrape_sync(base: str) -> dict:
    response = httpx.get(f"{base}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def scrape(client) -> dict:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return parse(response.text)


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def moved(after: dict, before: dict, name: str, **labels) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def test_O1_counters_after_a_purchase_an_auto_renewal_failure_and_a_settlement_on_two_api_processes(tmp_path):
    with api_servers(2, tmp_path) as [(a, _), (b, _)]:
        before = scrape_sync(a)
        async with httpx.AsyncClient(base_url=a, timeout=30) as ca, httpx.AsyncClient(base_url=b, timeout=30) as cb:
            # An auto-renewing package paid with every fen the account has: its renewal must fail.
            short_id, short = await new_account(ca, name="Short")
            await credit(ca, short_id, "1653.26")
            short_app = await new_app(ca, short)
            bought = await purchase(ca, short, short_app, "BASIC", 1, auto_renew=True)
            assert bought["errors"] == [] and bought["order"]["amount"]["amount"] == "1653.26"
            # A purchase on the other process, and usage beyond the allowance settled at 01:00 (M-3).
            rich_id, rich = await new_account(cb, name="Rich")
            await credit(cb, rich_id, "10000.00")
            rich_app = await new_app(cb, rich)
            assert (await purchase(cb, rich, rich_app, "BASIC", 1))["order"]["amount"]["amount"] == "1653.26"
            service = await issue_token(ca, "SERVICE")
            await record_usage(ca, service, [usage_event(rich_app, 20_000, "VIDEO_4K")])  # 340,000 billable
            await advance(cb, DAY_ONE_SETTLED)
            await advance(ca, AFTER_FIRST_EXPIRY)
            [failed] = of_type(await events(ca, short), "AUTO_RENEW_FAILED")
            assert json.loads(failed["data"]) == {"reason": "INSUFFICIENT_BALANCE"}
            for client in (ca, ca, cb):
                response = await client.post("/graphql", json={"query": "query MetricsProbe { now }"})
                assert response.status_code == 200
        after_a, after_b = scrape_sync(a), scrape_sync(b)

    ours = {k: v for k, v in after_a.items() if k[0].startswith("roomkit_")}
    assert ours == {k: v for k, v in after_b.items() if k[0].startswith("roomkit_")}  # whichever process answers
    assert moved(after_a, before, "roomkit_orders_total", kind="PURCHASE", edition="BASIC") == 2
    assert moved(after_a, before, "roomkit_order_amount_fen_total", kind="PURCHASE", edition="BASIC") == 330652
    assert moved(after_a, before, "roomkit_orders_total", kind="POSTPAID", edition="none") == 1
    assert moved(after_a, before, "roomkit_order_amount_fen_total", kind="POSTPAID", edition="none") == 238000
    assert moved(after_a, before, "roomkit_orders_total", kind="AUTO_RENEWAL", edition="BASIC") == 0
    assert (
        moved(after_a, before, "roomkit_auto_renew_attempts_total", outcome="failure", reason="INSUFFICIENT_BALANCE")
        == 1
    )
    assert moved(after_a, before, "roomkit_auto_renew_attempts_total", outcome="success", reason="none") == 0
    assert moved(after_a, before, "roomkit_requests_total", operation="MetricsProbe", outcome="ok") == 3
    assert moved(after_a, before, "roomkit_request_duration_seconds_count") >= 3
    # advanceClock runs each timer at its due instant: many transitions, each exactly on time
    assert moved(after_a, before, "roomkit_timer_lateness_seconds_count") >= 3
    assert moved(after_a, before, "roomkit_timer_lateness_seconds_sum") == 0
    assert ("roomkit_timers_due", ()) in after_a


async def test_O1_a_rolled_back_order_is_never_counted(client):
    metrics.install()
    before = await scrape(client)
    with pytest.raises(RuntimeError):
        async with tx.atomic():
            observe.order_placed("PURCHASE", "ADVANCED", 774900)
            raise RuntimeError("the order's transaction fails")
    assert moved(await scrape(client), before, "roomkit_orders_total", kind="PURCHASE", edition="ADVANCED") == 0
    async with tx.atomic():
        observe.order_placed("PURCHASE", "ADVANCED", 774900)
        # not yet: the transaction has not committed
        assert moved(await scrape(client), before, "roomkit_orders_total", kind="PURCHASE", edition="ADVANCED") == 0
    after = await scrape(client)
    assert moved(after, before, "roomkit_orders_total", kind="PURCHASE", edition="ADVANCED") == 1
    assert moved(after, before, "roomkit_order_amount_fen_total", kind="PURCHASE", edition="ADVANCED") == 774900


async def test_O1_webhook_deliveries_by_outcome(client):
    before = await scrape(client)
    metrics.webhook_delivery("success")
    metrics.webhook_delivery("failure")
    metrics.webhook_delivery("failure")
    after = await scrape(client)
    assert moved(after, before, "roomkit_webhook_deliveries_total", outcome="success") == 1
    assert moved(after, before, "roomkit_webhook_deliveries_total", outcome="failure") == 2


async def test_O1_entitlements_cache_hits_and_misses(client):
    from tests.money import entitlements

    account_id, token = await new_account(client)
    app = await new_app(client, token)
    before = await scrape(client)
    await entitlements(client, token, app)  # computed and stored
    await entitlements(client, token, app)  # served from the cache
    await entitlements(client, token, app)
    after = await scrape(client)
    assert moved(after, before, "roomkit_entitlements_cache_total", result="miss") == 1
    assert moved(after, before, "roomkit_entitlements_cache_total", result="hit") == 2


async def test_O1_timers_due_is_what_is_due_and_not_yet_done(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    assert value(await scrape(client), "roomkit_timers_due") == 0
    package = await Package.get(application_id=app)
    # Time passes without any timer running (no worker, no advanceClock): the package is owed.
    await clock.set_simulated_now(package.next_due_at + timedelta(seconds=1))
    from tortoise import connections

    [row] = await connections.get("default").execute_query_dict(
        "SELECT count(*) AS n FROM settlement_schedule WHERE next_due_at <= $1", [await clock.now()]
    )
    assert value(await scrape(client), "roomkit_timers_due") == 1 + row["n"]
    await advance(client, await clock.now())  # runs everything due
    assert value(await scrape(client), "roomkit_timers_due") == 0


async def test_O1_timer_lateness_from_due_to_done(client):
    metrics.install()
    account_id, token = await new_account(client)
    await credit(client, account_id, "10000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    package = await Package.get(application_id=app)
    due = package.next_due_at
    before = await scrape(client)
    assert await package_sweep.run_one(package.id, due + timedelta(seconds=90)) == 1  # a worker 90 s late
    after = await scrape(client)
    assert moved(after, before, "roomkit_timer_lateness_seconds_count") == 1
    assert moved(after, before, "roomkit_timer_lateness_seconds_sum") == 90
    assert moved(after, before, "roomkit_timer_lateness_seconds_bucket", le="60.0") == 0
    assert moved(after, before, "roomkit_timer_lateness_seconds_bucket", le="120.0") == 1
    assert due > START


def test_O1_the_grafana_dashboard_charts_only_metrics_we_export():
    import re
    from pathlib import Path

    dashboard = json.loads((Path(__file__).resolve().parents[1] / "docs" / "grafana-dashboard.json").read_text())
    assert dashboard["title"] == "RoomKit Billing" and dashboard["__inputs"][0]["pluginId"] == "prometheus"
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {re.sub(r"_(bucket|total|count|sum)$", "", name) for e in exprs for name in re.findall(r"roomkit_\w+", e)}
    exported = {
        m._name
        for m in (
            metrics.REQUESTS,
            metrics.REQUEST_DURATION,
            metrics.ORDERS,
            metrics.ORDER_AMOUNT,
            metrics.AUTO_RENEW,
            metrics.TIMER_LATENESS,
            metrics.WEBHOOK_DELIVERIES,
            metrics.ENTITLEMENTS_CACHE,
        )
    } | {"roomkit_timers_due"}
    assert used == exported  # every metric charted, nothing charted that does not exist


async def test_O1_O2_an_answer_from_the_response_cache_is_counted_logged_and_carries_its_request_id(client, log_lines):
    """SERVICE entitlements are answered from the whole-response cache before GraphQL runs: they
    still count as requests (by operation and outcome), as cache hits, and get their log line."""
    _, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    body = {
        "query": "query RoomJoin($a: Int!) { entitlements(sdkAppId: $a) { serviceActive } }",
        "variables": {"a": app},
    }
    before = await scrape(client)
    answers = [
        await client.post(
            "/graphql", json=body, headers={"Authorization": f"Bearer {service}", "X-Request-ID": f"join-{i}"}
        )
        for i in range(4)
    ]
    after = await scrape(client)
    # the first answer teaches this process the app's owner, the second fills the cache
    assert [a.headers.get("x-cache") for a in answers] == [None, None, "hit", "hit"]
    assert [a.headers["x-request-id"] for a in answers] == ["join-0", "join-1", "join-2", "join-3"]
    assert moved(after, before, "roomkit_requests_total", operation="RoomJoin", outcome="ok") == 4
    assert (
        moved(after, before, "roomkit_entitlements_cache_total", result="miss"),
        moved(after, before, "roomkit_entitlements_cache_total", result="hit"),
    ) == (1, 3)
    lines = [
        line for line in log_lines() if line.get("message") == "request" and line["request_id"].startswith("join-")
    ]
    assert [(line["request_id"], line["operation"], line["role"], line["outcome"]) for line in lines] == [
        (f"join-{i}", "RoomJoin", "SERVICE", "ok") for i in range(4)
    ]
