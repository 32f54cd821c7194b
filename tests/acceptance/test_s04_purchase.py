"""SPEC §4 Purchase, payment, idempotency (B-1…B-8, with A-1/A-2 where a purchase checks them),
black-box (see tests/acceptance/spec.py).

Duplicates removed (covered with the same scenario and the same codes/figures elsewhere):
- test_purchase_refusals_duration_agreement_real_name_already_active →
  tests/graphql/test_purchase.py::test_B1_months_out_of_range_is_invalid_duration (0/37 refused, 36 months ends
  2030-01-10 00:00 +08), ::test_B1_agreements_must_be_accepted, ::test_B2_second_purchase_on_an_active_app_is_refused
  (ADVANCED on an active app), ::test_A2_unverified_account_cannot_purchase and
  tests/graphql/test_trial.py::test_A2_unverified_account_cannot_start_a_trial
- test_idempotent_replay_returns_same_order_and_charges_once →
  tests/graphql/test_idempotency.py::test_B8_same_key_same_input_returns_the_first_result_and_moves_money_once
- test_refused_attempt_stores_nothing_key_can_be_retried →
  tests/graphql/test_idempotency.py::test_B8_a_refused_attempt_stores_nothing_and_the_key_may_be_retried
- test_operator_credit_key_scoped_to_account_credited →
  tests/graphql/test_funding.py::test_B8_credit_account_key_is_scoped_to_the_account_credited
- test_concurrent_requests_with_one_key_charge_once →
  tests/graphql/test_idempotency.py::test_B8_concurrent_requests_with_one_key_charge_once (20 requests, 3346.74 left)
"""

import asyncio
from datetime import timedelta

from tests.acceptance.spec import (
    CREDIT,
    EXPIRY_1M,
    OPERATOR,
    PURCHASE,
    RENEW,
    START,
    TOP_UP,
    advance,
    amounts,
    application,
    balance,
    codes,
    credit,
    data,
    events,
    funded_owner,
    gql,
    new_account,
    new_app,
    of_type,
    order_amount,
    orders_of,
    purchase,
    quote,
    refund,
    renew,
    shanghai,
    top_up,
    ts,
    upgrade,
    voucher,
    vouchers,
)

# --------------------------------------------------------------------------------------------
# B-4 pricing and quotes
# --------------------------------------------------------------------------------------------


async def test_B4_quote_without_token_first_order_basic_1_and_3_months(client):
    """B-4: anonymous quote prices as a new OWNER: BASIC 1 month 1653.26; 3 months 7651.26."""
    one = await quote(client, None, "BASIC", 1)
    assert one["total"] == {"amount": "1653.26", "currency": "CNY"}
    assert [line["campaign"] for line in one["lines"]] == ["FIRST_ORDER"]
    three = await quote(client, None, "BASIC", 3)
    assert three["total"]["amount"] == "7651.26"
    assert sorted(line["amount"]["amount"] for line in three["lines"]) == ["1653.26", "5998.00"]


