"""The lean POST path (app/graphql_post.py) answers exactly what strawberry's view answers, and
leaves every other kind of request to the view (issue 10)."""

import json

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from app.server import BillingGraphQL, create_app
from graphql_schema.schema import schema
from tests.conftest import OPERATOR


@pytest.fixture
async def both():
    """(the product's app, strawberry's view alone): same schema, same context."""
    view = Starlette(routes=[Route("/graphql", BillingGraphQL(schema, graphql_ide="graphiql", allowed_origins=("*",)))])
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app()), base_url="http://test") as product,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=view), base_url="http://test") as bare,
    ):
        yield product, bare


def body(response: httpx.Response):
    try:
        return response.json()
    except ValueError:
        return response.text


JSON = {"content-type": "application/json"}
CASES = [
    ("a query", json.dumps({"query": "{ __typename editions { code } }"}), JSON),
    (
        "variables",
        json.dumps({"query": "query($c: EditionCode!) { edition(code: $c) { code } }", "variables": {"c": "BASIC"}}),
        JSON,
    ),
    (
        "a named operation of two",
        json.dumps({"query": "query A { __typename } query B { editions { code } }", "operationName": "B"}),
        JSON,
    ),
    ("an unknown operation name", json.dumps({"query": "query A { __typename }", "operationName": "Z"}), JSON),
    ("no operation name among two", json.dumps({"query": "query A { __typename } query B { __typename }"}), JSON),
    ("a syntax error", json.dumps({"query": "{ editions { "}), JSON),
    ("a validation error", json.dumps({"query": "{ nope }"}), JSON),
    (
        "a variable of the wrong type",
        json.dumps({"query": "query($c: EditionCode!) { edition(code: $c) { code } }", "variables": {"c": 5}}),
        JSON,
    ),
    ("no query", json.dumps({"variables": {}}), JSON),
    ("a null query", json.dumps({"query": None}), JSON),
    ("a query that is not a string", json.dumps({"query": 5}), JSON),
    ("variables that are not an object", json.dumps({"query": "{ __typename }", "variables": [1]}), JSON),
    ("a batch", json.dumps([{"query": "{ __typename }"}]), JSON),
    ("a body that is not JSON", "{ __typename", JSON),
    ("a subscription", json.dumps({"query": "subscription { events { id } }"}), JSON),
    ("a charset", json.dumps({"query": "{ __typename }"}), {"content-type": "application/json; charset=utf-8"}),
    ("another content type", "{ __typename }", {"content-type": "text/plain"}),
    (
        "a mutation without a token",
        json.dumps({"query": "mutation { issueToken(role: SERVICE) { token errors { code } } }"}),
        JSON,
    ),
]


@pytest.mark.parametrize(("name", "content", "headers"), CASES, ids=[c[0] for c in CASES])
async def test_H1_the_lean_path_answers_as_the_view(both, name, content, headers):
    product, bare = both
    ours = await product.post("/graphql", content=content, headers=headers)
    theirs = await bare.post("/graphql", content=content, headers=headers)
    assert (ours.status_code, body(ours)) == (theirs.status_code, body(theirs)), name
    assert ours.headers["content-type"].split(";")[0] == theirs.headers["content-type"].split(";")[0]


@pytest.mark.parametrize("content", [json.dumps("{ __typename }"), "5", "null", "true"])
async def test_H3_json_that_is_not_an_operation_is_a_400_not_a_500(client, content):
    # strawberry's view raises AttributeError on these (a 500); the lean path answers first
    response = await client.post("/graphql", content=content, headers=JSON)
    assert response.status_code == 400
    assert response.text == "The request body must be a JSON object: one GraphQL operation."


async def test_H1_an_authenticated_mutation_takes_the_lean_path_with_its_caller(client):
    response = await client.post(
        "/graphql",
        json={"query": "mutation { issueToken(role: SERVICE) { token errors { code } } }"},
        headers={"Authorization": f"Bearer {OPERATOR}"},
    )
    assert response.status_code == 200
    payload = response.json()["data"]["issueToken"]
    assert payload["errors"] == [] and payload["token"].startswith("rk_service_")
    assert int(response.headers["content-length"]) == len(response.content)


async def test_other_methods_still_reach_the_view(client):
    assert (await client.get("/graphql", params={"query": "{ __typename }"})).json() == {
        "data": {"__typename": "Query"}
    }
    assert "graphiql" in (await client.get("/graphql", headers={"accept": "text/html"})).text.lower()
