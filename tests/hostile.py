"""Helpers for hostile-input tests (H-3): requests whose JSON may hold lone surrogates, and a
fingerprint of the whole database to prove that a refused request changed nothing."""

import json

import httpx
from tortoise import connections

INTERNAL = "Internal error."
# Rows that are not business state: applied migrations.
SKIP_TABLES = {"tortoise_migrations"}


async def post(
    client: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None
) -> httpx.Response:
    """POST a GraphQL request. `json.dumps` escapes a lone surrogate as "\\ud800", exactly what a
    hostile client sends (httpx's own `json=` would refuse to encode it)."""
    headers = {"content-type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await client.post(
        "/graphql", content=json.dumps({"query": query, "variables": variables or {}}), headers=headers
    )


async def ask(client, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    response = await post(client, query, variables, token)
    assert response.status_code < 500, response.text
    assert INTERNAL not in response.text, response.text
    return response.json()


async def fingerprint() -> dict[str, str]:
    """One md5 per table of every row's text: any insert, update or delete shows."""
    conn = connections.get("default")
    rows = await conn.execute_query_dict("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    tables = sorted(r["tablename"] for r in rows if r["tablename"] not in SKIP_TABLES)
    query = " UNION ALL ".join(
        f"SELECT '{t}' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM \"{t}\" x"
        for t in tables
    )
    return {r["t"]: r["h"] for r in await conn.execute_query_dict(query)}


def payload_errors(body: dict) -> list[dict]:
    """Every `errors` list of every mutation payload in the answer."""
    found = []
    for value in (body.get("data") or {}).values():
        if isinstance(value, dict) and isinstance(value.get("errors"), list):
            found.extend(value["errors"])
    return found
