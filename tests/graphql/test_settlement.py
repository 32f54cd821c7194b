"""SPEC M-3 (daily postpaid settlement of minutes) and M-4 (monthly IM overage), through the API
with the simulated clock."""

import asyncio
import json
from datetime import timedelta

from app.domain.orders.models import Order
from app.domain.usage import settlement
from tests.conftest import START
from tests.factories import issue_token, new_account, new_app
from tests.money import (
    advance,
    assert_audit_clean,
    balance,
    credit,
    events,
    lines_of,
    of_type,
    orders_of,
    purchase,
    record_im_stats,
    record_usage,
    shanghai,
    start_trial,
    usage_event,
)

DAY_ONE_SETTLED = shanghai(2027, 1, 11, 1)  # settles 2027-01-10, START's Asia/Shanghai day
JANUARY_SETTLED = shanghai(2027, 2, 1, 1)  # settles January 2027's IM figures


async def owner(client, amount=None):
    account_id, token = await new_account(client)
    if amount:
        await credit(client, account_id, amount)
    return account_id, token


def amounts(orders: list[dict]) -> list[str]:
    return [o["amount"]["amount"] for o in orders]


def settled(evts: list[dict]) -> list[dict]:
    return [{**e, "data": json.loads(e["data"])} for e in of_type(evts, "USAGE_SETTLED")]


# ---------------------------------------------------------------- M-3 the figure


async def test_M3_340000_billable_standard_minutes_cost_2380(client):
    account_id, token = await owner(client, "10000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []  # 1653.26
    service = await issue_token(client, "SERVICE")
    # 20,000 minutes of 4K = 720,000 standard minutes: 380,000 included, 340,000 billable.
    await record_usage(client, service, [usage_event(app, 20_000, "VIDEO_4K")])
    await advance(client, DAY_ONE_SETTLED)
    postpaid = await orders_of(client, token, kind="POSTPAID")
    assert len(postpaid) == 1
    order = postpaid[0]
    assert (order["kind"], order["status"], order["sdkAppId"], order["edition"], order["months"]) == (
        "POSTPAID",
        "PAID",
        app,
        None,
        None,
    )
    assert order["amount"]["amount"] == "2380.00"
    assert {k: v["amount"] for k, v in order["paid"].items()} == {
        "voucher": "0.00",
        "gift": "0.00",
        "income": "0.00",
        "cash": "2380.00",
    }
    [(description, _, line_amount, campaign)] = lines_of(order)
    assert (line_amount, campaign) == ("2380.00", None)
    assert "340000" in description.replace(",", "") and "2027-01-10" in description
    assert order["createdAt"].startswith("2027-01-10T17:00:00")
    [event] = settled(await events(client, token))
    assert event["sdkAppId"] == app
    assert event["data"]["orderId"] == order["id"]
    assert (event["data"]["amount"], event["data"]["period"]) == ("2380.00", "2027-01-10")
    assert event["occurredAt"].startswith("2027-01-10T17:00:00")
    assert await balance(client, token) == {
        "cash": "5966.74",
        "income": "0.00",
        "gift": "0.00",
        "available": "5966.74",
    }  # 10000 − 1653.26 − 2380.00
    await assert_audit_clean()


async def test_M3_small_amounts_round_half_up_once_per_app(client):
    _, token = await owner(client, "100.00")
    one = await new_app(client, token, "One minute")
    seventy_one = await new_app(client, token, "Seventy-one")
    three = await new_app(client, token, "Three events")
    idle = await new_app(client, token, "Idle")
    service = await issue_token(client, "SERVICE")
    await record_usage(
        client,
        service,
        [
            usage_event(one, 1),  # 0.007 → 0.01
            usage_event(seventy_one, 71),  # 0.497 → 0.50
            *[usage_event(three, 1, at=START + timedelta(minutes=i)) for i in range(3)],  # 0.021 → 0.02, not 0.03
            usage_event(idle, 0),
        ],
    )
    await advance(client, DAY_ONE_SETTLED)
    by_app = {o["sdkAppId"]: o["amount"]["amount"] for o in await orders_of(client, token, kind="POSTPAID")}
    assert by_app == {one: "0.01", seventy_one: "0.50", three: "0.02"}
    per_app = [e["sdkAppId"] for e in settled(await events(client, token))]
    assert sorted(per_app) == sorted([one, seventy_one, three])
    assert (await balance(client, token))["cash"] == "99.47"
    await assert_audit_clean()


async def test_M3_settled_at_01_00_of_the_next_day_exactly(client):
    _, token = await owner(client, "100.00")
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    await advance(client, shanghai(2027, 1, 10, 23, 58))
    await record_usage(client, service, [usage_event(app, 1000, at=shanghai(2027, 1, 10, 23, 50))])  # 7.00
    await advance(client, DAY_ONE_SETTLED - timedelta(seconds=1))
    assert await orders_of(client, token, kind="POSTPAID") == []
    assert await balance(client, token) == {"cash": "100.00", "income": "0.00", "gift": "0.00", "available": "100.00"}
    await advance(client, DAY_ONE_SETTLED)
    assert amounts(await orders_of(client, token, kind="POSTPAID")) == ["7.00"]
    assert (await balance(client, token))["cash"] == "93.00"
    await assert_audit_clean()


async def test_M3_each_asia_shanghai_day_is_settled_on_its_own(client):
    _, token = await owner(client, "100.00")
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    await advance(client, shanghai(2027, 1, 11, 0, 5))
    # 71 minutes just before local midnight and 71 just after: 0.50 + 0.50, not 0.99 for 142.
    await record_usage(
        client,
        service,
        [
            usage_event(app, 71, at=shanghai(2027, 1, 10, 23, 59, 59)),
            usage_event(app, 71, at=shanghai(2027, 1, 11)),
        ],
    )
    await advance(client, DAY_ONE_SETTLED)
    assert amounts(await orders_of(client, token, kind="POSTPAID")) == ["0.50"]
    await advance(client, DAY_ONE_SETTLED + timedelta(days=1))
    assert amounts(await orders_of(client, token, kind="POSTPAID")) == ["0.50", "0.50"]
    periods = [e["data"]["period"] for e in settled(await events(client, token))]
    assert periods == ["2027-01-10", "2027-01-11"]
    await assert_audit_clean()


async def test_M3_settlement_never_charges_twice(client):
    _, token = await owner(client, "100.00")
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 1000)])
    await advance(client, DAY_ONE_SETTLED)
    await advance(client, DAY_ONE_SETTLED)  # the current instant again: runs what is due, nothing is
    await advance(client, DAY_ONE_SETTLED + timedelta(days=3))
    # Running the day's settlement again, as a second worker or a retry would, charges nothing.
    assert await settlement.settle_day(START.date().replace(day=10), DAY_ONE_SETTLED) == 0
    assert await settlement.sweep(DAY_ONE_SETTLED + timedelta(days=3)) == 0
    assert amounts(await orders_of(client, token, kind="POSTPAID")) == ["7.00"]
    assert len(settled(await events(client, token))) == 1
    assert (await balance(client, token))["cash"] == "93.00"
    await assert_audit_clean()


