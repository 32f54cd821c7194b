"""UI-1/UI-2 customer journeys in a real browser against a real server (real PostgreSQL and Redis)."""
import re
from datetime import timedelta

from playwright.async_api import expect

from tests.console.conftest import OPERATOR
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, gql
from tests.money import (
    advance,
    credit,
    orders_of,
    purchase,
    record_usage,
    set_real_name,
    shanghai,
    usage_event,
)

APP_Q = "query($a: Int!) { application(sdkAppId: $a) { package { status edition rtc { expiresAt } im { expiresAt } } } }"


async def package_of(api, token, app):
    return data(await gql(api, APP_Q, {"a": app}, token))["application"]["package"]


async def test_UI2_B4_new_customer_compares_editions_and_buys_basic_3_months_first_order(api, console):
    account_id, token = await new_account(api, "Newcomer")
    await credit(api, account_id, "10000.00")
    app = await new_app(api, token, "Rooms")
    page = await console(token)

    await page.get_by_role("link", name="价格与版本", exact=True).click()
    matrix = page.get_by_role("table", name="功能对比")
    basic = matrix.locator("th[data-edition=BASIC]")
    await expect(basic).to_contain_text("基础互动版")
    await expect(basic.locator("del")).to_have_text("¥3,374.00")  # the list price, struck through
    await expect(basic.locator(".rk-price")).to_have_text("¥2,999.00")
    await expect(matrix.get_by_role("row", name=re.compile("MAX_PARTICIPANTS"))).to_contain_text("50")
    campaigns = page.get_by_role("table", name="优惠活动")
    await expect(campaigns.locator("tr[data-edition=BASIC]")).to_contain_text("¥1,653.26")
    await expect(campaigns.locator("tr[data-edition=BASIC]")).to_contain_text("新客首单 4.9 折")

    await page.get_by_role("link", name="购买", exact=True).click()
    await expect(page.get_by_label("选择应用")).to_have_value(str(app))
    await page.get_by_label("基础互动版").check()
    await page.get_by_label("3 个月").check()
    await page.get_by_label("我已阅读并同意").check()
    quote = page.get_by_role("table", name="订单报价")
    await expect(quote.get_by_test_id("quote-total")).to_have_text("¥7,651.26")
    await expect(quote).to_contain_text("新客首单 4.9 折")
    await expect(quote).to_contain_text("¥1,653.26")
    await page.get_by_role("button", name="立即购买").click()
    await expect(page.get_by_role("status")).to_have_text("支付成功：已扣费 ¥7,651.26，套餐状态 ACTIVE")

    await page.get_by_role("link", name="应用", exact=True).click()
    await expect(page.locator(f"tr[data-app='{app}'] [data-testid=package-status]")).to_have_text("ACTIVE / ACTIVE")
    [order] = await orders_of(api, token, app)
    assert (order["kind"], order["amount"]["amount"]) == ("PURCHASE", "7651.26")


async def test_B1_B6_A2_buy_refusals_in_words(api, console):
    account_id, token = await new_account(api, "Short")
    await credit(api, account_id, "1000.00")
    app = await new_app(api, token, "Rooms")
    page = await console(token)
    await page.get_by_role("link", name="购买", exact=True).click()
    await expect(page.get_by_label("选择应用")).to_have_value(str(app))
    await page.get_by_label("3 个月").check()
    await expect(page.get_by_test_id("quote-total")).to_have_text("¥7,651.26")
    buy = page.get_by_role("button", name="立即购买")

    await buy.click()  # agreement box not ticked
    await expect(page.get_by_role("alert")).to_have_text("请先勾选同意服务协议。")
    await page.get_by_label("我已阅读并同意").check()
    await buy.click()
    await expect(page.get_by_role("alert")).to_have_text("余额不足：还差 ¥6,651.26，请先充值。")
    await set_real_name(api, account_id, False)
    await buy.click()
    await expect(page.get_by_role("alert")).to_have_text("账号尚未完成实名认证，完成后才能购买。")
    assert await orders_of(api, token) == []


