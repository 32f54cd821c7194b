"""F-1…F-4 straight against app.domain.refunds.service (no HTTP): eligibility in SPEC order, the
review flow, money back per sub-balance, and what a refund does to the package's periods."""

from datetime import timedelta

import pytest

from app.domain.accounts import banning, funding
from app.domain.accounts.models import Voucher
from app.domain.errors import DomainError
from app.domain.ledger import audit
from app.domain.orders.models import Order
from app.domain.refunds import service as refunds
from app.domain.refunds.models import Refund
from app.domain.timers import package_sweep
from app.domain.usage import settlement
from tests.domain.builders import (
    APR_10,
    DAY,
    FEB_10,
    MAR_10,
    SECOND,
    START,
    at,
    balances,
    buy,
    caller,
    events,
    fund,
    owner,
    package_of,
    renew,
    shanghai,
    use,
)
from tests.domain.builders import app as new_app

WINDOW = timedelta(hours=120)
HOUR_ = timedelta(hours=1)
BASIC_FIRST = 165326  # B-4: BASIC 1 month, first order 1653.26
BASIC_MONTH = 299900  # 1500.00 + 1499.00


async def refused(account, order_id, when) -> tuple[str, str | None]:
    with pytest.raises(DomainError) as excinfo:
        await refunds.request(caller(account), order_id, at=when)
    return excinfo.value.code, excinfo.value.field


async def bought(fen=BASIC_FIRST, months=1, auto_renew=False):
    """An owner with `fen` of cash who bought BASIC for a new app at the clock's instant."""
    account = await owner()
    await fund(account, fen)
    sdk_app_id = await new_app(account)
    order = await buy(account, sdk_app_id, "BASIC", months, auto_renew=auto_renew)
    return account, sdk_app_id, order


# ---------------------------------------------------------------- F-1 eligibility, in order


async def test_F1_banned_account_is_refused_first():
    account, sdk_app_id, order = await bought()
    await use(sdk_app_id, 10)  # would be PACKAGE_USED
    late = await at(START + WINDOW + DAY)  # would be REFUND_WINDOW_EXPIRED
    await banning.ban(account.id, "content violation", late)
    assert await refused(account, order.id, late) == ("ACCOUNT_BANNED", None)
    assert (await Order.get(id=order.id)).status == "PAID"
    assert await Refund.all().count() == 0
    assert await audit.problems() == []


async def test_F1_postpaid_and_auto_renewal_orders_are_not_refundable_before_the_window_is_checked():
    account, sdk_app_id, purchase = await bought(BASIC_FIRST + BASIC_MONTH + 700, auto_renew=True)
    await use(sdk_app_id, 1, occurred_at=START - SECOND)  # before the package: no allowance, billed
    await settlement.settle_day(START.date(), shanghai(2027, 1, 11, 1))
    [postpaid] = await Order.filter(kind="POSTPAID")
    await package_sweep.sweep(await at(FEB_10))  # auto-renews at the expiry instant
    [renewal] = await Order.filter(kind="AUTO_RENEWAL")
    for order in (postpaid, renewal):
        assert await refused(account, order.id, FEB_10) == ("ORDER_NOT_REFUNDABLE", "orderId"), order.kind
    # the purchase itself is now long past its window
    assert await refused(account, purchase.id, FEB_10) == ("REFUND_WINDOW_EXPIRED", "orderId")
    assert await Refund.all().count() == 0
    assert await audit.problems() == []


async def test_F1_a_refunded_order_is_not_refundable_again():
    account, _, order = await bought()
    await refunds.request(caller(account), order.id, at=START + DAY)
    # ORDER_NOT_REFUNDABLE (the order is no longer PAID) comes before REFUND_ALREADY_USED
    assert await refused(account, order.id, START + DAY) == ("ORDER_NOT_REFUNDABLE", "orderId")
    assert await audit.problems() == []


async def test_F1_refund_at_exactly_paid_plus_120h_is_approved():
    account, _, order = await bought()
    refund = await refunds.request(caller(account), order.id, at=await at(START + WINDOW))
    assert (refund.status, refund.amount_fen, refund.decided_at) == ("APPROVED", BASIC_FIRST, START + WINDOW)
    assert await balances(account) == (BASIC_FIRST, 0, 0)
    assert await audit.problems() == []


async def test_F1_refund_one_second_after_120h_is_window_expired():
    account, _, order = await bought()
    late = await at(START + WINDOW + SECOND)
    assert await refused(account, order.id, late) == ("REFUND_WINDOW_EXPIRED", "orderId")
    assert (await Order.get(id=order.id)).status == "PAID"
    assert (await package_of(order.sdk_app_id)).status == "ACTIVE"
    assert await balances(account) == (0, 0, 0)
    assert await audit.problems() == []