async def test_M3_usage_of_every_app_without_package_is_billed_one_order_per_app(client):
    _, token = await owner(client, "1000.00")
    first = await new_app(client, token, "First")
    second = await new_app(client, token, "Second")
    service = await issue_token(client, "SERVICE")
    await record_usage(
        client,
        service,
        [
            usage_event(first, 1000, "VIDEO_HD"),  # 4,000 standard minutes: 28.00
            usage_event(first, 1000, "AUDIO"),  # + 1,000: 35.00 for the app
            usage_event(second, 100, "VIDEO_FHD"),  # 900: 6.30
        ],
    )
    await advance(client, DAY_ONE_SETTLED)
    first_orders = await orders_of(client, token, first, "POSTPAID")
    second_orders = await orders_of(client, token, second, "POSTPAID")
    assert (amounts(first_orders), amounts(second_orders)) == (["35.00"], ["6.30"])
    assert await Order.filter(kind="POSTPAID").count() == 2
    assert (await balance(client, token))["cash"] == "958.70"
    await assert_audit_clean()


async def test_M3_postpaid_orders_are_not_prepaid_kinds(client):
    _, token = await owner(client, "100.00")
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 1000)])
    await advance(client, DAY_ONE_SETTLED)
    assert await orders_of(client, token, kind="PURCHASE") == []
    assert [o["kind"] for o in await orders_of(client, token)] == ["POSTPAID"]


async def test_M3_two_settlement_runs_at_once_charge_once(client):
    _, token = await owner(client, "100.00")
    apps = [await new_app(client, token, f"App {i}") for i in range(3)]
    service = await issue_token(client, "SERVICE")
    await record_usage(client, service, [usage_event(app, 1000) for app in apps])
    await settlement.next_due()  # the schedule starts now, at START, as a worker's first look would
    await asyncio.gather(*[settlement.sweep(DAY_ONE_SETTLED) for _ in range(3)])
    await advance(client, DAY_ONE_SETTLED)
    assert amounts(await orders_of(client, token, kind="POSTPAID")) == ["7.00"] * 3
    assert len(settled(await events(client, token))) == 3
    assert (await balance(client, token))["cash"] == "79.00"
    await assert_audit_clean()