async def test_B4_purchase_basic_first_order_1653_26_and_period(client):
    """B-3/B-4/B-5: first order BASIC 1 month costs 1653.26 from cash; both components run START → +1 month."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    assert p["errors"] == []
    o = p["order"]
    assert (o["kind"], o["status"], o["edition"], o["months"], o["sdkAppId"]) == ("PURCHASE", "PAID", "BASIC", 1, app)
    assert o["amount"]["amount"] == "1653.26"
    assert await order_amount(client, token, o["id"]) == {"amount": "1653.26", "currency": "CNY"}
    assert o["paid"]["cash"]["amount"] == "1653.26"
    pkg = p["package"]
    assert (pkg["status"], pkg["edition"]) == ("ACTIVE", "BASIC")
    assert pkg["rtc"]["code"] == "RTC_PREMIUM" and pkg["im"]["code"] == "IM_PRO"
    for comp in (pkg["rtc"], pkg["im"]):
        assert ts(comp["startsAt"]) == START
        assert ts(comp["expiresAt"]) == EXPIRY_1M
    assert ts(pkg["expiresAt"]) == EXPIRY_1M
    assert (await balance(client, token))["available"] == "3346.74"


async def test_B4_purchase_basic_3_months_first_order_7651_26(client):
    """B-3/B-4: BASIC 3 months first order = 1653.26 + 2×2999.00 = 7651.26; ends 2027-04-10 00:00 Shanghai."""
    _, token = await funded_owner(client, "10000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app, months=3)
    assert p["errors"] == []
    assert p["order"]["amount"]["amount"] == "7651.26"
    assert ts(p["package"]["expiresAt"]) == shanghai(2027, 4, 10)


async def test_B4_returning_customer_advanced_5656_77_quote_and_order(client):
    """B-4: a returning customer gets ALL_CUSTOMERS (73% of list): ADVANCED 1 month 5656.77."""
    _, token = await funded_owner(client)
    app1, app2 = await new_app(client, token, "a1"), await new_app(client, token, "a2")
    assert (await purchase(client, token, app1))["errors"] == []
    q = await quote(client, token, "ADVANCED", 1, app2)
    assert q["total"]["amount"] == "5656.77"
    assert [line["campaign"] for line in q["lines"]] == ["ALL_CUSTOMERS"]
    p = await purchase(client, token, app2, edition="ADVANCED")
    assert p["errors"] == []
    assert p["order"]["amount"]["amount"] == "5656.77"
    assert p["order"]["lines"][0]["campaign"] == "ALL_CUSTOMERS"


async def test_B4_sub_user_order_gets_no_campaign_charges_owner_and_ends_first_order(client):
    """A-1/B-4: a sub-user pays 2999.00 (no campaign) from the owner's balance; the owner is then no longer
    a first-order customer (ALL_CUSTOMERS 73% → BASIC 2463.02)."""
    owner_id, owner = await funded_owner(client, "5000.00")
    _, sub = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    app = await new_app(client, owner, "owner-app")
    app2 = await new_app(client, owner, "owner-app-2")
    q = await quote(client, sub, "BASIC", 1, app)
    assert q["total"]["amount"] == "2999.00"
    p = await purchase(client, sub, app)
    assert p["errors"] == []
    assert p["order"]["amount"]["amount"] == "2999.00"
    assert all(line["campaign"] is None for line in p["order"]["lines"])
    assert (await balance(client, owner))["available"] == "2001.00"
    q2 = await quote(client, owner, "BASIC", 1, app2)
    assert q2["total"]["amount"] == "2463.02"


async def test_B4_refunded_order_still_counts_for_first_order(client):
    """B-4: a refunded paid order still counts as 'had' — next quote is ALL_CUSTOMERS (2463.02)."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    r = await refund(client, token, p["order"]["id"])
    assert r["errors"] == [] and r["refund"]["status"] == "APPROVED"
    q = await quote(client, token, "BASIC", 1, app)
    assert q["total"]["amount"] == "2463.02"


# --------------------------------------------------------------------------------------------
# B-5/B-6 payment
# --------------------------------------------------------------------------------------------


async def test_B5_payment_order_vouchers_gift_income_cash(client):
    """B-5: chosen voucher first, then gift, then income, then cash; the order keeps the split."""
    account_id, token = await new_account(client)
    await credit(client, account_id, "500.00", "gift")
    await credit(client, account_id, "500.00", "income")
    await credit(client, account_id, "1000.00", "cash")
    v = await voucher(client, account_id, "100.00", "2027-12-31T00:00:00Z")
    app = await new_app(client, token)
    p = await purchase(client, token, app, vouchers=[v])
    assert p["errors"] == []
    assert amounts(p["order"]["paid"]) == {"voucher": "100.00", "gift": "500.00", "income": "500.00", "cash": "553.26"}
    assert p["order"]["amount"]["amount"] == "1653.26"
    assert await balance(client, token) == {"cash": "446.74", "income": "0.00", "gift": "0.00", "available": "446.74"}
    assert (await vouchers(client, token))[0]["usedAt"] is not None


