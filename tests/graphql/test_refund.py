"""SPEC F-1…F-4 (the 5-day no-reason refund), its review, B-7, B-8, V-1, H-1 and H-2, through the API."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

from app.domain.accounts.models import Account
from app.domain.orders.models import Order
from app.domain.packages.models import Package
from app.domain.refunds.models import Refund
from app.domain.usage.models import UsageRecord
from app.domain.usage.rating import local_day
from tests.conftest import OPERATOR, START
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
    key,
    purchase,
    renew,
    voucher,
    vouchers,
)

REFUND_FIELDS = """refund { id status amount { amount } note createdAt decidedAt
  returned { voucher { amount } gift { amount } income { amount } cash { amount } }
  order { id kind status amount { amount } } }
  errors { code field message }"""
REQUEST = f"mutation($o: ID!, $k: String!) {{ requestRefund(orderId: $o, idempotencyKey: $k) {{ {REFUND_FIELDS} }} }}"
REVIEW = f"""mutation($r: ID!, $ok: Boolean!, $note: String) {{
  reviewRefund(refundId: $r, approve: $ok, note: $note) {{ {REFUND_FIELDS} }} }}"""
SET_REVIEW = """mutation($a: ID!, $req: Boolean!) {
  setRefundReview(accountId: $a, required: $req) { account { id } errors { code } } }"""
REFUNDS = "{ refunds { id status amount { amount } order { id kind status } createdAt } }"
REFUNDS_OPERATOR = """query($s: RefundStatus, $a: ID) { refunds(status: $s, accountId: $a) {
  id status order { id } } }"""
UPGRADE = """mutation($app: Int!, $e: EditionCode!) { upgradePackage(input: {sdkAppId: $app, targetEdition: $e,
  idempotencyKey: "up-1"}) { order { id amount { amount } } errors { code } } }"""
ENTITLEMENTS = "query($app: Int!) { entitlements(sdkAppId: $app) { serviceActive reason featuresUnlocked } }"

FEB10 = datetime(2027, 2, 9, 16, 0, tzinfo=UTC)  # START + 1 month: 2027-02-10 00:00 Asia/Shanghai
WINDOW = timedelta(hours=120)


async def request_refund(client, token, order_id, idem=None) -> dict:
    return data(await gql(client, REQUEST, {"o": order_id, "k": idem or key()}, token))["requestRefund"]


async def review(client, refund_id, approve, note=None) -> dict:
    return data(await gql(client, REVIEW, {"r": refund_id, "ok": approve, "note": note}, OPERATOR))["reviewRefund"]


async def set_review(client, account_id, required=True) -> None:
    payload = data(await gql(client, SET_REVIEW, {"a": account_id, "req": required}, OPERATOR))["setRefundReview"]
    assert payload["errors"] == [] and payload["account"]["id"] == account_id


async def refunds(client, token) -> list[dict]:
    return data(await gql(client, REFUNDS, token=token))["refunds"]


async def owner(client, cash="100000.00", name="Acme"):
    account_id, token = await new_account(client, name=name)
    await credit(client, account_id, cash)
    return account_id, token


async def bought(client, edition="BASIC", months=1, cash="100000.00"):
    """(account id, token, app, purchase order id); BASIC 1 month first order costs 1653.26."""
    account_id, token = await owner(client, cash)
    app = await new_app(client, token)
    result = await purchase(client, token, app, edition, months)
    assert result["errors"] == [], result
    return account_id, token, app, result["order"]["id"]


async def use(app: int, at: datetime, minutes: int = 10) -> None:
    """Usage recorded for the app (inserted directly: the ingestion path is tested in its own suite)."""
    package = await Package.filter(application_id=app).order_by("-id").first()
    await UsageRecord.create(
        event_id=f"ev-{app}-{at.timestamp()}-{minutes}",
        sdk_app_id=app,
        account_id=package.account_id,
        kind="AUDIO",
        minutes=minutes,
        standard_minutes=minutes,
        occurred_at=at,
        day=local_day(at),
        recorded_at=at,
        package_id=package.id,
    )


def event_types(found: list[dict]) -> list[str]:
    return [e["type"] for e in found]


# ---------------------------------------------------------------- F-2, F-3, F-4: a purchase refunded at once


async def test_F4_purchase_refund_is_approved_at_once_and_ends_the_package(client):
    account_id, token, app, order_id = await bought(client)
    assert (await balance(client, token))["cash"] == "98346.74"
    result = await request_refund(client, token, order_id)
    assert result["errors"] == []
    refund = result["refund"]
    assert (refund["status"], refund["amount"]["amount"]) == ("APPROVED", "1653.26")
    assert refund["order"] == {
        "id": order_id,
        "kind": "PURCHASE",
        "status": "REFUNDED",
        "amount": {"amount": "1653.26"},
    }
    assert datetime.fromisoformat(refund["createdAt"]) == START == datetime.fromisoformat(refund["decidedAt"])
    assert (await balance(client, token))["cash"] == "100000.00"
    package = (await application(client, token, app))["package"]
    assert (package["status"], package["autoRenew"]) == ("REFUNDED", False)
    row = await Package.get(application_id=app)
    assert (row.ended_at, row.next_due_at) == (START, None)
    # service stops (N-1)
    service = await issue_token(client, "SERVICE")
    shown = data(await gql(client, ENTITLEMENTS, {"app": app}, service))["entitlements"]
    assert (shown["serviceActive"], shown["reason"], shown["featuresUnlocked"]) == (False, "REFUNDED", False)
    # V-1: REQUESTED then APPROVED
    found = [e for e in await events(client, token) if e["type"].startswith("REFUND_")]
    assert event_types(found) == ["REFUND_REQUESTED", "REFUND_APPROVED"]
    body = json.loads(found[1]["data"])
    assert (body["refundId"], body["orderId"], body["amount"], body["packageStatus"]) == (
        refund["id"],
        order_id,
        "1653.26",
        "REFUNDED",
    )
    assert found[1]["sdkAppId"] == app
    listed = await refunds(client, token)
    assert [(r["id"], r["status"], r["amount"]["amount"]) for r in listed] == [(refund["id"], "APPROVED", "1653.26")]
    # the app may be bought again; nothing more is timed on the refunded package
    await advance(client, FEB10 + timedelta(days=1))
    assert (await application(client, token, app))["package"]["status"] == "REFUNDED"
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    await assert_audit_clean()


async def test_F3_money_goes_back_to_its_sources_and_the_voucher_is_forfeited(client):
    account_id, token = await owner(client, "1000.00")
    await credit(client, account_id, "300.00", "gift")
    await credit(client, account_id, "500.00", "income")
    ticket = await voucher(client, account_id, "200.00")
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1, vouchers=[ticket])
    paid = {k: v["amount"] for k, v in result["order"]["paid"].items()}
    assert paid == {"voucher": "200.00", "gift": "300.00", "income": "500.00", "cash": "653.26"}
    assert await balance(client, token) == {"cash": "346.74", "income": "0.00", "gift": "0.00", "available": "346.74"}
    refund = (await request_refund(client, token, result["order"]["id"]))["refund"]
    assert refund["status"] == "APPROVED"
    assert refund["amount"]["amount"] == "1453.26"  # 1653.26 − the 200.00 voucher
    assert {k: v["amount"] for k, v in refund["returned"].items()} == {
        "voucher": "0.00",
        "gift": "300.00",
        "income": "500.00",
        "cash": "653.26",
    }
    assert await balance(client, token) == {
        "cash": "1000.00",
        "income": "500.00",
        "gift": "300.00",
        "available": "1800.00",
    }
    used = [v for v in await vouchers(client, token) if v["id"] == ticket]
    assert used[0]["usedAt"] is not None  # vouchers are never returned
    await assert_audit_clean()


# ---------------------------------------------------------------- F-1: the window, and the order of checks


async def test_F1_window_exactly_120_hours_after_payment_passes(client):
    _, token, _, order_id = await bought(client)
    await advance(client, START + WINDOW)
    assert (await request_refund(client, token, order_id))["refund"]["status"] == "APPROVED"
    await assert_audit_clean()


async def test_F1_window_one_second_after_120_hours_is_expired(client):
    _, token, _, order_id = await bought(client)
    await advance(client, START + WINDOW + timedelta(seconds=1))
    result = await request_refund(client, token, order_id)
    assert codes(result) == ["REFUND_WINDOW_EXPIRED"] and result["refund"] is None
    assert (await balance(client, token))["cash"] == "98346.74"
    assert await Refund.all().count() == 0
    await assert_audit_clean()


async def test_F1_window_runs_from_the_payment_not_from_the_purchase_of_the_package(client):
    # a renewal paid on day 4 of a package may be refunded until its own payment + 120 h
    _, token, app, _ = await bought(client)
    await advance(client, START + timedelta(days=4))
    renewal = (await renew(client, token, app, 1))["order"]["id"]
    await advance(client, START + timedelta(days=9))
    assert (await request_refund(client, token, renewal))["refund"]["status"] == "APPROVED"
    await assert_audit_clean()


async def test_F1_a_too_old_and_used_order_is_refused_for_the_window_first(client):
    _, token, app, order_id = await bought(client)
    await use(app, START + timedelta(hours=1))
    await advance(client, START + WINDOW + timedelta(hours=1))
    assert codes(await request_refund(client, token, order_id)) == ["REFUND_WINDOW_EXPIRED"]


async def test_F1_used_package_is_refused(client):
    _, token, app, order_id = await bought(client)
    await use(app, START + timedelta(hours=1))
    await advance(client, START + timedelta(hours=2))
    assert codes(await request_refund(client, token, order_id)) == ["PACKAGE_USED"]


async def test_F1_usage_before_the_payment_does_not_count(client):
    account_id, token = await owner(client)
    app = await new_app(client, token)
    await UsageRecord.create(
        event_id="before",
        sdk_app_id=app,
        account_id=int(account_id),
        kind="AUDIO",
        minutes=5,
        standard_minutes=5,
        occurred_at=START - timedelta(minutes=1),
        day=local_day(START - timedelta(minutes=1)),
        recorded_at=START,
    )
    order_id = (await purchase(client, token, app, "BASIC", 1))["order"]["id"]
    await use(app, START + timedelta(hours=1), minutes=0)  # a 0-minute event is no usage
    assert (await request_refund(client, token, order_id))["refund"]["status"] == "APPROVED"
    await assert_audit_clean()


async def test_F1_banned_account_is_refused_first(client):
    account_id, token, app, order_id = await bought(client)
    await use(app, START + timedelta(hours=1))
    await advance(client, START + WINDOW + timedelta(hours=1))
    await Account.filter(id=int(account_id)).update(status="BANNED")
    assert codes(await request_refund(client, token, order_id)) == ["ACCOUNT_BANNED"]


async def test_F1_upgrade_and_refunded_orders_are_not_refundable(client):
    _, token, app, order_id = await bought(client)
    await advance(client, "2027-01-25T00:00:00+08:00")
    upgraded = data(await gql(client, UPGRADE, {"app": app, "e": "ADVANCED"}, token))["upgradePackage"]
    assert upgraded["errors"] == []
    # an UPGRADE order fails on its kind before the window (it is 0 h old, the purchase 360 h)
    assert codes(await request_refund(client, token, upgraded["order"]["id"])) == ["ORDER_NOT_REFUNDABLE"]
    assert codes(await request_refund(client, token, order_id)) == ["REFUND_WINDOW_EXPIRED"]


async def test_F1_a_refunded_order_is_not_refundable_again(client):
    _, token, _, order_id = await bought(client)
    assert (await request_refund(client, token, order_id))["refund"]["status"] == "APPROVED"
    assert codes(await request_refund(client, token, order_id)) == ["ORDER_NOT_REFUNDABLE"]
    await assert_audit_clean()


async def test_F1_one_refund_per_account(client):
    account_id, token, _, first = await bought(client)
    app2 = await new_app(client, token, "second")
    second = (await purchase(client, token, app2, "ADVANCED", 1))["order"]["id"]
    assert (await request_refund(client, token, first))["refund"]["status"] == "APPROVED"
    result = await request_refund(client, token, second)
    assert codes(result) == ["REFUND_ALREADY_USED"]
    # PACKAGE_USED comes before REFUND_ALREADY_USED
    await use(app2, START + timedelta(minutes=5))
    await advance(client, START + timedelta(minutes=10))
    assert codes(await request_refund(client, token, second)) == ["PACKAGE_USED"]
    await assert_audit_clean()


async def test_F1_postpaid_or_unknown_orders(client):
    _, token, _, _ = await bought(client)
    assert codes(await request_refund(client, token, "999999")) == ["NOT_FOUND"]
    assert codes(await request_refund(client, token, "not-an-id")) == ["NOT_FOUND"]


# ---------------------------------------------------------------- F-4: renewals


async def test_F4_renewal_refund_removes_exactly_the_added_period(client):
    _, token, app, _ = await bought(client)
    await advance(client, START + timedelta(days=2))
    renewal = await renew(client, token, app, 2)  # 5998.00, to 2027-04-10
    assert renewal["order"]["amount"]["amount"] == "5998.00"
    before_refund = await balance(client, token)
    refund = (await request_refund(client, token, renewal["order"]["id"]))["refund"]
    assert (refund["status"], refund["amount"]["amount"]) == ("APPROVED", "5998.00")
    package = (await application(client, token, app))["package"]
    assert package["status"] == "ACTIVE"
    assert [datetime.fromisoformat(package[k]["expiresAt"]) for k in ("rtc", "im")] == [FEB10, FEB10]
    assert datetime.fromisoformat(package["rtc"]["startsAt"]) == START
    row = await Package.get(application_id=app)
    assert (row.rtc_months, row.im_months) == (1, 1)
    assert row.next_due_at == FEB10 - timedelta(days=7)  # reminders re-armed for the old expiry
    assert float((await balance(client, token))["cash"]) == float(before_refund["cash"]) + 5998.00
    # the purchase itself stays paid
    orders = {o.kind: o.status for o in await Order.all()}
    assert orders == {"PURCHASE": "PAID", "RENEWAL": "REFUNDED"}
    # and the package now expires at the old date
    await advance(client, FEB10)
    assert (await application(client, token, app))["package"]["status"] == "EXPIRED"
    await assert_audit_clean()


async def test_F4_rtc_only_renewal_refund_keeps_the_im_period(client):
    _, token, app, _ = await bought(client)
    assert (await renew(client, token, app, 1, "IM_ONLY"))["errors"] == []
    rtc = (await renew(client, token, app, 2, "RTC_ONLY"))["order"]["id"]
    refund = (await request_refund(client, token, rtc))["refund"]
    assert refund["amount"]["amount"] == "3000.00"
    package = (await application(client, token, app))["package"]
    assert datetime.fromisoformat(package["rtc"]["expiresAt"]) == FEB10
    assert datetime.fromisoformat(package["im"]["expiresAt"]) == datetime(2027, 3, 9, 16, 0, tzinfo=UTC)
    await assert_audit_clean()


async def test_F4_renewal_refund_after_a_later_renewal_subtracts_its_months(client):
    _, token, app, _ = await bought(client)
    first = (await renew(client, token, app, 1))["order"]["id"]  # to 03-10
    assert (await renew(client, token, app, 2, "RTC_ONLY"))["errors"] == []  # RTC to 05-10
    refund = (await request_refund(client, token, first))["refund"]
    assert refund["amount"]["amount"] == "2999.00"
    package = (await application(client, token, app))["package"]
    # RTC: 1 + 1 + 2 months from the anchor, less this order's 1 → 04-10; IM restored to 02-10
    assert datetime.fromisoformat(package["rtc"]["expiresAt"]) == datetime(2027, 4, 9, 16, 0, tzinfo=UTC)
    assert datetime.fromisoformat(package["im"]["expiresAt"]) == FEB10
    row = await Package.get(application_id=app)
    assert (row.rtc_anchor, row.rtc_months, row.im_months) == (START, 3, 1)
    await assert_audit_clean()


async def test_F4_refunding_a_restarting_renewal_gives_back_the_ended_period(client):
    _, token, app, _ = await bought(client)
    restart = FEB10 + timedelta(days=2)
    await advance(client, restart)
    assert (await application(client, token, app))["package"]["status"] == "EXPIRED"
    renewal = await renew(client, token, app, 1)  # restarts from now with a new anchor
    assert renewal["package"]["status"] == "ACTIVE"
    assert datetime.fromisoformat(renewal["package"]["rtc"]["startsAt"]) == restart
    await advance(client, restart + timedelta(hours=3))
    refund = (await request_refund(client, token, renewal["order"]["id"]))["refund"]
    assert refund["status"] == "APPROVED"
    package = (await application(client, token, app))["package"]
    assert package["status"] == "EXPIRED"
    assert datetime.fromisoformat(package["rtc"]["startsAt"]) == START
    assert datetime.fromisoformat(package["expiresAt"]) == FEB10
    expired = [e for e in await events(client, token, app) if e["type"] == "PACKAGE_EXPIRED"]
    assert [json.loads(e["data"]).get("reason") for e in expired] == [None, "REFUND"]
    await assert_audit_clean()


async def test_F1_renewal_usage_counts_only_inside_the_added_period(client):
    _, token, app, _ = await bought(client)
    await use(app, START + timedelta(hours=1))  # used during the purchase's period
    await advance(client, FEB10 - timedelta(days=2))
    renewal = (await renew(client, token, app, 1))["order"]["id"]  # adds 02-10 → 03-10
    await advance(client, FEB10 + timedelta(hours=12))
    await use(app, FEB10 - timedelta(hours=1))  # still in the old period
    assert (await request_refund(client, token, renewal, "probe"))["refund"]["status"] == "APPROVED"
    await assert_audit_clean()


async def test_F1_renewal_used_inside_its_added_period(client):
    _, token, app, _ = await bought(client)
    await advance(client, FEB10 - timedelta(days=2))
    renewal = (await renew(client, token, app, 1))["order"]["id"]
    await advance(client, FEB10 + timedelta(hours=12))
    await use(app, FEB10 + timedelta(hours=1))
    assert codes(await request_refund(client, token, renewal)) == ["PACKAGE_USED"]


async def test_F1_a_renewal_followed_by_an_upgrade_is_not_refundable(client):
    _, token, app, _ = await bought(client)
    renewal = (await renew(client, token, app, 1))["order"]["id"]
    assert data(await gql(client, UPGRADE, {"app": app, "e": "ADVANCED"}, token))["upgradePackage"]["errors"] == []
    assert codes(await request_refund(client, token, renewal)) == ["ORDER_NOT_REFUNDABLE"]


async def test_F4_purchase_refund_takes_its_later_package_orders_with_it(client):
    _, token, app, order_id = await bought(client)
    assert (await renew(client, token, app, 1))["errors"] == []  # 2999.00
    await advance(client, "2027-01-12T00:00:00+08:00")
    upgraded = data(await gql(client, UPGRADE, {"app": app, "e": "ADVANCED"}, token))["upgradePackage"]
    assert upgraded["errors"] == []
    charged = 165326 + 299900 + int(upgraded["order"]["amount"]["amount"].replace(".", ""))
    refund = (await request_refund(client, token, order_id))["refund"]
    assert int(refund["amount"]["amount"].replace(".", "")) == charged
    assert (await balance(client, token))["cash"] == "100000.00"
    assert {o.status for o in await Order.all()} == {"REFUNDED"}
    assert (await application(client, token, app))["package"]["status"] == "REFUNDED"
    await assert_audit_clean()


# ---------------------------------------------------------------- F-2: review


async def test_F2_flagged_account_waits_for_review_then_rejected_then_approved(client):
    account_id, token, app, order_id = await bought(client)
    await set_review(client, account_id, True)
    pending = (await request_refund(client, token, order_id))["refund"]
    assert (pending["status"], pending["amount"]["amount"], pending["decidedAt"]) == ("PENDING_REVIEW", "1653.26", None)
    assert pending["order"]["status"] == "PAID"
    assert (await balance(client, token))["cash"] == "98346.74"  # nothing moved yet
    assert (await application(client, token, app))["package"]["status"] == "ACTIVE"
    # another request of the account while one is pending
    app2 = await new_app(client, token, "second")
    other = (await purchase(client, token, app2, "BASIC", 1))["order"]["id"]
    assert codes(await request_refund(client, token, other)) == ["REFUND_ALREADY_USED"]
    # operators see the queue
    queue = data(await gql(client, REFUNDS_OPERATOR, {"s": "PENDING_REVIEW"}, OPERATOR))["refunds"]
    assert [r["id"] for r in queue] == [pending["id"]]
    await advance(client, START + timedelta(hours=1))
    rejected = await review(client, pending["id"], False, "duplicate request")
    assert rejected["errors"] == []
    assert (rejected["refund"]["status"], rejected["refund"]["note"]) == ("REJECTED", "duplicate request")
    assert codes(await review(client, pending["id"], True)) == ["REFUND_NOT_PENDING"]
    assert (await balance(client, token))["cash"] == "95883.72"  # 100000 − 1653.26 − 2463.02 (ALL_CUSTOMERS)
    # a rejected request does not use up the refund: ask again, and this time it is approved
    again = (await request_refund(client, token, order_id))["refund"]
    assert again["status"] == "PENDING_REVIEW" and again["id"] != pending["id"]
    await advance(client, START + timedelta(hours=2))
    approved = (await review(client, again["id"], True, "ok"))["refund"]
    assert (approved["status"], approved["amount"]["amount"]) == ("APPROVED", "1653.26")
    assert datetime.fromisoformat(approved["decidedAt"]) == START + timedelta(hours=2)
    assert (await balance(client, token))["cash"] == "97536.98"  # + 1653.26
    assert (await application(client, token, app))["package"]["status"] == "REFUNDED"
    assert codes(await review(client, again["id"], False)) == ["REFUND_NOT_PENDING"]
    assert event_types([e for e in await events(client, token) if e["type"].startswith("REFUND")]) == [
        "REFUND_REVIEW_CHANGED",
        "REFUND_REQUESTED",
        "REFUND_REJECTED",
        "REFUND_REQUESTED",
        "REFUND_APPROVED",
    ]
    assert codes(await request_refund(client, token, other)) == ["REFUND_ALREADY_USED"]
    # unflagged again: requests are decided at once (and this account's refund is used)
    await set_review(client, account_id, False)
    assert not (await Account.get(id=int(account_id))).refund_review_required
    await assert_audit_clean()


async def test_F2_approval_rechecks_usage_during_the_review(client):
    account_id, token, app, order_id = await bought(client)
    await set_review(client, account_id, True)
    pending = (await request_refund(client, token, order_id))["refund"]
    await use(app, START + timedelta(minutes=30))
    await advance(client, START + timedelta(hours=1))
    assert codes(await review(client, pending["id"], True)) == ["PACKAGE_USED"]
    assert (await Refund.get(id=int(pending["id"]))).status == "PENDING_REVIEW"  # the operator may still reject
    assert (await review(client, pending["id"], False, "used"))["refund"]["status"] == "REJECTED"
    await assert_audit_clean()


async def test_F2_review_needs_an_operator_and_a_real_refund(client):
    account_id, token, _, order_id = await bought(client)
    await set_review(client, account_id, True)
    pending = (await request_refund(client, token, order_id))["refund"]
    forbidden = await gql(client, REVIEW, {"r": pending["id"], "ok": True}, token)
    assert error_codes(forbidden) == ["FORBIDDEN"]
    assert error_codes(await gql(client, SET_REVIEW, {"a": account_id, "req": False}, token)) == ["FORBIDDEN"]
    assert codes(await review(client, "424242", True)) == ["NOT_FOUND"]
    assert codes(await review(client, pending["id"], False, "x" * 201)) == ["INVALID_NOTE"]
    payload = data(await gql(client, SET_REVIEW, {"a": "424242", "req": True}, OPERATOR))["setRefundReview"]
    assert codes(payload) == ["NOT_FOUND"]


# ---------------------------------------------------------------- concurrency, B-8, H-1, H-2


async def test_F1_concurrent_requests_of_one_account_approve_exactly_one(client):
    for round in range(3):
        account_id, token = await owner(client, "200000.00", name=f"Racer {round}")
        orders = []
        for i in range(10):
            app = await new_app(client, token, f"app {i}")
            result = await purchase(client, token, app, "BASIC", 1)
            assert result["errors"] == [], result
            orders.append(result["order"]["id"])
        results = await asyncio.gather(*[request_refund(client, token, o) for o in orders])
        approved = [r for r in results if r["refund"] is not None]
        assert len(approved) == 1 and approved[0]["refund"]["status"] == "APPROVED"
        assert sorted(code for r in results for code in codes(r)) == ["REFUND_ALREADY_USED"] * 9
        assert await Refund.filter(account_id=int(account_id)).count() == 1
        assert await Order.filter(account_id=int(account_id), status="REFUNDED").count() == 1
        await assert_audit_clean()


async def test_B8_request_refund_is_idempotent(client):
    _, token, _, order_id = await bought(client)
    idem = key()
    first = await request_refund(client, token, order_id, idem)
    again = await request_refund(client, token, order_id, idem)
    assert again["refund"]["id"] == first["refund"]["id"]
    assert (await balance(client, token))["cash"] == "100000.00"  # returned once
    assert codes(await request_refund(client, token, order_id)) == ["ORDER_NOT_REFUNDABLE"]
    assert codes(await request_refund(client, token, "12345", idem)) == ["IDEMPOTENCY_KEY_REUSED"]
    payload = data(await gql(client, REQUEST, {"o": order_id, "k": ""}, token))["requestRefund"]
    assert codes(payload) == ["INVALID_IDEMPOTENCY_KEY"]
    await assert_audit_clean()


async def test_B8_concurrent_requests_with_one_key_refund_once(client):
    _, token, _, order_id = await bought(client)
    idem = key()
    results = await asyncio.gather(*[request_refund(client, token, order_id, idem) for _ in range(5)])
    assert all(r["errors"] == [] for r in results)
    assert len({r["refund"]["id"] for r in results}) == 1
    assert (await balance(client, token))["cash"] == "100000.00"
    await assert_audit_clean()


async def test_H2_another_accounts_order_is_not_found(client):
    _, _, _, order_id = await bought(client)
    _, stranger = await owner(client, name="Stranger")
    assert codes(await request_refund(client, stranger, order_id)) == ["NOT_FOUND"]
    assert await refunds(client, stranger) == []
    assert await Refund.all().count() == 0


async def test_H1_partner_scopes_and_refund_lists(client):
    account_id, token, _, order_id = await bought(client)
    reader = await issue_token(client, "PARTNER", account_id, ["orders:read"])
    writer = await issue_token(client, "PARTNER", account_id, ["refunds:write"])
    variables = {"o": order_id, "k": key()}
    assert error_codes(await gql(client, REQUEST, variables, reader)) == ["FORBIDDEN"]
    assert error_codes(await gql(client, REFUNDS, token=writer)) == ["FORBIDDEN"]
    assert error_codes(await gql(client, REFUNDS)) == ["UNAUTHENTICATED"]
    refund = data(await gql(client, REQUEST, variables, writer))["requestRefund"]["refund"]
    assert refund["status"] == "APPROVED"
    assert [r["id"] for r in await refunds(client, reader)] == [refund["id"]]
    # H-3 (issue 16): a customer may name its own account; another account's id is NOT_FOUND
    # (tests/graphql/test_hostile_input.py)
    own = data(await gql(client, REFUNDS_OPERATOR, {"a": account_id}, token))["refunds"]
    assert [r["id"] for r in own] == [refund["id"]]
    listed = data(await gql(client, REFUNDS_OPERATOR, {"a": account_id}, OPERATOR))["refunds"]
    assert [r["id"] for r in listed] == [refund["id"]]
    await assert_audit_clean()