# ---------------------------------------------------------------- M-4 IM overage


async def test_M4_im_overage_of_a_basic_month_is_205(client):
    _, token = await owner(client, "10000.00")
    app = await new_app(client, token)
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    service = await issue_token(client, "SERVICE")
    assert (await record_im_stats(client, service, app, "2027-01-10", 9_000, 100_500))["errors"] == []
    await advance(client, shanghai(2027, 1, 20, 12))
    assert (await record_im_stats(client, service, app, "2027-01-20", 12_000, 50_000))["errors"] == []
    assert (await record_im_stats(client, service, app, "2027-01-19", 11_000, 100_400))["errors"] == []
    await advance(client, JANUARY_SETTLED - timedelta(seconds=1))
    assert await orders_of(client, token, kind="POSTPAID") == []
    await advance(client, JANUARY_SETTLED)
    [order] = await orders_of(client, token, kind="POSTPAID")
    # (12,000 − 10,000) × 0.10 + (100,500 − 100,000) × 0.01 = 200.00 + 5.00
    assert (order["sdkAppId"], order["amount"]["amount"], order["paid"]["cash"]["amount"]) == (app, "205.00", "205.00")
    assert [l[2] for l in lines_of(order)] == ["200.00", "5.00"]
    assert order["createdAt"].startswith("2027-01-31T17:00:00")
    [event] = settled(await events(client, token))
    assert (event["sdkAppId"], event["data"]["amount"], event["data"]["period"]) == (app, "205.00", "2027-01")
    assert (await balance(client, token))["cash"] == "8141.74"  # 10000 − 1653.26 − 205.00
    await advance(client, JANUARY_SETTLED + timedelta(days=2))
    assert len(await orders_of(client, token, kind="POSTPAID")) == 1
    await assert_audit_clean()


async def test_M4_each_term_is_charged_only_when_positive(client):
    _, token = await owner(client, "10000.00")
    dau_only = await new_app(client, token, "DAU")
    within = await new_app(client, token, "Within quota")
    for app in (dau_only, within):
        assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    service = await issue_token(client, "SERVICE")
    await record_im_stats(client, service, dau_only, "2027-01-10", 10_001, 90_000)  # 0.10 + nothing
    await record_im_stats(client, service, within, "2027-01-10", 10_000, 100_000)  # exactly the quotas
    await advance(client, JANUARY_SETTLED)
    [order] = await orders_of(client, token, kind="POSTPAID")
    assert (order["sdkAppId"], order["amount"]["amount"], len(order["lines"])) == (dau_only, "0.10", 1)
    await assert_audit_clean()


async def test_M4_no_im_charge_for_trial_or_no_package_months(client):
    _, token = await owner(client, "10000.00")
    trial = await new_app(client, token, "Trial")
    bare = await new_app(client, token, "Bare")
    assert (await start_trial(client, token, trial))["errors"] == []
    service = await issue_token(client, "SERVICE")
    for app in (trial, bare):
        assert (await record_im_stats(client, service, app, "2027-01-10", 50_000, 500_000))["errors"] == []
    await advance(client, JANUARY_SETTLED + timedelta(hours=1))
    assert await orders_of(client, token, kind="POSTPAID") == []
    assert settled(await events(client, token)) == []
    assert (await balance(client, token))["cash"] == "10000.00"


async def test_M4_package_bought_next_month_does_not_cover_this_month(client):
    _, token = await owner(client, "10000.00")
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    await record_im_stats(client, service, app, "2027-01-10", 50_000, 500_000)
    await advance(client, shanghai(2027, 2, 1, 0, 30))
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []  # February only
    await advance(client, JANUARY_SETTLED)
    assert await orders_of(client, token, kind="POSTPAID") == []


async def test_M3_usage_reported_after_its_day_was_settled_is_billed_by_the_next_run(client):
    _, token = await owner(client, "100.00")
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    await advance(client, DAY_ONE_SETTLED + timedelta(minutes=5))  # 2027-01-10 is settled (nothing to bill)
    late = usage_event(app, 1000, at=shanghai(2027, 1, 10, 23, 50), event_id="late")  # 7.00
    assert (await record_usage(client, service, [late]))["accepted"] == 1
    await advance(client, DAY_ONE_SETTLED + timedelta(days=1))  # the run for 2027-01-11
    orders = await orders_of(client, token, kind="POSTPAID")
    assert amounts(orders) == ["7.00"]
    assert "reported late for 2027-01-10" in lines_of(orders[0])[0][0]
    await advance(client, DAY_ONE_SETTLED + timedelta(days=3))
    assert amounts(await orders_of(client, token, kind="POSTPAID")) == ["7.00"]  # billed once
    await assert_audit_clean()
