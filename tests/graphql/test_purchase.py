"""SPEC B-1…B-7 (purchase, campaigns, payment split, refusals, ledger audit), A-2, A-4, and the
orders query (H-2), through the API."""

import asyncio
from datetime import UTC, datetime, timedelta

from app.domain.accounts.models import Account
from app.domain.ledger import audit
from app.domain.ledger.models import LedgerEntry, LedgerTransaction
from app.domain.orders.models import Order
from tests.conftest import START
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, error_codes, gql
from tests.money import (
    advance,
    application,
    assert_audit_clean,
    balance,
    codes,
    credit,
    events,
    lines_of,
    purchase,
    renew,
    set_real_name,
    start_trial,
    voucher,
    vouchers,
)

QUOTE = """query($e: EditionCode!, $m: Int!, $app: Int) { quote(edition: $e, months: $m, sdkAppId: $app) {
  lines { description months amount { amount } campaign } total { amount } } }"""


def parse(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    assert instant.tzinfo is not None, value
    return instant


async def quote(client, token, edition, months, app=None) -> dict:
    return data(await gql(client, QUOTE, {"e": edition, "m": months, "app": app}, token))["quote"]


async def funded_owner(client, amount="100000.00", name="Acme"):
    account_id, token = await new_account(client, name=name)
    await credit(client, account_id, amount)
    return account_id, token


def amounts(order: dict) -> dict:
    return {
        "amount": order["amount"]["amount"],
        **{k: v["amount"] for k, v in order["paid"].items()},
    }


# ---------------------------------------------------------------- B-4 prices and campaigns


async def test_B4_basic_one_month_first_order_is_1653_26(client):
    account_id, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1)
    assert result["errors"] == []
    order = result["order"]
    assert (order["kind"], order["status"], order["sdkAppId"], order["edition"], order["months"]) == (
        "PURCHASE",
        "PAID",
        app,
        "BASIC",
        1,
    )
    assert order["amount"]["amount"] == "1653.26"
    assert [(l[1], l[2], l[3]) for l in lines_of(order)] == [(1, "1653.26", "FIRST_ORDER")]
    assert amounts(order) == {
        "amount": "1653.26",
        "voucher": "0.00",
        "gift": "0.00",
        "income": "0.00",
        "cash": "1653.26",
    }
    assert await balance(client, token) == {"cash": "3346.74", "income": "0.00", "gift": "0.00", "available": "3346.74"}
    await assert_audit_clean()


async def test_B4_basic_three_months_first_order_discounts_only_the_first_month(client):
    _, token = await funded_owner(client, "10000.00")
    app = await new_app(client, token)
    order = (await purchase(client, token, app, "BASIC", 3))["order"]
    assert order["amount"]["amount"] == "7651.26"
    assert [(l[1], l[2], l[3]) for l in lines_of(order)] == [(1, "1653.26", "FIRST_ORDER"), (2, "5998.00", None)]
    assert (await balance(client, token))["cash"] == "2348.74"
    await assert_audit_clean()


async def test_B4_returning_customer_gets_all_customers_on_advanced(client):
    _, token = await funded_owner(client, "10000.00")
    first_app, second_app = await new_app(client, token, "one"), await new_app(client, token, "two")
    assert (await purchase(client, token, first_app, "BASIC", 1))["order"]["amount"]["amount"] == "1653.26"
    order = (await purchase(client, token, second_app, "ADVANCED", 1))["order"]
    assert order["amount"]["amount"] == "5656.77"  # 7749.00 × 73 %
    assert [(l[1], l[2], l[3]) for l in lines_of(order)] == [(1, "5656.77", "ALL_CUSTOMERS")]
    assert (await balance(client, token))["cash"] == "2689.97"  # 10000 − 1653.26 − 5656.77
    await assert_audit_clean()


async def test_B4_returning_customer_several_months_campaign_on_first_month_only(client):
    _, token = await funded_owner(client, "20000.00")
    first_app, second_app = await new_app(client, token, "one"), await new_app(client, token, "two")
    await purchase(client, token, first_app, "BASIC", 1)
    order = (await purchase(client, token, second_app, "ADVANCED", 2))["order"]
    assert [(l[1], l[2], l[3]) for l in lines_of(order)] == [(1, "5656.77", "ALL_CUSTOMERS"), (1, "6499.00", None)]
    assert order["amount"]["amount"] == "12155.77"
    await assert_audit_clean()


