"""K-4 across processes: a catalog change made through one API process shows at once through a
second real one (`python -m app serve`), even where that one serves from the shared cache; and
re-running setup (`python -m app setup`, what every `make run` does) keeps every operator change,
while `setup --reset` puts the seeded catalog back."""

import subprocess
import sys
from datetime import timedelta

import httpx
import pytest

from app.domain.catalog.seed import seed_catalog
from tests import live
from tests.conftest import OPERATOR, REDIS_URL, START
from tests.gql import data, gql
from tests.graphql.test_catalog_management import (
    CAMPAIGNS,
    SCHEDULE,
    SET_FEATURE,
    SET_LIST_PRICE,
    buyer,
    upsert,
)
from tests.live import REPO, env_for
from tests.money import ENTITLEMENTS

MATRIX = "{ featureMatrix { editions { code } rows { feature { code } values { included value } } } }"
server = live.server  # the fixture: a second API process
EDITIONS = "{ editions { code listPrice { amount } currentPrice { amount } } }"


@pytest.fixture(autouse=True)
async def restore_catalog():
    yield
    await seed_catalog(reset=True)


async def remote(base: str, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        response = await c.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    return data(response.json())


def cell(matrix: dict, feature: str, edition: str) -> tuple[bool, str | None]:
    column = [e["code"] for e in matrix["editions"]].index(edition)
    row = next(r for r in matrix["rows"] if r["feature"]["code"] == feature)
    return row["values"][column]["included"], row["values"][column]["value"]


async def test_K4_feature_matrix_through_a_second_process_right_after_setEditionFeature(client, server):
    before = (await remote(server, MATRIX))["featureMatrix"]
    assert cell(before, "SEAT_MODES", "BASIC") == (False, None)
    payload = data(
        await gql(client, SET_FEATURE, {"e": "BASIC", "f": "SEAT_MODES", "inc": True, "v": "free"}, OPERATOR)
    )["setEditionFeature"]
    assert payload["errors"] == []
    after = (await remote(server, MATRIX))["featureMatrix"]
    assert cell(after, "SEAT_MODES", "BASIC") == (True, "free")


async def test_K4_cached_entitlements_in_a_second_process_show_a_catalog_change_at_once(client, server):
    _, token, app = await buyer(client)
    first = (await remote(server, ENTITLEMENTS, {"app": app}, token))["entitlements"]  # now cached in Redis
    assert "CUSTOM_UI" in first["features"]
    assert (await remote(server, ENTITLEMENTS, {"app": app}, token))["entitlements"] == first  # a hit
    assert (
        data(await gql(client, SET_FEATURE, {"e": "BASIC", "f": "CUSTOM_UI", "inc": False}, OPERATOR))[
            "setEditionFeature"
        ]["errors"]
        == []
    )
    again = (await remote(server, ENTITLEMENTS, {"app": app}, token))["entitlements"]
    assert "CUSTOM_UI" not in again["features"]


async def test_K1_editions_through_a_second_process_at_the_effective_instant(client, server):
    assert (
        data(await gql(client, SCHEDULE, {"c": "IM_PRO", "p": "1600.00", "at": START.isoformat()}, OPERATOR))[
            "schedulePriceChange"
        ]["errors"]
        == []
    )
    editions = {e["code"]: e["currentPrice"]["amount"] for e in (await remote(server, EDITIONS))["editions"]}
    assert editions["BASIC"] == "3100.00" and editions["ADVANCED"] == "6600.00"


def run_setup(*args: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "app", "setup", *args],
        cwd=REPO,
        env=env_for(REDIS_URL),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


async def test_K4_rerunning_setup_keeps_every_operator_change_and_reset_restores_the_seed(client):
    assert (
        data(await gql(client, SET_LIST_PRICE, {"e": "BASIC", "p": "3500.00"}, OPERATOR))["setListPrice"]["errors"]
        == []
    )
    assert (
        data(await gql(client, SET_FEATURE, {"e": "ADVANCED", "f": "SCREEN_SHARE", "inc": False}, OPERATOR))[
            "setEditionFeature"
        ]["errors"]
        == []
    )
    assert (
        await upsert(
            client,
            code="FIRST_ORDER",
            percentOfList=45,
            editions=["BASIC", "ADVANCED", "LARGE_ROOM"],
            firstOrderOnly=True,
        )
    )["errors"] == []
    assert (await upsert(client, startsAt=(START + timedelta(days=1)).isoformat()))["errors"] == []

    run_setup()

    editions = {e["code"]: e["listPrice"]["amount"] for e in data(await gql(client, EDITIONS))["editions"]}
    assert editions["BASIC"] == "3500.00"
    matrix = data(await gql(client, MATRIX))["featureMatrix"]
    assert cell(matrix, "SCREEN_SHARE", "ADVANCED") == (False, None)
    campaigns = {c["code"]: c["percentOfList"] for c in data(await gql(client, CAMPAIGNS, token=OPERATOR))["campaigns"]}
    assert campaigns == {"ALL_CUSTOMERS": 73, "FIRST_ORDER": 45, "SPRING": 40}

    run_setup("--reset")

    editions = {e["code"]: e["listPrice"]["amount"] for e in data(await gql(client, EDITIONS))["editions"]}
    assert editions["BASIC"] == "3374.00"
    assert cell(data(await gql(client, MATRIX))["featureMatrix"], "SCREEN_SHARE", "ADVANCED") == (True, None)
    campaigns = {c["code"]: c["percentOfList"] for c in data(await gql(client, CAMPAIGNS, token=OPERATOR))["campaigns"]}
    assert campaigns == {"ALL_CUSTOMERS": 73, "FIRST_ORDER": 49}