async def test_B6_insufficient_balance_changes_nothing(client):
    """B-6: amount after vouchers above available balance → INSUFFICIENT_BALANCE and nothing changes
    (no order, no package, balance and voucher untouched)."""
    account_id, token = await funded_owner(client, "1000.00")
    v = await voucher(client, account_id, "100.00", "2027-12-31T00:00:00Z")
    app = await new_app(client, token)
    p = await purchase(client, token, app, vouchers=[v])
    assert codes(p) == ["INSUFFICIENT_BALANCE"]
    assert p["order"] is None
    assert (await balance(client, token))["available"] == "1000.00"
    assert (await vouchers(client, token))[0]["usedAt"] is None
    assert await orders_of(client, token) == []
    assert (await application(client, token, app))["package"] is None
    assert of_type(await events(client, token), "PACKAGE_PURCHASED") == []


# --------------------------------------------------------------------------------------------
# B-8 idempotency
# --------------------------------------------------------------------------------------------


async def test_B8_idempotency_key_reused_with_other_input_or_other_mutation(client):
    """B-8: the same key with a different input, or on another mutation → IDEMPOTENCY_KEY_REUSED."""
    _, token = await funded_owner(client, "10000.00")
    app1, app2 = await new_app(client, token, "a"), await new_app(client, token, "b")
    assert (await purchase(client, token, app1, idem="shared"))["errors"] == []
    assert codes(await purchase(client, token, app2, idem="shared")) == ["IDEMPOTENCY_KEY_REUSED"]
    assert codes(await top_up(client, token, "10.00", "shared")) == ["IDEMPOTENCY_KEY_REUSED"]


async def test_B8_invalid_idempotency_key_length(client):
    """B-8: keys of 1–64 chars on every money mutation; '' and 65 chars → INVALID_IDEMPOTENCY_KEY.
    (Raw documents for purchase, renew, topUp and creditAccount: tests.money's helpers replace an empty key.)"""
    account_id, token = await funded_owner(client)
    app = await new_app(client, token)

    async def raw_purchase(idem):
        variables = {
            "input": {
                "sdkAppId": app,
                "edition": "BASIC",
                "months": 1,
                "acceptAgreements": True,
                "idempotencyKey": idem,
            }
        }
        return data(await gql(client, PURCHASE, variables, token))["purchasePackage"]

    for bad in ("", "x" * 65):
        assert codes(await raw_purchase(bad)) == ["INVALID_IDEMPOTENCY_KEY"], bad
    p = await raw_purchase("y" * 64)
    assert p["errors"] == []
    for bad in ("", "x" * 65):
        r = data(
            await gql(
                client, RENEW, {"input": {"sdkAppId": app, "months": 1, "scope": "FULL", "idempotencyKey": bad}}, token
            )
        )["renewPackage"]
        assert codes(r) == ["INVALID_IDEMPOTENCY_KEY"], bad
        assert codes(await upgrade(client, token, app, "ADVANCED", idem=bad)) == ["INVALID_IDEMPOTENCY_KEY"], bad
        assert codes(await refund(client, token, p["order"]["id"], idem=bad)) == ["INVALID_IDEMPOTENCY_KEY"], bad
        r = data(await gql(client, TOP_UP, {"amount": "1.00", "key": bad}, token))["topUp"]
        assert codes(r) == ["INVALID_IDEMPOTENCY_KEY"], bad
        r = data(await gql(client, CREDIT, {"a": account_id, "amount": "1.00", "source": "cash", "key": bad}, OPERATOR))
        assert codes(r["creditAccount"]) == ["INVALID_IDEMPOTENCY_KEY"], bad