async def test_B4_large_room_first_order_is_49_percent_of_list(client):
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    order = (await purchase(client, token, app, "LARGE_ROOM", 1))["order"]
    assert order["amount"]["amount"] == "4532.01"  # 9249.00 × 49 %
    assert [(l[1], l[2], l[3]) for l in lines_of(order)] == [(1, "4532.01", "FIRST_ORDER")]
    assert (await balance(client, token))["cash"] == "467.99"
    await assert_audit_clean()


async def test_B4_sub_user_pays_current_price_from_owner_balance_and_uses_up_first_order(client):
    owner_id, owner_token = await funded_owner(client, "10000.00")
    _, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    app = await new_app(client, sub_token)
    # before: the owner would get FIRST_ORDER
    assert (await quote(client, owner_token, "BASIC", 1))["total"]["amount"] == "1653.26"
    result = await purchase(client, sub_token, app, "BASIC", 1)
    assert result["errors"] == []
    order = result["order"]
    assert order["amount"]["amount"] == "2999.00"
    assert all(l[3] is None for l in lines_of(order))
    assert await balance(client, owner_token) == {
        "cash": "7001.00",
        "income": "0.00",
        "gift": "0.00",
        "available": "7001.00",
    }
    # the sub-user's order counts as had: the owner's next quote is ALL_CUSTOMERS, 3374.00 × 73 %
    q = await quote(client, owner_token, "BASIC", 1)
    assert q["total"]["amount"] == "2463.02"
    assert [(l["months"], l["amount"]["amount"], l["campaign"]) for l in q["lines"]] == [
        (1, "2463.02", "ALL_CUSTOMERS")
    ]
    other_app = await new_app(client, owner_token, "owner's")
    order = (await purchase(client, owner_token, other_app, "BASIC", 1))["order"]
    assert (order["amount"]["amount"], lines_of(order)[0][3]) == ("2463.02", "ALL_CUSTOMERS")
    assert (await balance(client, owner_token))["cash"] == "4537.98"
    await assert_audit_clean()


async def test_B4_collaborator_order_has_no_campaign(client):
    owner_id, owner_token = await funded_owner(client, "5000.00")
    _, collab_token = await new_account(client, name="Collab", type="COLLABORATOR", owner_id=owner_id)
    await credit(client, owner_id, "5000.00")
    app = await new_app(client, collab_token)
    order = (await purchase(client, collab_token, app, "LARGE_ROOM", 1))["order"]
    assert order["amount"]["amount"] == "7999.00"
    assert [(l[1], l[2], l[3]) for l in lines_of(order)] == [(1, "7999.00", None)]
    assert (await balance(client, owner_token))["cash"] == "2001.00"
    await assert_audit_clean()


async def test_B4_quote_with_token_equals_what_the_order_charges(client):
    _, token = await funded_owner(client, "100000.00")
    apps = [await new_app(client, token, f"app {i}") for i in range(3)]
    for app, (edition, months) in zip(apps, [("BASIC", 3), ("ADVANCED", 2), ("LARGE_ROOM", 5)]):
        q = await quote(client, token, edition, months, app)
        order = (await purchase(client, token, app, edition, months))["order"]
        assert lines_of(order) == lines_of(q), (edition, months)
        assert order["amount"]["amount"] == q["total"]["amount"]
    # and the figures: a first order, then a returning customer's
    totals = [
        o["node"]["amount"]["amount"]
        for o in data(await gql(client, "{ orders { edges { node { amount { amount } } } } }", token=token))["orders"][
            "edges"
        ]
    ]
    assert totals == ["38747.77", "12155.77", "7651.26"]  # 6751.77 + 4 × 7999; 5656.77 + 6499; 1653.26 + 5998
    await assert_audit_clean()


async def test_B4_quote_names_an_app_of_another_account_not_found(client):
    _, token = await new_account(client)
    _, other_token = await new_account(client, name="Other")
    foreign_app = await new_app(client, other_token)
    result = await gql(client, QUOTE, {"e": "BASIC", "m": 1, "app": foreign_app}, token)
    assert error_codes(result) == ["NOT_FOUND"]


