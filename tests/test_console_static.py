"""UI-1: the console is served by the API at /console/ (history fallback, cache headers) and a
missing build never stops the API."""

import pytest

from app import console_static


@pytest.fixture
def dist(tmp_path, monkeypatch):
    d = tmp_path / "dist"
    (d / "assets").mkdir(parents=True)
    (d / "index.html").write_text("<!doctype html><div id=root></div>")
    (d / "assets" / "index-abc123.js").write_text("console.log(1)")
    (d / "favicon.svg").write_text("<svg/>")
    monkeypatch.setattr(console_static, "DIST", d)
    return d


async def test_UI1_console_routes_fall_back_to_index_and_hashed_assets_are_immutable(client, dist):
    r = await client.get("/console", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (308, "/console/")
    for path in ("/console/", "/console/billing", "/console/op/refunds"):
        r = await client.get(path)
        assert r.status_code == 200 and "id=root" in r.text
        assert r.headers["cache-control"] == "no-cache"
    r = await client.get("/console/assets/index-abc123.js")
    assert r.status_code == 200 and r.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await client.get("/console/favicon.svg")).headers["cache-control"] == "no-cache"
    assert (await client.get("/console/assets/missing.js")).status_code == 404
    r = await client.get("/console/../pyproject.toml")
    assert "id=root" in r.text or r.status_code == 404


async def test_UI1_without_a_build_console_says_how_to_build_and_the_api_still_serves(client, tmp_path, monkeypatch):
    monkeypatch.setattr(console_static, "DIST", tmp_path / "none")
    r = await client.get("/console/")
    assert r.status_code == 503 and "npm" in r.text
    assert (await client.post("/graphql", json={"query": "{ now }"})).status_code == 200


def test_UI1_build_is_skipped_when_fresh_and_reported_when_npm_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(console_static, "DIST", tmp_path / "none")
    monkeypatch.setattr(console_static.shutil, "which", lambda name: None)
    said = []
    assert console_static.ensure_built(said.append) is False
    assert "npm not found" in said[0]