async def test_B8_idempotency_key_usable_afresh_after_24h(client):
    """B-8: within 24 h a replay moves no money; after 24 h the key may be used afresh."""
    _, token = await new_account(client)
    for _ in range(2):
        assert (await top_up(client, token, "10.00", "day-key"))["errors"] == []
    assert (await balance(client, token))["available"] == "10.00"
    await advance(client, START + timedelta(hours=24, seconds=1))
    assert (await top_up(client, token, "10.00", "day-key"))["errors"] == []
    assert (await balance(client, token))["available"] == "20.00"


# --------------------------------------------------------------------------------------------
# B-3 month arithmetic
# --------------------------------------------------------------------------------------------


async def test_B3_month_arithmetic_jan31_clamps_and_counts_from_anchor(client):
    """B-3: Jan 31 + 1 month = Feb 28; + 2 months = Mar 31 (always from the anchor)."""
    _, token = await funded_owner(client)
    await advance(client, shanghai(2027, 1, 31))
    app1, app2 = await new_app(client, token, "one"), await new_app(client, token, "two")
    p1 = await purchase(client, token, app1, months=1)
    p2 = await purchase(client, token, app2, months=2)
    assert ts(p1["package"]["expiresAt"]) == shanghai(2027, 2, 28)
    assert ts(p2["package"]["expiresAt"]) == shanghai(2027, 3, 31)


async def test_B3_renewal_keeps_anchor_jan31(client):
    """B-3/R-1: a Jan 31 component ending Feb 28, renewed for 1 month, ends Mar 31; price 2999.00, no campaign."""
    _, token = await funded_owner(client)
    await advance(client, shanghai(2027, 1, 31))
    app = await new_app(client, token)
    assert ts((await purchase(client, token, app))["package"]["expiresAt"]) == shanghai(2027, 2, 28)
    r = await renew(client, token, app, months=1)
    assert r["errors"] == []
    assert r["order"]["kind"] == "RENEWAL" and r["order"]["amount"]["amount"] == "2999.00"
    assert ts(r["package"]["rtc"]["expiresAt"]) == shanghai(2027, 3, 31)
    assert ts(r["package"]["im"]["expiresAt"]) == shanghai(2027, 3, 31)


# --------------------------------------------------------------------------------------------
# B-2/B-4/B-6 under concurrency
# --------------------------------------------------------------------------------------------


async def test_B2_concurrent_purchases_with_different_keys_make_one_package(client):
    """B-2/B-6/B-7: concurrent purchases for one app with different keys: exactly one succeeds, one charge."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    results = await asyncio.gather(*[purchase(client, token, app, idem=f"race-{i}") for i in range(5)])
    ok = [r for r in results if r["errors"] == []]
    assert len(ok) == 1, results
    assert sorted(c for r in results for c in codes(r)) == ["PACKAGE_ALREADY_ACTIVE"] * 4
    assert (await balance(client, token))["available"] == "3346.74"


async def test_B4_concurrent_first_orders_get_the_campaign_once(client):
    """B-4: FIRST_ORDER applies only while the account never had a paid order — two concurrent first purchases
    on two apps cannot both get it: 1653.26 and 2463.02 (ALL_CUSTOMERS)."""
    _, token = await funded_owner(client, "10000.00")
    app1, app2 = await new_app(client, token, "a"), await new_app(client, token, "b")
    r1, r2 = await asyncio.gather(purchase(client, token, app1), purchase(client, token, app2))
    assert r1["errors"] == [] and r2["errors"] == []
    assert sorted([r1["order"]["amount"]["amount"], r2["order"]["amount"]["amount"]]) == ["1653.26", "2463.02"]


async def test_B6_concurrent_purchases_never_overdraw(client):
    """B-6: a prepaid order never makes a balance negative, even under concurrency."""
    _, token = await funded_owner(client, "3000.00")
    apps = [await new_app(client, token, f"app{i}") for i in range(3)]
    results = await asyncio.gather(*[purchase(client, token, a, idem=f"k{a}") for a in apps])
    assert sum(r["errors"] == [] for r in results) == 1
    assert float((await balance(client, token))["available"]) >= 0
