"""UI-2 operator pages in a real browser: the refund review queue (F-2) and catalog price changes (K-1)."""
from playwright.async_api import expect

from tests.console.conftest import OPERATOR, need, operator_gql
from tests.factories import new_account, new_app
from tests.gql import data, gql
from tests.money import credit, purchase, shanghai

REVIEW = "mutation($a: ID!) { setRefundReview(accountId: $a, required: true) { errors { code } } }"
REQUEST = """mutation($o: ID!, $k: String!) { requestRefund(orderId: $o, idempotencyKey: $k) {
  refund { id status } errors { code } } }"""


async def test_F2_operator_approves_a_refund_waiting_for_review(api, console):
    account_id, token = await new_account(api, "Reviewed")
    await credit(api, account_id, "10000.00")
    app = await new_app(api, token, "Rooms")
    order = (await purchase(api, token, app, "BASIC", 1))["order"]
    await operator_gql(api, REVIEW, {"a": account_id})
    refund = data(await gql(api, REQUEST, {"o": order["id"], "k": "r-1"}, token))["requestRefund"]["refund"]
    assert refund["status"] == "PENDING_REVIEW"

    page = await console(OPERATOR)
    await page.get_by_role("link", name="退款审核", exact=True).click()
    await page.get_by_role("button", name=f"通过退款 {refund['id']}").click()
    await expect(page.get_by_role("status")).to_have_text(f"{refund['id']}: 已退款")
    await expect(page.get_by_role("button", name=f"通过退款 {refund['id']}")).to_have_count(0)
    mine = data(await gql(api, "{ refunds { id status } }", token=token))["refunds"]
    assert mine == [{"id": refund["id"], "status": "APPROVED"}]


async def test_K1_operator_schedules_a_price_change(api, console):
    await need(api, "Mutation", "schedulePriceChange")
    page = await console(OPERATOR)
    await page.get_by_role("link", name="目录管理", exact=True).click()
    await page.get_by_label("组件").select_option("RTC_PREMIUM")
    await page.get_by_label("新月价（元）").fill("1600.00")
    await page.get_by_label("生效时间（ISO-8601）").fill(shanghai(2027, 2, 1).isoformat())
    await page.get_by_role("button", name="计划调价").click()
    await expect(page.get_by_role("status")).to_have_text("操作成功")
    changes = (await operator_gql(api, "{ priceChanges { component price { amount } effectiveAt } }"))["priceChanges"]
    assert [(c["component"], c["price"]["amount"]) for c in changes] == [("RTC_PREMIUM", "1600.00")]
