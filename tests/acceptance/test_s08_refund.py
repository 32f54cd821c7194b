"""SPEC §8 Refund (F-1…F-4), black-box (see tests/acceptance/spec.py): usage is recorded through
recordUsage here (tests/graphql/test_refund.py inserts it directly), so PACKAGE_USED is proven end to end.

Duplicates removed (covered with the same scenario and the same codes/figures elsewhere):
- test_refund_window_expired → tests/graphql/test_refund.py::test_F1_window_one_second_after_120_hours_is_expired
- test_concurrent_refunds_only_one_approved →
  tests/graphql/test_refund.py::test_F1_concurrent_requests_of_one_account_approve_exactly_one
"""

from datetime import timedelta

from tests.acceptance.spec import (
    EXPIRY_1M,
    REFUND_EVENTS,
    START,
    advance,
    application,
    balance,
    codes,
    credit,
    entitlements,
    events,
    funded_owner,
    issue_token,
    new_account,
    new_app,
    of_type,
    orders_of,
    purchase,
    record_usage,
    refund,
    renew,
    review,
    set_refund_review,
    shanghai,
    ts,
    upgrade,
    usage_event,
    voucher,
    vouchers,
)


async def test_F1_refund_purchase_at_120h_approved_and_package_refunded(client):
    """F-1/F-2/F-3/F-4: at exactly paid at + 120 h the refund is approved at once; money back to source;
    package REFUNDED and service stops; REFUND_REQUESTED then REFUND_APPROVED."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    await advance(client, START + timedelta(hours=120))
    r = await refund(client, token, p["order"]["id"])
    assert r["errors"] == []
    assert r["refund"]["status"] == "APPROVED" and r["refund"]["amount"]["amount"] == "1653.26"
    assert r["refund"]["order"]["status"] == "REFUNDED"
    assert (await balance(client, token))["cash"] == "5000.00"
    assert (await application(client, token, app))["package"]["status"] == "REFUNDED"
    ent = await entitlements(client, token, app)
    assert (ent["serviceActive"], ent["featuresUnlocked"], ent["reason"]) == (False, False, "REFUNDED")
    types = [e["type"] for e in await events(client, token) if e["type"] in REFUND_EVENTS]
    assert types == ["REFUND_REQUESTED", "REFUND_APPROVED"]


async def test_F3_refund_returns_sources_excluding_voucher(client):
    """F-3: money goes back amount for amount to the sub-balances it came from; vouchers are not returned."""
    account_id, token = await new_account(client)
    await credit(client, account_id, "500.00", "gift")
    await credit(client, account_id, "500.00", "income")
    await credit(client, account_id, "1000.00", "cash")
    v = await voucher(client, account_id, "100.00", "2027-12-31T00:00:00Z")
    app = await new_app(client, token)
    p = await purchase(client, token, app, vouchers=[v])
    r = await refund(client, token, p["order"]["id"])
    assert r["refund"]["amount"]["amount"] == "1553.26"
    assert await balance(client, token) == {
        "cash": "1000.00",
        "income": "500.00",
        "gift": "500.00",
        "available": "2000.00",
    }
    assert (await vouchers(client, token))[0]["usedAt"] is not None


async def test_F1_refund_package_used(client):
    """F-1: usage recorded for the app after the payment → PACKAGE_USED."""
    _, token = await funded_owner(client, "5000.00")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    await advance(client, START + timedelta(hours=1))
    await record_usage(client, service, [usage_event(app, 5, at=START + timedelta(minutes=30))])
    assert codes(await refund(client, token, p["order"]["id"])) == ["PACKAGE_USED"]


async def test_F1_refund_once_per_account_and_not_for_upgrades(client):
    """F-1: UPGRADE orders → ORDER_NOT_REFUNDABLE; one approved no-reason refund per account → REFUND_ALREADY_USED."""
    _, token = await funded_owner(client)
    app1, app2 = await new_app(client, token, "a"), await new_app(client, token, "b")
    p1 = await purchase(client, token, app1)
    p2 = await purchase(client, token, app2)
    u = await upgrade(client, token, app2, "ADVANCED")
    assert codes(await refund(client, token, u["order"]["id"])) == ["ORDER_NOT_REFUNDABLE"]
    assert (await refund(client, token, p1["order"]["id"]))["refund"]["status"] == "APPROVED"
    assert codes(await refund(client, token, p1["order"]["id"], idem="twice")) == ["ORDER_NOT_REFUNDABLE"]
    assert codes(await refund(client, token, p2["order"]["id"])) == ["REFUND_ALREADY_USED"]


async def test_F2_refund_review_pending_then_approved(client):
    """F-2: a flagged account's request waits as PENDING_REVIEW until reviewRefund; approve executes it."""
    account_id, token = await funded_owner(client, "5000.00")
    await set_refund_review(client, account_id, True)
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    r = await refund(client, token, p["order"]["id"])
    assert r["errors"] == [] and r["refund"]["status"] == "PENDING_REVIEW"
    assert r["refund"]["order"]["status"] == "PAID"
    assert (await application(client, token, app))["package"]["status"] == "ACTIVE"
    rv = await review(client, r["refund"]["id"], True, "ok")
    assert rv["errors"] == [] and rv["refund"]["status"] == "APPROVED"
    assert rv["refund"]["order"]["status"] == "REFUNDED"
    assert (await application(client, token, app))["package"]["status"] == "REFUNDED"
    types = [e["type"] for e in await events(client, token) if e["type"] in REFUND_EVENTS]
    assert types == ["REFUND_REQUESTED", "REFUND_APPROVED"]


