"""SPEC §12 through the API: R-9 the unified expiry day, F-5 cancelling a renewal not yet started."""

import json

from app.domain.orders.models import Order
from app.domain.refunds.models import Refund
from tests.factories import new_app
from tests.gql import data, error_codes
from tests.graphql.renewal_helpers import (
    align,
    align_quote,
    amounts,
    bought_apps,
    cancel,
    customer,
    request_refund,
)
from tests.money import (
    advance,
    application,
    assert_audit_clean,
    balance,
    ban_account,
    codes,
    credit,
    events,
    of_type,
    orders_of,
    purchase,
    renew,
    shanghai,
    start_trial,
    voucher,
)


def at(*args) -> str:
    return shanghai(*args).isoformat()


def lines(quote_or_order: dict) -> list[str]:
    return [line["amount"]["amount"] for line in quote_or_order["lines"]]


async def minutes_left(client, token, app) -> int | None:
    result = await client.post(
        "/graphql",
        json={
            "query": "query($a: Int!) { application(sdkAppId: $a) { package { includedMinutesLeft } } }",
            "variables": {"a": app},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    return result.json()["data"]["application"]["package"]["includedMinutesLeft"]


# ---------------------------------------------------------------- R-9 the worked example


async def test_R9_worked_example_803_57_plus_803_04_and_203571_minutes(client):
    _, token = await customer(client)
    [app] = await bought_apps(client, token, 1)  # BASIC 01-10 → 02-10
    quote = data(await align_quote(client, token, [app], 25))["alignExpiryQuote"]
    assert lines(quote) == ["803.57", "803.04"] and quote["total"]["amount"] == "1606.61"
    assert [line["months"] for line in quote["lines"]] == [0, 0]
    before = (await balance(client, token))["available"]
    result = await align(client, token, [app], 25)
    assert result["errors"] == []
    [order] = result["orders"]
    assert (order["kind"], order["status"], order["amount"]["amount"], lines(order)) == (
        "ALIGNMENT",
        "PAID",
        "1606.61",
        ["803.57", "803.04"],
    )
    assert order["lines"][0]["campaign"] is None
    [package] = result["packages"]
    assert (package["rtc"]["expiresAt"], package["im"]["expiresAt"], package["expiresAt"]) == (
        at(2027, 2, 25),
        at(2027, 2, 25),
        at(2027, 2, 25),
    )
    assert (package["rtc"]["startsAt"], package["im"]["startsAt"]) == (at(2027, 2, 25), at(2027, 2, 25))  # anchor T
    assert amounts(order)[0] == "1606.61"
    assert (await balance(client, token))["available"] == f"{(int(before.replace('.', '')) - 160661) / 100:.2f}"
    # the short RTC month 02-10 → 02-25 has 380,000 × 15/28 included minutes, rounded down
    await advance(client, shanghai(2027, 2, 10))
    assert await minutes_left(client, token, app) == 203571
    granted = [json.loads(e["data"]) for e in of_type(await events(client, token, app), "ALLOWANCE_GRANTED")]
    assert granted[-1]["minutes"] == 203571
    # a later 1-month renewal lands on the 25th
    renewed = await renew(client, token, app, 1)
    assert renewed["errors"] == []
    assert (renewed["package"]["rtc"]["expiresAt"], renewed["package"]["im"]["expiresAt"]) == (
        at(2027, 3, 25),
        at(2027, 3, 25),
    )
    await advance(client, shanghai(2027, 2, 25))
    assert await minutes_left(client, token, app) == 380000  # a full month again from the new anchor
    assert (await application(client, token, app))["package"]["status"] == "ACTIVE"
    # ALIGNMENT orders are not refundable (F-1)
    refused = await request_refund(client, token, order["id"])
    assert codes(refused) == ["ORDER_NOT_REFUNDABLE"]
    assert of_type(await events(client, token, app), "EXPIRY_ALIGNED")
    await assert_audit_clean()


async def test_R9_expiry_on_the_31st_aligned_to_the_28th(client):
    _, token = await customer(client)
    await advance(client, shanghai(2027, 1, 31))
    app = await new_app(client, token, "month end")
    bought = await purchase(client, token, app, "BASIC", 2)  # 01-31 → 03-31
    assert bought["package"]["expiresAt"] == at(2027, 3, 31)
    # T = 04-28 00:00; one month after 03-31 is 04-30: 28 of 30 days
    result = await align(client, token, [app], 28)
    assert result["errors"] == []
    assert lines(result["orders"][0]) == ["1400.00", "1399.07"]  # 1500 × 28/30; 1499 × 28/30 = 1399.0667
    assert result["packages"][0]["expiresAt"] == at(2027, 4, 28)
    await advance(client, shanghai(2027, 3, 31))
    assert await minutes_left(client, token, app) == 354666  # 380,000 × 28/30 rounded down
    await assert_audit_clean()


async def test_R9_already_on_the_day_at_midnight_changes_nothing_and_charges_nothing(client):
    _, token = await customer(client)
    [app] = await bought_apps(client, token, 1)  # expires 02-10 00:00
    before = await balance(client, token)
    quote = data(await align_quote(client, token, [app], 10))["alignExpiryQuote"]
    assert (quote["lines"], quote["total"]["amount"]) == ([], "0.00")
    result = await align(client, token, [app], 10)
    assert (result["errors"], result["orders"]) == ([], [])
    assert result["packages"][0]["expiresAt"] == at(2027, 2, 10)
    assert await balance(client, token) == before
    assert await Order.filter(kind="ALIGNMENT").count() == 0


async def test_R9_components_with_different_expiries_RTC_renewed_alone(client):
    _, token = await customer(client)
    [app] = await bought_apps(client, token, 1)
    await renew(client, token, app, 1, "RTC_ONLY")  # RTC 03-10, IM 02-10
    quote = data(await align_quote(client, token, [app], 25))["alignExpiryQuote"]
    # RTC 03-10 → 03-25: 15 of 31 days (03-10 → 04-10); IM 02-10 → 02-25: 15 of 28
    assert lines(quote) == ["725.81", "803.04"] and quote["total"]["amount"] == "1528.85"
    result = await align(client, token, [app], 25)
    package = result["packages"][0]
    assert (package["rtc"]["expiresAt"], package["im"]["expiresAt"]) == (at(2027, 3, 25), at(2027, 2, 25))
    # the RTC's own months keep their schedule: month 2 (02-10) is a full month
    await advance(client, shanghai(2027, 2, 10))
    assert await minutes_left(client, token, app) == 380000
    # aligning again to the same day: nothing left to change
    again = await align(client, token, [app], 25)
    assert (again["errors"], again["orders"]) == ([], [])
    await assert_audit_clean()


async def test_R9_refusals(client):
    account_id, token = await customer(client)
    a, b = await bought_apps(client, token, 2)
    trial_app = await new_app(client, token, "trial")
    await start_trial(client, token, trial_app)
    for day in (0, 29):
        assert codes(await align(client, token, [a], day)) == ["INVALID_DAY"]
        assert error_codes(await align_quote(client, token, [a], day)) == ["INVALID_DAY"]
    assert codes(await align(client, token, [], 25)) == ["EMPTY_BATCH"]
    assert codes(await align(client, token, list(range(1400000000, 1400000101)), 25)) == ["BATCH_TOO_LARGE"]
    dup = await align(client, token, [a, b, a], 25)
    assert [(e["code"], e["field"]) for e in dup["errors"]] == [("DUPLICATE_APP", "sdkAppIds.2")]
    trial = await align(client, token, [a, trial_app], 25)
    assert [(e["code"], e["field"]) for e in trial["errors"]] == [("NO_ACTIVE_PACKAGE", "sdkAppIds.1")]
    assert error_codes(await align_quote(client, token, [a, trial_app], 25)) == ["NO_ACTIVE_PACKAGE"]
    assert await Order.filter(kind="ALIGNMENT").count() == 0
    # the money is checked on the total, all or nothing
    row = await balance(client, token)
    await credit(client, account_id, "0.01")
    available = int(row["available"].replace(".", "")) + 1
    needed = 2 * 160661
    assert available > needed  # enough: succeeds below; now make it short
    from app.domain.accounts.models import Account

    await Account.filter(id=int(account_id)).update(cash_fen=needed - 1, income_fen=0, gift_fen=0)
    short = await align(client, token, [a, b], 25)
    assert codes(short) == ["INSUFFICIENT_BALANCE"]
    assert (await application(client, token, a))["package"]["expiresAt"] == at(2027, 2, 10)
    await Account.filter(id=int(account_id)).update(cash_fen=available)
    done = await align(client, token, [a, b], 25)
    assert [o["sdkAppId"] for o in done["orders"]] == [a, b]


# ---------------------------------------------------------------- F-5 cancelling a renewal


async def test_F5_cancel_a_renewal_not_started_money_back_period_removed(client):
    account_id, token = await customer(client, cash="20000.00")
    [app] = await bought_apps(client, token, 1)  # 01-10 → 02-10
    v = await voucher(client, account_id, "500.00")
    before = await balance(client, token)
    renewed = await renew(client, token, app, 2, vouchers=[v])  # → 04-10; 5998.00: 500.00 voucher + 5498.00 cash
    assert renewed["package"]["expiresAt"] == at(2027, 4, 10)
    await advance(client, shanghai(2027, 1, 20))  # after F-1's 120 h window: F-5 still applies
    result = await cancel(client, token, renewed["order"]["id"])
    assert result["errors"] == []
    refund = result["refund"]
    assert (refund["status"], refund["amount"]["amount"], refund["order"]["status"]) == (
        "APPROVED",
        "5498.00",
        "REFUNDED",
    )
    assert refund["returned"]["voucher"]["amount"] == "0.00"
    assert await balance(client, token) == before  # vouchers are not returned; the cash is
    package = (await application(client, token, app))["package"]
    assert (package["rtc"]["expiresAt"], package["im"]["expiresAt"]) == (at(2027, 2, 10), at(2027, 2, 10))
    cancelled = of_type(await events(client, token, app), "RENEWAL_CANCELLED")
    assert [json.loads(e["data"])["amount"] for e in cancelled] == ["5498.00"]
    assert of_type(await events(client, token, app), "REFUND_REQUESTED", "REFUND_APPROVED") == []
    assert await Refund.filter(status="APPROVED").count() == 1
    # the one no-reason refund is still there (the purchase, within its own window? no: 10 days) —
    # a renewal bought now is refundable under F-1
    fresh = await renew(client, token, app, 1)
    assert (await request_refund(client, token, fresh["order"]["id"]))["errors"] == []
    await assert_audit_clean()


async def test_F5_refusals(client):
    account_id, token = await customer(client, cash="50000.00")
    a, b = await bought_apps(client, token, 2)
    [purchase_a] = await orders_of(client, token, a, "PURCHASE")
    assert codes(await cancel(client, token, purchase_a["id"])) == ["ORDER_NOT_REFUNDABLE"]
    started = await renew(client, token, b, 1)
    await advance(client, shanghai(2027, 2, 10))  # b's renewal period has begun; a expired
    assert codes(await cancel(client, token, started["order"]["id"])) == ["RENEWAL_ALREADY_STARTED"]
    restarted = await renew(client, token, a, 1)  # a had expired: restarts from now, so it starts at once
    assert codes(await cancel(client, token, restarted["order"]["id"])) == ["RENEWAL_ALREADY_STARTED"]
    # AUTO_RENEWAL orders start at once: not cancellable
    auto_app = await new_app(client, token, "auto")
    await purchase(client, token, auto_app, "BASIC", 1, auto_renew=True)  # 02-10 → 03-10
    await advance(client, shanghai(2027, 3, 10))  # auto-renewed at 03-10 (b expired then too)
    [auto] = await orders_of(client, token, auto_app, "AUTO_RENEWAL")
    assert codes(await cancel(client, token, auto["id"])) == ["ORDER_NOT_REFUNDABLE"]
    # another account's order is NOT_FOUND (H-2)
    _, other = await customer(client, name="Other")
    await renew(client, token, b, 1)  # b restarts: 03-10 → 04-10
    later = await renew(client, token, b, 1)  # 04-10 → 05-10: not started
    assert codes(await cancel(client, other, later["order"]["id"])) == ["NOT_FOUND"]
    # once cancelled, a second cancel is refused
    assert (await cancel(client, token, later["order"]["id"]))["errors"] == []
    assert codes(await cancel(client, token, later["order"]["id"])) == ["ORDER_NOT_REFUNDABLE"]
    pending = await renew(client, token, b, 1)  # 04-10 → 05-10 again
    assert (await ban_account(client, account_id))["errors"] == []
    assert codes(await cancel(client, token, pending["order"]["id"])) == ["ACCOUNT_BANNED"]
    await assert_audit_clean()


async def test_F5_idempotent_by_key(client):
    _, token = await customer(client, cash="20000.00")
    [app] = await bought_apps(client, token, 1)
    renewed = await renew(client, token, app, 1)
    first = await cancel(client, token, renewed["order"]["id"], idem="c-1")
    again = await cancel(client, token, renewed["order"]["id"], idem="c-1")
    assert first["refund"]["id"] == again["refund"]["id"] and again["errors"] == []
    assert await Refund.all().count() == 1
    await assert_audit_clean()


UPGRADE = """mutation($input: UpgradeInput!) { upgradePackage(input: $input) {
  order { amount { amount } lines { amount { amount } } } errors { code } } }"""


async def test_R9_upgrade_inside_the_short_month_prices_the_time_left_to_T(client):
    from tests.gql import gql
    from tests.money import key

    _, token = await customer(client)
    [app] = await bought_apps(client, token, 1)
    assert (await align(client, token, [app], 25))["errors"] == []  # 02-10 → 02-25
    await advance(client, shanghai(2027, 2, 15))
    assert await minutes_left(client, token, app) == 203571
    result = data(
        await gql(
            client, UPGRADE, {"input": {"sdkAppId": app, "targetEdition": "ADVANCED", "idempotencyKey": key()}}, token
        )
    )["upgradePackage"]
    assert result["errors"] == []
    # 10 days left to T, counted in the month before T (01-25 → 02-25, 31 days): 3500 × 10/31
    assert result["order"]["amount"]["amount"] == "1129.03"
    assert await minutes_left(client, token, app) == 203571 + 329032  # (1,400,000 − 380,000) × 10/31, down
    await assert_audit_clean()