async def test_F1_window_is_checked_before_usage():
    account, sdk_app_id, order = await bought()
    await use(sdk_app_id, 10)
    assert await refused(account, order.id, await at(START + WINDOW + SECOND)) == ("REFUND_WINDOW_EXPIRED", "orderId")


async def test_F1_usage_after_a_purchase_is_package_used():
    account, sdk_app_id, order = await bought()
    await use(sdk_app_id, 1, now=await at(START + HOUR_))
    assert await refused(account, order.id, START + DAY) == ("PACKAGE_USED", "orderId")
    assert (await Order.get(id=order.id)).status == "PAID"
    assert await Refund.all().count() == 0
    assert await audit.problems() == []


async def test_F1_usage_before_the_purchase_does_not_count():
    account = await owner()
    await fund(account, BASIC_FIRST)
    sdk_app_id = await new_app(account)
    await use(sdk_app_id, 5)  # at START, with no package
    await at(START + HOUR_)
    order = await buy(account, sdk_app_id)
    refund = await refunds.request(caller(account), order.id, at=START + DAY)
    assert refund.status == "APPROVED"
    assert await audit.problems() == []


async def test_F1_renewal_usage_counts_only_inside_the_period_it_added():
    account, sdk_app_id, _ = await bought(BASIC_FIRST + BASIC_MONTH)
    await at(START + DAY)
    renewal = await renew(account, sdk_app_id, 1)  # adds 02-10 → 03-10
    await use(sdk_app_id, 100, now=await at(START + 2 * DAY))  # inside the purchase's period only
    refund = await refunds.request(caller(account), renewal.id, at=START + 2 * DAY)
    assert (refund.status, refund.amount_fen) == ("APPROVED", BASIC_MONTH)
    assert await audit.problems() == []


async def test_F1_renewal_used_inside_its_added_period_is_package_used():
    account, sdk_app_id, _ = await bought(BASIC_FIRST + 2 * BASIC_MONTH)
    await at(FEB_10 - 2 * DAY)
    renewal = await renew(account, sdk_app_id, 1)  # adds 02-10 → 03-10
    await use(sdk_app_id, 100, now=await at(FEB_10 + HOUR_))
    assert await refused(account, renewal.id, FEB_10 + DAY) == ("PACKAGE_USED", "orderId")
    assert await audit.problems() == []


async def test_F1_one_no_reason_refund_per_account_and_usage_is_checked_before_it():
    account, _, first = await bought(2 * BASIC_FIRST + 10 * BASIC_MONTH)
    assert (await refunds.request(caller(account), first.id, at=START + HOUR_)).status == "APPROVED"
    await at(START + 2 * HOUR_)
    second_app = await new_app(account, "Second")
    second = await buy(account, second_app)  # no longer a first order: 73% campaign (ALL_CUSTOMERS)
    assert await refused(account, second.id, START + DAY) == ("REFUND_ALREADY_USED", None)
    await use(second_app, 1, now=await at(START + DAY))
    assert await refused(account, second.id, START + DAY) == ("PACKAGE_USED", "orderId")
    assert await Refund.filter(status="APPROVED").count() == 1
    assert await audit.problems() == []


# ---------------------------------------------------------------- F-2 review


async def test_F2_a_flagged_account_waits_for_review_then_approval_executes():
    account, sdk_app_id, order = await bought()
    await refunds.set_review_required(account.id, True, at=START)
    asked = await at(START + DAY)
    refund = await refunds.request(caller(account), order.id, at=asked)
    assert (refund.status, refund.amount_fen, refund.decided_at) == ("PENDING_REVIEW", BASIC_FIRST, None)
    assert await balances(account) == (0, 0, 0)  # nothing moves while it waits
    assert (await Order.get(id=order.id)).status == "PAID"
    assert (await package_of(sdk_app_id)).status == "ACTIVE"
    assert [e.type for e in await events("REFUND_REQUESTED")] == ["REFUND_REQUESTED"]
    assert await events("REFUND_APPROVED") == []
    decided = await at(START + 2 * DAY)
    done = await refunds.review(refund.id, approve=True, note="ok", at=decided)
    assert (done.status, done.note, done.decided_at) == ("APPROVED", "ok", decided)
    assert await balances(account) == (BASIC_FIRST, 0, 0)
    package = await package_of(sdk_app_id)
    assert (package.status, package.ended_at) == ("REFUNDED", decided)
    [approved] = await events("REFUND_APPROVED")
    assert (approved.occurred_at, approved.data["amount"]) == (decided, "1653.26")
    with pytest.raises(DomainError) as excinfo:
        await refunds.review(refund.id, approve=True, note=None, at=decided)
    assert excinfo.value.code == "REFUND_NOT_PENDING"
    assert await audit.problems() == []


