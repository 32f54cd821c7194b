"""N-2 and K-4 across processes: two `python -m app serve` processes on their own ports share
PostgreSQL and Redis. A change made through one is seen at once through the other, although the
other had the answer in its whole-response cache (app/response_cache.py), and a token issued
through one works at once through the other (app/auth_cache.py)."""

from datetime import timedelta

import httpx
import pytest

from app import catalog_version, redis_conn
from app.domain.catalog.models import Edition
from tests.conftest import OPERATOR, START
from tests.factories import issue_token, new_account, new_app
from tests.gql import data
from tests.live import start_server, stop
from tests.money import (
    ENTITLEMENTS,
    advance,
    ban_account,
    credit,
    purchase,
    record_usage,
    shanghai,
    usage_event,
)

MATRIX = "{ featureMatrix { editions { code name } rows { feature { code } values { included } } } }"
EDITIONS = "{ editions { code name currentPrice { amount } } }"


@pytest.fixture(scope="module")
def two(database, tmp_path_factory):
    """Two API processes, each on its own port: (A, B) base URLs."""
    started = []
    try:
        for name in ("a", "b"):
            started.append(start_server(tmp_path_factory.mktemp(f"serve-{name}") / "serve.log"))
        yield [base for _, base in started]
    finally:
        for proc, _ in started:
            stop(proc)


@pytest.fixture
async def clients(two):
    async with httpx.AsyncClient(base_url=two[0], timeout=30) as a, httpx.AsyncClient(base_url=two[1], timeout=30) as b:
        yield a, b


async def post(client: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json(), r.headers.get("x-cache")


async def cached_entitlements(client, token, app) -> dict:
    """Read until this process answers from its response cache; that answer."""
    for _ in range(3):
        body, hit = await post(client, ENTITLEMENTS, {"app": app}, token)
        if hit == "hit":
            return data(body)["entitlements"]
    raise AssertionError("entitlements were never served from the response cache")


async def ent(client, token, app) -> tuple[dict, str | None]:
    body, hit = await post(client, ENTITLEMENTS, {"app": app}, token)
    return data(body)["entitlements"], hit


async def test_H1_a_token_issued_through_one_process_works_at_once_through_the_other(clients):
    a, b = clients
    account_id, token = await new_account(a)
    me, _ = await post(b, "{ me { id } }", token=token)
    assert data(me)["me"]["id"] == account_id
    service = await issue_token(b, "SERVICE")
    app = await new_app(b, token)
    assert (await ent(a, service, app))[0]["reason"] == "NO_PACKAGE"


async def test_N2_a_purchase_usage_and_ban_through_B_show_at_once_through_A_which_had_it_cached(clients):
    a, b = clients
    account_id, token = await new_account(a)
    await credit(a, account_id, "20000.00")
    app = await new_app(a, token)
    service = await issue_token(a, "SERVICE")
    for who in (service, OPERATOR):
        assert (await cached_entitlements(a, who, app))["reason"] == "NO_PACKAGE"

    assert (await purchase(b, token, app, "BASIC", 1))["errors"] == []
    now, hit = await ent(a, service, app)
    assert (now["edition"], now["includedMinutesLeft"], hit) == ("BASIC", 380_000, None)
    assert (await cached_entitlements(a, service, app))["edition"] == "BASIC"

    assert (await record_usage(b, service, [usage_event(app, 1000, "VIDEO_2K")]))["errors"] == []
    assert (await ent(a, service, app))[0]["includedMinutesLeft"] == 364_000  # 1000 × 16
    assert (await cached_entitlements(a, OPERATOR, app))["includedMinutesLeft"] == 364_000

    assert (await ban_account(b, account_id))["errors"] == []
    banned, hit = await ent(a, service, app)
    assert (banned["reason"], banned["featuresUnlocked"], banned["serviceActive"], hit) == (
        "BANNED",
        False,
        False,
        None,
    )


async def test_N1_N2_a_cached_answer_is_not_served_once_time_passes_the_package_expiry(clients):
    a, b = clients
    account_id, token = await new_account(a)
    await credit(a, account_id, "20000.00")
    app = await new_app(a, token)
    service = await issue_token(a, "SERVICE")
    assert (await purchase(a, token, app, "BASIC", 1))["errors"] == []
    expiry = shanghai(2027, 2, 10)  # bought at 00:00 +08 for one month
    assert START == shanghai(2027, 1, 10)
    assert (await cached_entitlements(a, service, app))["edition"] == "BASIC"
    await advance(b, expiry - timedelta(seconds=1))
    assert (await cached_entitlements(a, service, app))["edition"] == "BASIC"
    # the clock reaches the expiry; no timer has run (simulated time, no worker): still not served
    await advance(b, expiry)
    after, hit = await ent(a, service, app)
    assert (after["featuresUnlocked"], after["reason"], hit) == (False, "EXPIRED", None)


async def test_K4_a_catalog_change_shows_at_once_through_both_processes(clients):
    a, b = clients
    basic = await Edition.get(code="BASIC")
    for client in (a, b):
        for _ in range(2):
            await post(client, MATRIX)
        body, hit = await post(client, MATRIX)
        assert hit == "hit"
        assert data(body)["featureMatrix"]["editions"][1] == {"code": "BASIC", "name": basic.name}
    _, hit = await post(a, MATRIX, token=OPERATOR)
    assert hit is None  # with a token the catalog goes the normal way
    try:
        # what a committed catalog change does (issue 13's catalog writes): rows, then the version
        await Edition.filter(code="BASIC").update(name="Basic 2")
        await catalog_version.bump(redis_conn.get())
        for client in (b, a):  # B recomputes (a miss) and stores; A may serve B's fresh entry
            body, hit = await post(client, MATRIX)
            assert data(body)["featureMatrix"]["editions"][1]["name"] == "Basic 2"
            assert hit is None or client is a
            editions, _ = await post(client, EDITIONS)
            assert data(editions)["editions"][1]["name"] == "Basic 2"
    finally:
        await Edition.filter(code="BASIC").update(name=basic.name)
        await catalog_version.bump(redis_conn.get())


async def test_N2_errors_are_never_cached(clients):
    a, _ = clients
    service = await issue_token(a, "SERVICE")
    for _ in range(3):
        body, hit = await post(a, ENTITLEMENTS, {"app": 1_399_999_999}, service)
        assert (body["errors"][0]["extensions"]["code"], hit) == ("NOT_FOUND", None)
    body, hit = await post(a, "{ featureMatrix { nope } }")
    assert hit is None and body["errors"]
