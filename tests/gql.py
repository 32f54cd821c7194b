"""A small GraphQL client for tests."""

import httpx


async def gql(client: httpx.AsyncClient, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code in (200, 400), response.text
    return response.json()


def data(result: dict) -> dict:
    assert "errors" not in result, result["errors"]
    return result["data"]


def error_codes(result: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors", [])]