async def test_F2_refund_review_rejected(client):
    """F-2/V-1: a rejected review raises REFUND_REJECTED and the order stays PAID."""
    account_id, token = await funded_owner(client, "5000.00")
    await set_refund_review(client, account_id, True)
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    r = await refund(client, token, p["order"]["id"])
    rv = await review(client, r["refund"]["id"], False, "no")
    assert rv["errors"] == [] and rv["refund"]["status"] == "REJECTED"
    assert rv["refund"]["order"]["status"] == "PAID"
    assert of_type(await events(client, token), "REFUND_REJECTED")


async def test_F4_refund_renewal_removes_added_period(client):
    """F-4: refunding a RENEWAL removes the period it added; the package stays ACTIVE to its old expiry."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    r = await renew(client, token, app, months=2)
    assert ts(r["package"]["expiresAt"]) == shanghai(2027, 4, 10)
    f = await refund(client, token, r["order"]["id"])
    assert f["errors"] == [] and f["refund"]["amount"]["amount"] == "5998.00"
    pkg = (await application(client, token, app))["package"]
    assert pkg["status"] == "ACTIVE" and ts(pkg["expiresAt"]) == EXPIRY_1M


async def test_F1_refund_of_renewal_blocked_by_usage_in_the_period_it_added(client):
    """F-1: for a RENEWAL, usage inside the period it added gives PACKAGE_USED (here the renewal restarted an
    expired package at 02-12, so usage at 02-12 00:30 is inside it)."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, shanghai(2027, 2, 12))
    r = await renew(client, token, app, months=1)
    await advance(client, shanghai(2027, 2, 12, 1))
    await record_usage(client, service, [usage_event(app, 10, at=shanghai(2027, 2, 12, 0, 30))])
    assert codes(await refund(client, token, r["order"]["id"])) == ["PACKAGE_USED"]


async def test_F1_purchase_refund_ignores_usage_before_payment(client):
    """F-1: for a PURCHASE only usage from its payment on counts."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await record_usage(client, service, [usage_event(app, 10)])
    await advance(client, START + timedelta(hours=2))
    p = await purchase(client, token, app)
    r = await refund(client, token, p["order"]["id"])
    assert r["errors"] == [] and r["refund"]["status"] == "APPROVED"


async def test_F1_refund_check_order_used_before_already_refunded(client):
    """F-1: checks in order — ORDER_NOT_REFUNDABLE (POSTPAID) first; PACKAGE_USED comes before REFUND_ALREADY_USED."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app1, app2, bare = (
        await new_app(client, token, "a"),
        await new_app(client, token, "b"),
        await new_app(client, token, "bare"),
    )
    p1, p2 = await purchase(client, token, app1), await purchase(client, token, app2)
    await record_usage(client, service, [usage_event(bare, 1000), usage_event(app2, 10)])
    await advance(client, shanghai(2027, 1, 11, 1))
    post = await orders_of(client, token, kind="POSTPAID")
    assert codes(await refund(client, token, post[0]["id"])) == ["ORDER_NOT_REFUNDABLE"]
    assert (await refund(client, token, p1["order"]["id"]))["errors"] == []
    assert codes(await refund(client, token, p2["order"]["id"])) == ["PACKAGE_USED"]
