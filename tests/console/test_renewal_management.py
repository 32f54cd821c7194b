"""UI-2 renewal management over the §12 API (R-6, R-8, R-9): skipped until the running server has it."""
from playwright.async_api import expect

from tests.console.conftest import need
from tests.factories import new_account, new_app
from tests.gql import data, gql
from tests.money import credit, purchase

FLAG = "query($a: Int!) { application(sdkAppId: $a) { package { renewFlag expiresAt } } }"


async def funded_with_basic(api, apps=("Rooms",)):
    account_id, token = await new_account(api, "Renewals")
    await credit(api, account_id, "20000.00")
    ids = []
    for name in apps:
        app = await new_app(api, token, name)
        assert (await purchase(api, token, app, "BASIC", 1))["errors"] == []
        ids.append(app)
    return token, ids


async def test_R6_sets_no_renew(api, console):
    await need(api, "Mutation", "setRenewFlag")
    token, [app] = await funded_with_basic(api)
    page = await console(token)
    await page.get_by_role("link", name="续费管理", exact=True).click()
    await page.get_by_label("续费标识 Rooms").select_option("NO_RENEW")
    await expect(page.get_by_label("续费标识 Rooms")).to_have_value("NO_RENEW")
    pkg = data(await gql(api, FLAG, {"a": app}, token))["application"]["package"]
    assert pkg["renewFlag"] == "NO_RENEW"


async def test_R8_batch_renews_two_apps_with_the_total_shown(api, console):
    await need(api, "Mutation", "renewPackages")
    token, apps = await funded_with_basic(api, ("Alpha", "Beta"))
    page = await console(token)
    await page.get_by_role("link", name="续费管理", exact=True).click()
    await page.get_by_label("选择 Alpha").check()
    await page.get_by_label("选择 Beta").check()
    await expect(page.get_by_test_id("batch-total")).to_have_text("批量续费合计：¥5,998.00")
    await page.get_by_role("button", name="批量续费", exact=True).click()
    await expect(page.get_by_role("status")).to_have_text("续费成功：已扣费 ¥5,998.00")
    for app in apps:
        pkg = data(await gql(api, FLAG, {"a": app}, token))["application"]["package"]
        assert pkg["expiresAt"].startswith("2027-03-09T16:00:00")


async def test_R9_aligns_expiry_to_the_25th_with_the_quote_first(api, console):
    await need(api, "Mutation", "alignExpiry")
    token, [app] = await funded_with_basic(api)
    page = await console(token)
    await page.get_by_role("link", name="续费管理", exact=True).click()
    await page.get_by_label("选择 Rooms").check()
    await page.get_by_label("每月到期日（1–28）").fill("25")
    await page.get_by_role("button", name="查看统一到期报价").click()
    await expect(page.get_by_role("table", name="统一到期日").get_by_test_id("quote-total")).to_have_text("¥1,606.61")
    await page.get_by_role("button", name="支付并统一到期").click()
    await expect(page.get_by_role("status")).to_have_text("操作成功")
    pkg = data(await gql(api, FLAG, {"a": app}, token))["application"]["package"]
    assert pkg["expiresAt"].startswith("2027-02-24T16:00:00")