# ---------------------------------------------------------------- B-1, B-2, B-3


async def test_B1_months_out_of_range_is_invalid_duration(client):
    _, token = await funded_owner(client, "110000.00")
    app = await new_app(client, token)
    for months in (0, 37, -1):
        assert codes(await purchase(client, token, app, "BASIC", months)) == ["INVALID_DURATION"], months
    result = await purchase(client, token, app, "BASIC", 36)
    assert result["errors"] == [] and result["order"]["months"] == 36
    assert result["order"]["amount"]["amount"] == "106618.26"  # 1653.26 + 35 × 2999.00
    assert result["package"]["expiresAt"].startswith("2030-01-09T16:00:00")
    await assert_audit_clean()


async def test_B1_agreements_must_be_accepted(client):
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1, agree=False)
    assert codes(result) == ["AGREEMENT_NOT_ACCEPTED"]
    assert result["order"] is None
    assert await Order.all().count() == 0


async def test_B1_trial_edition_cannot_be_purchased(client):
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    assert codes(await purchase(client, token, app, "TRIAL", 1)) == ["INVALID_EDITION"]


async def test_B1_unknown_or_foreign_app_is_not_found(client):
    _, token = await funded_owner(client)
    _, other_token = await new_account(client, name="Other")
    foreign_app = await new_app(client, other_token)
    assert codes(await purchase(client, token, foreign_app, "BASIC", 1)) == ["NOT_FOUND"]
    assert codes(await purchase(client, token, 1399999999, "BASIC", 1)) == ["NOT_FOUND"]
    assert await Order.all().count() == 0


async def test_B2_second_purchase_on_an_active_app_is_refused(client):
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    before = await balance(client, token)
    for edition in ("BASIC", "ADVANCED", "LARGE_ROOM"):
        result = await purchase(client, token, app, edition, 1)
        assert codes(result) == ["PACKAGE_ALREADY_ACTIVE"], edition
        assert result["order"] is None
    assert await balance(client, token) == before
    assert await Order.all().count() == 1
    await assert_audit_clean()


async def test_B3_package_runs_from_now_for_calendar_months(client):
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1)
    package = result["package"]
    assert (package["status"], package["edition"]) == ("ACTIVE", "BASIC")
    assert (package["rtc"]["code"], package["im"]["code"]) == ("RTC_PREMIUM", "IM_PRO")
    # START is 2027-01-10 00:00 Asia/Shanghai: one month later is 2027-02-10 00:00 Asia/Shanghai
    end = datetime(2027, 2, 9, 16, 0, tzinfo=UTC)
    for period in (package["rtc"], package["im"]):
        assert parse(period["startsAt"]) == START
        assert parse(period["expiresAt"]) == end
    assert parse(package["expiresAt"]) == end
    assert package["expiresAt"].startswith("2027-02-09T16:00:00")
    shown = (await application(client, token, app))["package"]
    assert (shown["id"], shown["status"], parse(shown["expiresAt"])) == (package["id"], "ACTIVE", end)
    await assert_audit_clean()


async def test_B3_twelve_months_and_the_month_end_clamp(client):
    _, token = await funded_owner(client)
    await advance(client, "2027-01-31T10:00:00+08:00")
    app, other = await new_app(client, token, "a"), await new_app(client, token, "b")
    package = (await purchase(client, token, app, "BASIC", 1))["package"]
    assert parse(package["expiresAt"]) == datetime(2027, 2, 28, 2, 0, tzinfo=UTC)  # Feb 28 10:00 +08
    package = (await purchase(client, token, other, "BASIC", 13))["package"]
    assert parse(package["expiresAt"]) == datetime(2028, 2, 29, 2, 0, tzinfo=UTC)  # leap year
    await assert_audit_clean()


async def test_B3_purchase_auto_renew_flag_is_stored(client):
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1, auto_renew=True)
    assert result["package"]["autoRenew"] is True
    assert (await application(client, token, app))["package"]["autoRenew"] is True


# ----------------------------------------------------------------