async def test_R1_renews_rtc_only(api, console):
    account_id, token = await new_account(api, "Renewer")
    await credit(api, account_id, "10000.00")
    app = await new_app(api, token, "Rooms")
    assert (await purchase(api, token, app, "BASIC", 1))["errors"] == []
    before = await package_of(api, token, app)
    page = await console(token)
    await page.get_by_role("link", name="续费管理", exact=True).click()
    await page.get_by_label("续费范围 Rooms").select_option("RTC_ONLY")
    await page.get_by_role("button", name="续费 Rooms").click()
    await expect(page.get_by_role("status")).to_have_text("续费成功：已扣费 ¥1,500.00")
    after = await package_of(api, token, app)
    assert after["rtc"]["expiresAt"].startswith("2027-03-09T16:00:00")  # 02-10 → 03-10 00:00 Asia/Shanghai
    assert after["im"]["expiresAt"] == before["im"]["expiresAt"]


async def test_U3_upgrade_shows_the_exact_quote_then_charges_it(api, console):
    account_id, token = await new_account(api, "Upgrader")
    await credit(api, account_id, "10000.00")
    app = await new_app(api, token, "Rooms")
    assert (await purchase(api, token, app, "BASIC", 1))["errors"] == []
    await advance(api, shanghai(2027, 1, 25))
    page = await console(token)
    await page.get_by_role("link", name="升配", exact=True).click()
    await page.get_by_label("目标版本").select_option("ADVANCED")
    quote = page.get_by_role("table", name="升配报价")
    await expect(quote.get_by_test_id("quote-total")).to_have_text("¥1,806.45")
    await page.get_by_role("button", name="立即升配").click()
    await expect(page.get_by_role("status")).to_have_text("升配成功：已扣费 ¥1,806.45")
    assert (await package_of(api, token, app))["edition"] == "ADVANCED"


async def test_F1_requests_a_refund_and_sees_its_status(api, console):
    account_id, token = await new_account(api, "Refunder")
    await credit(api, account_id, "10000.00")
    app = await new_app(api, token, "Rooms")
    order = (await purchase(api, token, app, "BASIC", 1))["order"]
    page = await console(token)
    await page.get_by_role("link", name="退款", exact=True).click()
    await expect(page.get_by_text("120 小时内")).to_be_visible()
    await page.get_by_role("button", name=f"为订单 {order['id']} 申请退款").click()
    await expect(page.get_by_role("status")).to_have_text("退款申请已提交：已退款")
    await expect(page.get_by_test_id("refund-status")).to_have_text(["已退款"])
    assert (await package_of(api, token, app))["status"] == "REFUNDED"


async def test_S1_S3_arrears_and_suspension_show_live_when_an_operator_advances_the_clock(api, console):
    _, token = await new_account(api, "Heavy user")
    app = await new_app(api, token, "Rooms")
    service = await issue_token(api, "SERVICE")
    assert (await record_usage(api, service, [usage_event(app, 20_000)]))["accepted"] == 1  # 140.00 postpaid
    arrears_at = shanghai(2027, 1, 11, 1)
    customer = await console(token)
    await customer.get_by_role("link", name="事件", exact=True).click()
    await expect(customer.get_by_role("table", name="事件")).to_be_visible()
    await customer.wait_for_timeout(500)  # the WebSocket subscription is up before time moves

    operator = await console(OPERATOR)
    await operator.get_by_role("link", name="模拟时钟", exact=True).click()
    await operator.get_by_label("推进到（ISO-8601）").fill(arrears_at.isoformat())
    await operator.get_by_role("button", name="推进时钟").click()
    await expect(operator.get_by_role("status")).to_contain_text("已执行")

    await expect(customer.locator("tr[data-event-type=ARREARS_STARTED]")).to_have_count(1)
    await expect(customer.get_by_text("账号已欠费，请在 24 小时内充值")).to_be_visible()

    await operator.get_by_label("推进到（ISO-8601）").fill((arrears_at + timedelta(hours=24)).isoformat())
    await operator.get_by_role("button", name="推进时钟").click()
    await expect(customer.locator("tr[data-event-type=ACCOUNT_SUSPENDED]")).to_have_count(1)
    await expect(customer.get_by_text("服务已暂停")).to_be_visible()
