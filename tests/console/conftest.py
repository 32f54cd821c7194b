"""End-to-end tests of the console (UI-1…UI-3) in Debian's Chromium against a real server.

The console is built once per session when missing or stale (`npm ci` first if node_modules is
missing); one browser per session; a fresh browser context per signed-in user, traced, its last
screen saved under test-output/console/, the trace kept when the test fails.
"""
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Page, async_playwright, expect

from app import console_static
from tests.conftest import OPERATOR
from tests.gql import data, gql
from tests.live import REPO, server  # noqa: F401  (the real `python -m app serve` fixture)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
OUT = REPO / "test-output" / "console"
# The machine running CI is shared: give the browser room before an assertion counts as failed.
expect.set_options(timeout=15_000)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def console_build() -> Path:
    if console_static.needs_build():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("the console tests need Node.js and npm to build console/")
        if not (console_static.CONSOLE_DIR / "node_modules").exists():
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=console_static.CONSOLE_DIR, check=True)
        subprocess.run([npm, "run", "build"], cwd=console_static.CONSOLE_DIR, check=True)
    return console_static.DIST


@pytest.fixture(scope="session")
async def browser(console_build):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        await b.close()


@pytest.fixture
async def api(server):  # noqa: F811
    async with httpx.AsyncClient(base_url=server, timeout=30) as c:
        yield c


@pytest.fixture
async def console(browser, server, request):  # noqa: F811
    """open(token, locale) → a Page signed in to the console (a new browser context each call)."""
    opened = []

    async def open_(token: str | None = None, locale: str = "zh-CN") -> Page:
        ctx = await browser.new_context(viewport={"width": 1360, "height": 900}, locale=locale,
                                        timezone_id="Asia/Shanghai")
        await ctx.tracing.start(screenshots=True, snapshots=True)
        if locale == "en":
            await ctx.add_init_script("localStorage.setItem('roomkit.locale', 'en')")
        page = await ctx.new_page()
        page.set_default_timeout(20_000)
        opened.append((ctx, page))
        if token:
            await page.goto(f"{server}/console/signin#token={token}")
            await page.wait_for_url(lambda url: "/signin" not in url)
        return page

    yield open_
    OUT.mkdir(parents=True, exist_ok=True)
    failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    for i, (ctx, page) in enumerate(opened):
        name = f"{request.node.name}-{i}"
        try:
            await page.screenshot(path=OUT / f"{name}.png", full_page=True)
        finally:
            await ctx.tracing.stop(path=OUT / f"{name}-trace.zip" if failed else None)
            await ctx.close()


async def server_has(api, type_name: str, field: str) -> bool:
    """Whether the running server's schema has the field (§12–§14 names arrive with other branches)."""
    result = data(await gql(api, "query($n: String!) { __type(name: $n) { fields { name } } }", {"n": type_name}))
    return field in {f["name"] for f in (result["__type"] or {}).get("fields") or []}


async def need(api, type_name: str, field: str) -> None:
    if not await server_has(api, type_name, field):
        pytest.skip(f"this server's schema has no {type_name}.{field} yet (another issue builds it)")


async def operator_gql(api, query: str, variables: dict | None = None) -> dict:
    return data(await gql(api, query, variables, OPERATOR))