async def test_A2_unverified_account_cannot_purchase(client):
    account_id, token = await new_account(client, verified=False)
    await credit(client, account_id, "5000.00")
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1)
    assert codes(result) == ["REAL_NAME_REQUIRED"]
    assert await Order.all().count() == 0
    assert (await balance(client, token))["cash"] == "5000.00"
    await set_real_name(client, account_id, True)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    await assert_audit_clean()


# ---------------------------------------------------------------- B-5, A-4 payment split and vouchers


async def test_B5_vouchers_then_gift_then_income_then_cash(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "1000.00", "cash")
    await credit(client, account_id, "500.00", "income")
    await credit(client, account_id, "300.00", "gift")
    v = await voucher(client, account_id, "200.00")
    assert await balance(client, token) == {
        "cash": "1000.00",
        "income": "500.00",
        "gift": "300.00",
        "available": "1800.00",
    }
    app = await new_app(client, token)
    order = (await purchase(client, token, app, "BASIC", 1, vouchers=[v]))["order"]
    assert amounts(order) == {
        "amount": "1653.26",
        "voucher": "200.00",
        "gift": "300.00",
        "income": "500.00",
        "cash": "653.26",
    }
    assert await balance(client, token) == {"cash": "346.74", "income": "0.00", "gift": "0.00", "available": "346.74"}
    # the order keeps its split
    stored = data(
        await gql(
            client,
            "query($id: ID!) { order(id: $id) { amount { amount } paid { voucher { amount } "
            "gift { amount } income { amount } cash { amount } } } }",
            {"id": order["id"]},
            token,
        )
    )["order"]
    assert amounts(stored) == amounts(order)
    [used] = await vouchers(client, token)
    assert parse(used["usedAt"]) == START
    await assert_audit_clean()


async def test_B5_partial_sources_gift_covers_part_then_cash(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "2000.00", "cash")
    await credit(client, account_id, "1000.00", "gift")
    app = await new_app(client, token)
    order = (await purchase(client, token, app, "BASIC", 1))["order"]
    assert amounts(order) == {
        "amount": "1653.26",
        "voucher": "0.00",
        "gift": "1000.00",
        "income": "0.00",
        "cash": "653.26",
    }
    assert await balance(client, token) == {"cash": "1346.74", "income": "0.00", "gift": "0.00", "available": "1346.74"}
    await assert_audit_clean()


async def test_B5_voucher_larger_than_payable_is_used_whole_and_capped(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100.00")
    v = await voucher(client, account_id, "2000.00")
    app = await new_app(client, token)
    order = (await purchase(client, token, app, "BASIC", 1, vouchers=[v]))["order"]
    assert amounts(order) == {
        "amount": "1653.26",
        "voucher": "1653.26",
        "gift": "0.00",
        "income": "0.00",
        "cash": "0.00",
    }
    assert await balance(client, token) == {"cash": "100.00", "income": "0.00", "gift": "0.00", "available": "100.00"}
    [used] = await vouchers(client, token)
    assert used["id"] == v and used["amount"]["amount"] == "2000.00"
    assert parse(used["usedAt"]) == START
    # used whole: the rest is never available again
    other = await new_app(client, token, "other")
    assert codes(await purchase(client, token, other, "BASIC", 1, vouchers=[v])) == ["VOUCHER_USED"]
    await assert_audit_clean()


async def test_B5_voucher_with_no_balance_pays_the_whole_order(client):
    account_id, token = await new_account(client)
    v = await voucher(client, account_id, "1653.26")
    app = await new_app(client, token)
    order = (await purchase(client, token, app, "BASIC", 1, vouchers=[v]))["order"]
    assert amounts(order)["voucher"] == "1653.26" and amounts(order)["cash"] == "0.00"
    assert (await balance(client, token))["available"] == "0.00"
    await assert_audit_clean()


async def test_B5_voucher_of_another_account_is_not_found(client):
    account_id, token = await funded_owner(client, "5000.00")
    other_id, _ = await new_account(client, name="Other")
    foreign = await voucher(client, other_id, "200.00")
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1, vouchers=[foreign])
    assert codes(result) == ["NOT_FOUND"]
    assert await Order.all().count() == 0
    assert codes(await purchase(client, token, app, "BASIC", 1, vouchers=["999999999"])) == ["NOT_FOUND"]
    assert codes(await purchase(client, token, app, "BASIC", 1, vouchers=["not-an-id"])) == ["NOT_FOUND"]
    await assert_audit_clean()


