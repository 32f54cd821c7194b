"""Defects of the first version's write path (issue 9), each proven against real PostgreSQL."""

from datetime import timedelta

import pytest
from tortoise import connections
from tortoise.exceptions import IntegrityError, OperationalError

from app.domain.accounts.models import Account
from app.domain.events.models import Event
from app.domain.orders.models import Order
from app.domain.usage.models import UsageRecord
from tests.conftest import START
from tests.factories import issue_token, new_account, new_app
from tests.money import (
    account_state,
    advance,
    assert_audit_clean,
    credit,
    purchase,
    record_usage,
    usage_event,
)


async def test_B7_deleting_an_account_with_orders_is_refused(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "5000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    with pytest.raises((IntegrityError, OperationalError)):
        await Account.filter(id=int(account_id)).delete()
    assert await Order.filter(account_id=int(account_id)).count() == 1
    await assert_audit_clean()


async def test_B7_deleting_a_sub_user_who_placed_orders_is_refused(client):
    owner_id, owner_token = await new_account(client)
    await credit(client, owner_id, "5000.00")
    sub_id, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    app = await new_app(client, owner_token)
    assert (await purchase(client, sub_token, app, "BASIC", 1))["errors"] == []
    with pytest.raises((IntegrityError, OperationalError)):
        await Account.filter(id=int(sub_id)).delete()
    assert await Order.filter(placed_by_id=int(sub_id)).count() == 1


async def test_M3_a_settlement_where_one_app_fails_still_settles_the_others(client):
    """One app's charge fails (a real database trigger refuses its order row): the other apps of the
    day are settled and committed, the schedule moves on, and the failed app is billed by the next
    run once the fault is gone (its usage stays unclaimed, nothing is half-written)."""
    service = await issue_token(client, "SERVICE")
    apps = []
    for n in range(3):
        account_id, token = await new_account(client, name=f"A{n}")
        await credit(client, account_id, "100.00")
        apps.append((account_id, token, await new_app(client, token)))
    broken = apps[1][2]
    assert (await record_usage(client, service, [usage_event(app, 1_000) for _, _, app in apps]))["accepted"] == 3
    conn = connections.get("default")
    await conn.execute_script(f"""
        CREATE FUNCTION refuse_order() RETURNS trigger AS $$
        BEGIN IF NEW.sdk_app_id = {broken} THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER refuse_order BEFORE INSERT ON billing_order FOR EACH ROW EXECUTE FUNCTION refuse_order();
    """)
    try:
        await advance(client, START + timedelta(days=1, hours=1))  # 01-11 01:00 Asia/Shanghai
    finally:
        await conn.execute_script("DROP TRIGGER refuse_order ON billing_order; DROP FUNCTION refuse_order();")
    settled = {o.sdk_app_id: o.amount_fen for o in await Order.filter(kind="POSTPAID")}
    assert settled == {apps[0][2]: 700, apps[2][2]: 700}  # 1,000 standard minutes × 7.00 / 1,000
    assert await UsageRecord.filter(sdk_app_id=broken, settlement_id__isnull=True).count() == 1
    assert (await account_state(client, apps[1][1]))["balance"]["cash"] == "100.00"
    await advance(client, START + timedelta(days=2, hours=1))  # the next run bills what was left
    settled = {o.sdk_app_id: o.amount_fen for o in await Order.filter(kind="POSTPAID")}
    assert settled == {apps[0][2]: 700, apps[1][2]: 700, apps[2][2]: 700}
    assert await Event.filter(type="USAGE_SETTLED").count() == 3
    await assert_audit_clean()


async def test_B5_an_order_paid_with_several_vouchers_records_every_one(client):
    from app.domain.accounts.models import Voucher
    from tests.money import voucher

    account_id, token = await new_account(client)
    await credit(client, account_id, "1000.00")
    first = await voucher(client, account_id, "1000.00")
    second = await voucher(client, account_id, "500.00")
    app = await new_app(client, token)
    result = await purchase(client, token, app, "BASIC", 1, vouchers=[first, second])  # 1653.26, first order
    assert result["errors"] == []
    assert result["order"]["paid"]["voucher"]["amount"] == "1500.00"
    assert result["order"]["paid"]["cash"]["amount"] == "153.26"
    order = await Order.get(id=int(result["order"]["id"]))
    assert order.details["voucherIds"] == [first, second]
    used = {str(v.id): v.used_on_order_id for v in await Voucher.filter(account_id=int(account_id))}
    assert used == {first: order.id, second: order.id}
    await assert_audit_clean()