async def test_F2_a_pending_request_blocks_another_and_a_rejection_frees_the_account():
    account, sdk_app_id, order = await bought(BASIC_FIRST + 10 * BASIC_MONTH)
    await refunds.set_review_required(account.id, True, at=START)
    other_app = await new_app(account, "Other")
    other = await buy(account, other_app)
    refund = await refunds.request(caller(account), order.id, at=START + HOUR_)
    assert await refused(account, other.id, START + HOUR_) == ("REFUND_ALREADY_USED", None)
    before = await balances(account)
    rejected = await refunds.review(refund.id, approve=False, note="no", at=START + DAY)
    assert (rejected.status, rejected.decided_at) == ("REJECTED", START + DAY)
    assert await balances(account) == before
    assert (await package_of(sdk_app_id)).status == "ACTIVE"
    assert (await Order.get(id=order.id)).status == "PAID"
    assert len(await events("REFUND_REJECTED")) == 1
    # a rejection is not an approved refund: the account may still ask (and waits again)
    again = await refunds.request(caller(account), other.id, at=START + DAY)
    assert again.status == "PENDING_REVIEW"
    assert await audit.problems() == []


async def test_F2_approval_rechecks_usage_recorded_while_waiting():
    account, sdk_app_id, order = await bought()
    await refunds.set_review_required(account.id, True, at=START)
    refund = await refunds.request(caller(account), order.id, at=START + HOUR_)
    await use(sdk_app_id, 3, now=await at(START + 2 * HOUR_))
    with pytest.raises(DomainError) as excinfo:
        await refunds.review(refund.id, approve=True, note=None, at=START + DAY)
    assert excinfo.value.code == "PACKAGE_USED"
    assert (await Refund.get(id=refund.id)).status == "PENDING_REVIEW"  # nothing half-written
    assert await balances(account) == (0, 0, 0)
    assert await audit.problems() == []


# ---------------------------------------------------------------- F-3 money back


async def test_F3_money_goes_back_to_each_sub_balance_and_vouchers_are_not_returned():
    account = await owner()
    await fund(account, 50000, "gift")
    await fund(account, 30000, "income")
    await fund(account, 500000, "cash")
    voucher = await funding.grant_voucher(account.id, 20000, START + 30 * DAY, at=START)
    sdk_app_id = await new_app(account)
    order = await buy(account, sdk_app_id, vouchers=[voucher.id])
    paid = await Order.get(id=order.id)
    # B-5: voucher 200.00, gift 500.00, income 300.00, cash 653.26
    assert (paid.paid_voucher_fen, paid.paid_gift_fen, paid.paid_income_fen, paid.paid_cash_fen) == (
        20000,
        50000,
        30000,
        65326,
    )
    assert await balances(account) == (500000 - 65326, 0, 0)
    refund = await refunds.request(caller(account), order.id, at=await at(START + DAY))
    assert (refund.amount_fen, refund.gift_fen, refund.income_fen, refund.cash_fen) == (145326, 50000, 30000, 65326)
    assert await balances(account) == (500000, 30000, 50000)
    used = await Voucher.get(id=voucher.id)
    assert (used.used_at, used.used_on_order_id) == (START, order.id)
    [approved] = await events("REFUND_APPROVED")
    assert (approved.data["amount"], approved.data["gift"], approved.data["income"], approved.data["cash"]) == (
        "1453.26",
        "500.00",
        "300.00",
        "653.26",
    )
    assert await audit.problems() == []


async def test_F3_an_order_paid_wholly_by_voucher_returns_nothing():
    account = await owner()
    voucher = await funding.grant_voucher(account.id, 200000, START + 30 * DAY, at=START)
    sdk_app_id = await new_app(account)
    order = await buy(account, sdk_app_id, vouchers=[voucher.id])
    refund = await refunds.request(caller(account), order.id, at=START + DAY)
    assert (refund.status, refund.amount_fen) == ("APPROVED", 0)
    assert (await package_of(sdk_app_id)).status == "REFUNDED"
    assert await balances(account) == (0, 0, 0)
    assert (await Voucher.get(id=voucher.id)).used_at == START
    assert await audit.problems() == []


# ---------------------------------------------------------------- F-4 what the package becomes