async def test_B5_used_voucher_is_refused(client):
    account_id, token = await funded_owner(client, "10000.00")
    v = await voucher(client, account_id, "200.00")
    first, second = await new_app(client, token, "a"), await new_app(client, token, "b")
    assert (await purchase(client, token, first, "BASIC", 1, vouchers=[v]))["errors"] == []
    before = await balance(client, token)
    result = await purchase(client, token, second, "BASIC", 1, vouchers=[v])
    assert codes(result) == ["VOUCHER_USED"]
    assert await balance(client, token) == before
    assert await Order.all().count() == 1
    await assert_audit_clean()


async def test_B5_expired_voucher_is_refused(client):
    account_id, token = await funded_owner(client, "5000.00")
    v = await voucher(client, account_id, "200.00", expires=(START + timedelta(days=1)).isoformat())
    await advance(client, START + timedelta(days=1, hours=1))
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1, vouchers=[v])
    assert codes(result) == ["VOUCHER_EXPIRED"]
    assert (await vouchers(client, token))[0]["usedAt"] is None
    assert await Order.all().count() == 0
    await assert_audit_clean()


# ---------------------------------------------------------------- B-6 nothing changes on refusal


async def test_B6_insufficient_balance_with_nothing_at_all(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1)
    assert codes(result) == ["INSUFFICIENT_BALANCE"]
    assert (result["order"], result["package"]) == (None, None)
    assert await LedgerTransaction.all().count() == 0
    assert await LedgerEntry.all().count() == 0
    assert await Order.all().count() == 0
    assert (await application(client, token, app))["package"] is None
    assert [e["type"] for e in await events(client, token)] == ["APPLICATION_CREATED"]
    await assert_audit_clean()


async def test_B6_insufficient_after_vouchers_changes_nothing(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "1000.00", "cash")
    await credit(client, account_id, "200.00", "gift")
    v = await voucher(client, account_id, "200.00")
    app = await new_app(client, token)
    events_before = await events(client, token)
    ledger_before = await LedgerTransaction.all().count()
    # 1653.26 − 200.00 = 1453.26 due, 1200.00 available
    result = await purchase(client, token, app, "BASIC", 1, vouchers=[v])
    assert codes(result) == ["INSUFFICIENT_BALANCE"]
    assert result["order"] is None
    orders = data(await gql(client, "{ orders { edges { node { id } } } }", token=token))["orders"]["edges"]
    assert orders == []
    assert await LedgerTransaction.all().count() == ledger_before == 2  # the two credits only
    assert await LedgerTransaction.filter(order_id__not_isnull=True).count() == 0
    assert await events(client, token) == events_before
    assert await balance(client, token) == {
        "cash": "1000.00",
        "income": "0.00",
        "gift": "200.00",
        "available": "1200.00",
    }
    assert (await vouchers(client, token))[0]["usedAt"] is None
    app_view = await application(client, token, app)
    assert app_view["package"] is None and app_view["trialsUsed"] == 0
    # one fen short is still refused; exactly enough succeeds
    await credit(client, account_id, "253.25", "income")
    assert codes(await purchase(client, token, app, "BASIC", 1, vouchers=[v])) == ["INSUFFICIENT_BALANCE"]
    await credit(client, account_id, "0.01", "income")
    order = (await purchase(client, token, app, "BASIC", 1, vouchers=[v]))["order"]
    assert amounts(order) == {
        "amount": "1653.26",
        "voucher": "200.00",
        "gift": "200.00",
        "income": "253.26",
        "cash": "1000.00",
    }
    assert (await balance(client, token))["available"] == "0.00"
    await assert_audit_clean()


async def test_B6_insufficient_balance_does_not_end_a_running_trial(client):
    _, token = await new_account(client)
    app = await new_app(client, token)
    assert (await start_trial(client, token, app))["errors"] == []
    assert codes(await purchase(client, token, app, "BASIC", 1)) == ["INSUFFICIENT_BALANCE"]
    shown = (await application(client, token, app))["package"]
    assert (shown["edition"], shown["status"]) == ("TRIAL", "TRIAL")
    assert "TRIAL_ENDED" not in [e["type"] for e in await events(client, token)]


