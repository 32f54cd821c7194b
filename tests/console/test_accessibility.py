"""UI-1: every page in both languages has no axe-core violation of "serious" or "critical" impact;
the language switch is remembered; keyboard-only sign-in works. With CONSOLE_DOC_SHOTS=1 the
pricing, buy, renewal-management and billing pages are also saved under docs/console/."""
import os

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import expect

from tests.console.conftest import OPERATOR
from tests.factories import new_account, new_app
from tests.live import REPO
from tests.money import credit, purchase, voucher

CUSTOMER_PAGES = ["pricing", "buy", "apps", "renewals", "upgrade", "billing", "refunds", "usage", "events", "webhooks"]
OPERATOR_PAGES = ["op/accounts", "op/refunds", "op/catalog", "op/clock"]
DOC_PAGES = {"pricing", "buy", "renewals", "billing"}
DOCS = REPO / "docs" / "console"


async def serious(page) -> list[str]:
    result = await Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in result.response["violations"] if v["impact"] in ("serious", "critical")]


async def customer_with_data(api) -> str:
    account_id, token = await new_account(api, "Axe Demo")
    await credit(api, account_id, "10000.00")
    await voucher(api, account_id, "100.00")
    app = await new_app(api, token, "demo-live")
    await new_app(api, token, "demo-staging")
    assert (await purchase(api, token, app, "BASIC", 3))["errors"] == []
    return token


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
async def test_UI1_no_serious_axe_violations_on_any_page(api, console, server, locale):
    token = await customer_with_data(api)
    problems = {}
    for token_, pages in ((token, CUSTOMER_PAGES), (OPERATOR, OPERATOR_PAGES)):
        page = await console(token_, locale)
        for name in pages:
            await page.goto(f"{server}/console/{name}")
            await expect(page.get_by_role("heading", level=1)).to_be_visible()
            if found := await serious(page):
                problems[name] = found
            if os.environ.get("CONSOLE_DOC_SHOTS") and name in DOC_PAGES:
                DOCS.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=DOCS / f"{name}-{locale}.png", full_page=True)
    assert problems == {}


async def test_UI1_language_switch_is_remembered_and_sign_in_works_by_keyboard(api, console, server):
    _, token = await new_account(api, "Keyboard")
    page = await console()
    await page.goto(f"{server}/console/signin")
    await expect(page.get_by_role("heading", level=1)).to_have_text("使用访问令牌登录")
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with an access token")
    await page.reload()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in with an access token")
    await page.get_by_label("Access token").focus()
    await page.keyboard.type(token)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Applications")
    assert await page.evaluate("sessionStorage.getItem('roomkit.token')") == token
    assert await page.evaluate("localStorage.getItem('roomkit.token')") is None
    await page.get_by_role("button", name="中文").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("应用")