async def test_F4_refunding_a_purchase_ends_its_package_at_once():
    account, sdk_app_id, order = await bought(auto_renew=True)
    refunded_at = await at(START + 3 * DAY)
    await refunds.request(caller(account), order.id, at=refunded_at)
    package = await package_of(sdk_app_id)
    assert (package.status, package.ended_at, package.auto_renew, package.next_due_at) == (
        "REFUNDED",
        refunded_at,
        False,
        None,
    )
    assert (await Order.get(id=order.id)).status == "REFUNDED"
    # nothing is owed any more: a sweep at its old expiry changes nothing
    await package_sweep.sweep(await at(FEB_10))
    assert (await package_of(sdk_app_id)).status == "REFUNDED"
    assert await events("PACKAGE_EXPIRED") == [] and await events("AUTO_RENEWED") == []
    assert await audit.problems() == []


async def test_F4_refunding_a_purchase_also_refunds_the_later_renewal_of_its_package():
    """docs/decisions.md: prepaid orders later placed on the refunded purchase's package bought time on a
    package that ends, so their money comes back with it."""
    account, sdk_app_id, purchase = await bought(BASIC_FIRST + BASIC_MONTH)
    await at(START + DAY)
    renewal = await renew(account, sdk_app_id, 1)
    refund = await refunds.request(caller(account), purchase.id, at=START + 2 * DAY)
    assert refund.amount_fen == BASIC_FIRST + BASIC_MONTH
    assert {o.id: o.status for o in await Order.all()} == {purchase.id: "REFUNDED", renewal.id: "REFUNDED"}
    assert await balances(account) == (BASIC_FIRST + BASIC_MONTH, 0, 0)
    assert await audit.problems() == []


async def test_F4_refunding_a_renewal_removes_the_period_it_added():
    account, sdk_app_id, _ = await bought(BASIC_FIRST + 2 * BASIC_MONTH)
    await at(START + DAY)
    renewal = await renew(account, sdk_app_id, 2)  # 02-10 → 04-10
    package = await package_of(sdk_app_id)
    assert (package.rtc_expires_at, package.im_expires_at) == (APR_10, APR_10)
    refund = await refunds.request(caller(account), renewal.id, at=await at(START + 2 * DAY))
    assert refund.amount_fen == 2 * BASIC_MONTH
    package = await package_of(sdk_app_id)
    assert (
        package.status,
        package.rtc_expires_at,
        package.im_expires_at,
        package.rtc_months,
        package.im_months,
        package.rtc_anchor,
    ) == ("ACTIVE", FEB_10, FEB_10, 1, 1, START)
    assert package.next_due_at == FEB_10 - 7 * DAY  # the 7-day reminder of the restored expiry
    assert await balances(account) == (2 * BASIC_MONTH, 0, 0)
    assert await audit.problems() == []


async def test_F4_refunding_a_single_component_renewal_keeps_the_other_component():
    account, sdk_app_id, _ = await bought(BASIC_FIRST + 150000)
    await at(START + DAY)
    renewal = await renew(account, sdk_app_id, 1, "RTC_ONLY")  # RTC to 03-10, IM stays 02-10
    assert renewal.amount_fen == 150000
    assert (await package_of(sdk_app_id)).rtc_expires_at == MAR_10
    await refunds.request(caller(account), renewal.id, at=START + 2 * DAY)
    package = await package_of(sdk_app_id)
    assert (package.status, package.rtc_expires_at, package.im_expires_at) == ("ACTIVE", FEB_10, FEB_10)
    assert await audit.problems() == []


async def test_F4_renewal_refund_with_an_overdue_expiry_writes_the_real_expiry_first():
    """Issue 9: the package's IM ran out at 02-10 with no timer run; the refund at 02-11 catches up
    first, so PACKAGE_EXPIRED is written once, at its own instant, and not as caused by the refund."""
    account, sdk_app_id, _ = await bought(BASIC_FIRST + 150000)
    await at(FEB_10 - 2 * DAY)
    renewal = await renew(account, sdk_app_id, 1, "RTC_ONLY")  # RTC 02-10 → 03-10; IM ends 02-10
    refund = await refunds.request(caller(account), renewal.id, at=await at(FEB_10 + DAY))
    assert (refund.status, refund.amount_fen) == ("APPROVED", 150000)
    package = await package_of(sdk_app_id)
    assert (package.status, package.rtc_expires_at, package.im_expires_at) == ("EXPIRED", FEB_10, FEB_10)
    [expired] = await events("PACKAGE_EXPIRED")
    assert expired.occurred_at == FEB_10
    assert expired.data.get("reason") != "REFUND"
    assert expired.data["components"] == ["IM_PRO"]
    assert await audit.problems() == []