# ---------------------------------------------------------------- B-7 ledger audit


async def test_B7_audit_clean_after_a_mix_of_scenarios(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "6000.00", "cash")
    await credit(client, account_id, "4000.00", "income")
    await credit(client, account_id, "2000.00", "gift")
    v = await voucher(client, account_id, "500.00")
    apps = [await new_app(client, token, f"app {i}") for i in range(3)]
    await purchase(client, token, apps[0], "BASIC", 2, vouchers=[v])
    await purchase(client, token, apps[1], "ADVANCED", 1)
    await renew(client, token, apps[0], 1, "RTC_ONLY")
    assert codes(await purchase(client, token, apps[2], "LARGE_ROOM", 3)) == ["INSUFFICIENT_BALANCE"]
    await assert_audit_clean()
    # the balance equals the sum of the account's wallet entries
    entries = await LedgerEntry.filter(account_id=int(account_id), book__in=["CASH", "INCOME", "GIFT"])
    total = sum(e.amount_fen for e in entries)
    assert f"{total // 100}.{total % 100:02d}" == (await balance(client, token))["available"]
    # 12000.00 − (1653.26 + 2999.00 − 500.00) − 5656.77 − 1500.00 = 690.97
    assert (await balance(client, token))["available"] == "690.97"


async def test_B7_audit_detects_tampering(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100.00")
    assert await audit.problems() == []
    await Account.filter(id=int(account_id)).update(cash_fen=10001)
    found = await audit.problems()
    assert len(found) == 1 and f"account {account_id}" in found[0]


async def test_B7_audit_detects_an_unbalanced_transaction_and_a_split_mismatch(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "5000.00")
    app = await new_app(client, token)
    order_id = (await purchase(client, token, app, "BASIC", 1))["order"]["id"]
    assert await audit.problems() == []
    tx = await LedgerTransaction.filter(order_id=int(order_id)).first()
    revenue = await LedgerEntry.filter(transaction_id=tx.id, book="REVENUE").first()
    await LedgerEntry.filter(id=revenue.id).update(amount_fen=revenue.amount_fen + 1)
    await Order.filter(id=int(order_id)).update(paid_cash_fen=1)
    found = await audit.problems()
    assert any(f"transaction {tx.id}" in p for p in found), found
    assert any(f"order {order_id}" in p for p in found), found


# ---------------------------------------------------------------- orders query and H-2

ORDERS = """query($first: Int, $after: String, $app: Int, $kind: OrderKind) {
  orders(first: $first, after: $after, sdkAppId: $app, kind: $kind) {
    edges { cursor node { id kind sdkAppId amount { amount } } } pageInfo { hasNextPage endCursor } } }"""


async def orders_page(client, token, **variables) -> dict:
    return data(await gql(client, ORDERS, variables, token))["orders"]


async def test_orders_newest_first_with_cursor_pagination_and_filters(client):
    account_id, token = await funded_owner(client, "100000.00")
    a, b = await new_app(client, token, "a"), await new_app(client, token, "b")
    ids = [
        (await purchase(client, token, a, "BASIC", 1))["order"]["id"],
        (await purchase(client, token, b, "ADVANCED", 1))["order"]["id"],
        (await renew(client, token, a, 1))["order"]["id"],
        (await renew(client, token, b, 2, "IM_ONLY"))["order"]["id"],
        (await renew(client, token, a, 1, "RTC_ONLY"))["order"]["id"],
    ]
    newest_first = list(reversed(ids))
    page = await orders_page(client, token, first=2)
    assert [e["node"]["id"] for e in page["edges"]] == newest_first[:2]
    assert page["pageInfo"]["hasNextPage"] is True
    page = await orders_page(client, token, first=2, after=page["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in page["edges"]] == newest_first[2:4]
    assert page["pageInfo"]["hasNextPage"] is True
    page = await orders_page(client, token, first=2, after=page["pageInfo"]["endCursor"])
    assert [e["node"]["id"] for e in page["edges"]] == newest_first[4:]
    assert page["pageInfo"]["hasNextPage"] is False
    # default page holds them all
    assert [e["node"]["id"] for e in (await orders_page(client, token))["edges"]] == newest_first
    # filters
    by_app = await orders_page(client, token, app=a)
    assert [e["node"]["id"] for e in by_app["edges"]] == [ids[4], ids[2], ids[0]]
    renewals = await orders_page(client, token, kind="RENEWAL")
    assert [e["node"]["id"] for e in renewals["edges"]] == [ids[4], ids[3], ids[2]]
    both = await orders_page(client, token, app=b, kind="PURCHASE")
    assert [(e["node"]["id"], e["node"]["kind"]) for e in both["edges"]] == [(ids[1], "PURCHASE")]
    assert (await orders_page(client, token, kind="UPGRADE"))["edges"] == []
    # page size limit (H-3), with a fresh token: these two pages cost 806 query-cost points (H-4)
    token = await issue_token(client, "CUSTOMER", account_id)
    result = await gql(client, ORDERS, {"first": 101}, token)
    assert "errors" in result
    assert len((await orders_page(client, token, first=100))["edges"]) == 5
    await assert_audit_clean()


async def test_H2_order_of_another_account_reads_as_missing(client):
    _, token = await funded_owner(client, "5000.00")
    _, other_token = await new_account(client, name="Other")
    app = await new_app(client, token)
    order_id = (await purchase(client, token, app, "BASIC", 1))["order"]["id"]
    query = "query($id: ID!) { order(id: $id) { id amount { amount } } }"
    assert data(await gql(client, query, {"id": order_id}, token))["order"] == {
        "id": order_id,
        "amount": {"amount": "1653.26"},
    }
    assert data(await gql(client, query, {"id": order_id}, other_token)) == {"order": None}
    assert data(await gql(client, query, {"id": str(int(order_id) + 1000)}, other_token)) == {"order": None}
    assert data(await gql(client, query, {"id": "garbage"}, other_token)) == {"order": None}
    # and it is not in the other account's list
    assert (await orders_page(client, other_token))["edges"] == []


# ---------------------------------------------------------------- more edges


async def test_B4_concurrent_first_purchases_get_first_order_once(client):
    _, token = await funded_owner(client, "100000.00")
    apps = [await new_app(client, token, f"app {i}") for i in range(6)]
    results = await asyncio.gather(*[purchase(client, token, app, "BASIC", 1) for app in apps])
    assert [r["errors"] for r in results] == [[]] * 6
    campaigns = sorted(lines_of(r["order"])[0][3] for r in results)
    assert campaigns == ["ALL_CUSTOMERS"] * 5 + ["FIRST_ORDER"]
    assert (await balance(client, token))["cash"] == "86031.64"  # 100000 − 1653.26 − 5 × 2463.02
    await assert_audit_clean()


async def test_B5_voucher_listed_twice_is_refused(client):
    account_id, token = await funded_owner(client, "5000.00")
    v = await voucher(client, account_id, "100.00")
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1, vouchers=[v, v])
    assert result["order"] is None and result["errors"] != []
    assert (await vouchers(client, token))[0]["usedAt"] is None
    assert await Order.all().count() == 0


async def test_B5_two_vouchers_in_the_order_chosen(client):
    account_id, token = await funded_owner(client, "5000.00")
    small = await voucher(client, account_id, "100.00")
    big = await voucher(client, account_id, "1600.00")
    unneeded = await voucher(client, account_id, "50.00")
    app = await new_app(client, token)
    order = (await purchase(client, token, app, "BASIC", 1, vouchers=[small, big, unneeded]))["order"]
    # 100.00 + 1553.26 (capped) cover 1653.26; the third covers nothing and is not consumed
    assert amounts(order) == {
        "amount": "1653.26",
        "voucher": "1653.26",
        "gift": "0.00",
        "income": "0.00",
        "cash": "0.00",
    }
    used = {v["id"]: v["usedAt"] for v in await vouchers(client, token)}
    assert used[small] is not None and used[big] is not None and used[unneeded] is None
    assert (await balance(client, token))["cash"] == "5000.00"
    await assert_audit_clean()
