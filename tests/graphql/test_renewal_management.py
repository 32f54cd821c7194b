"""SPEC §12 renewal management through the API: R-6 renew flags, R-7 the renewal list, R-8 batch
renewal (R-9 and F-5: test_renewal_alignment.py)."""

import asyncio
import json

import pytest
from tortoise import connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient

from app.domain.accounts.models import Account
from app.domain.events.models import Event
from app.domain.orders.models import Order
from app.domain.packages.models import Package
from tests.factories import new_app
from tests.gql import data, error_codes, gql
from tests.graphql.renewal_helpers import (
    SET_AUTO,
    bought_apps,
    customer,
    nodes,
    renew_batch,
    renewals,
    set_flag,
)
from tests.money import (
    advance,
    application,
    assert_audit_clean,
    balance,
    codes,
    credit,
    events,
    of_type,
    renew,
    shanghai,
    start_trial,
    voucher,
)

FEB_10 = shanghai(2027, 2, 10)


def at(year, month, day) -> str:
    return shanghai(year, month, day).isoformat()


# ---------------------------------------------------------------- R-6 renew flags


async def test_R6_flags_autoRenew_and_RENEW_FLAG_CHANGED(client):
    _, token = await customer(client)
    [app] = await bought_apps(client, token, 1)
    shown = (await application(client, token, app))["package"]
    assert shown["autoRenew"] is False
    first = await set_flag(client, token, app, "NO_RENEW")
    assert first["errors"] == []
    assert (first["package"]["renewFlag"], first["package"]["autoRenew"]) == ("NO_RENEW", False)
    auto = await set_flag(client, token, app, "AUTO_RENEW", 3)
    assert (auto["package"]["renewFlag"], auto["package"]["autoRenew"], auto["package"]["autoRenewMonths"]) == (
        "AUTO_RENEW",
        True,
        3,
    )
    manual = await set_flag(client, token, app, "MANUAL_RENEW")
    assert (manual["package"]["renewFlag"], manual["package"]["autoRenew"]) == ("MANUAL_RENEW", False)
    # setAutoRenew is the same thing as AUTO_RENEW / MANUAL_RENEW
    on = data(await gql(client, SET_AUTO, {"app": app, "enabled": True}, token))["setAutoRenew"]
    assert on == {"package": {"renewFlag": "AUTO_RENEW", "autoRenew": True}, "errors": []}
    off = data(await gql(client, SET_AUTO, {"app": app, "enabled": False}, token))["setAutoRenew"]
    assert off == {"package": {"renewFlag": "MANUAL_RENEW", "autoRenew": False}, "errors": []}
    changed = [json.loads(e["data"]) for e in of_type(await events(client, token, app), "RENEW_FLAG_CHANGED")]
    assert changed == [
        {"flag": "NO_RENEW", "months": 1},
        {"flag": "AUTO_RENEW", "months": 3},
        {"flag": "MANUAL_RENEW", "months": 1},
        {"flag": "AUTO_RENEW", "months": 1},
        {"flag": "MANUAL_RENEW", "months": 1},
    ]


async def test_R6_months_checked_only_for_AUTO_RENEW(client):
    _, token = await customer(client)
    [app] = await bought_apps(client, token, 1)
    for months in (0, 37):
        refused = await set_flag(client, token, app, "AUTO_RENEW", months)
        assert (codes(refused), refused["package"]) == (["INVALID_DURATION"], None)
    assert (await set_flag(client, token, app, "NO_RENEW", 0))["package"]["renewFlag"] == "NO_RENEW"
    assert (await set_flag(client, token, app, "MANUAL_RENEW", 99))["package"]["renewFlag"] == "MANUAL_RENEW"
    assert (await set_flag(client, token, app, "AUTO_RENEW", 36))["package"]["autoRenewMonths"] == 36


async def test_R6_not_for_trials_or_apps_without_a_paid_package(client):
    _, token = await customer(client)
    trial_app, bare_app = await new_app(client, token, "trial"), await new_app(client, token, "bare")
    trial = (await start_trial(client, token, trial_app))["package"]
    assert trial is not None
    for app in (trial_app, bare_app):
        refused = await set_flag(client, token, app, "NO_RENEW")
        assert codes(refused) == ["NO_ACTIVE_PACKAGE"]
    shown = data(
        await gql(
            client,
            "query($a: Int!) { application(sdkAppId: $a) { package { renewFlag renewalPrice { amount } } } }",
            {"a": trial_app},
            token,
        )
    )
    assert shown["application"]["package"] == {"renewFlag": "MANUAL_RENEW", "renewalPrice": None}


async def test_R6_no_reminders_for_NO_RENEW_and_reminders_for_MANUAL_RENEW(client):
    _, token = await customer(client)
    quiet, manual = await bought_apps(client, token, 2)
    assert (await set_flag(client, token, quiet, "NO_RENEW"))["errors"] == []
    await advance(client, FEB_10)
    reminders = of_type(await events(client, token), "RENEWAL_REMINDER")
    assert [(e["sdkAppId"], e["occurredAt"]) for e in reminders] == [
        (manual, shanghai(2027, 2, 3).isoformat()),
        (manual, shanghai(2027, 2, 9).isoformat()),
    ]
    expired = {e["sdkAppId"] for e in of_type(await events(client, token), "PACKAGE_EXPIRED")}
    assert expired == {quiet, manual}  # NO_RENEW: no auto-renewal either


async def test_R6_back_from_NO_RENEW_rearms_the_reminders(client):
    _, token = await customer(client)
    [app] = await bought_apps(client, token, 1)
    await set_flag(client, token, app, "NO_RENEW")
    await advance(client, shanghai(2027, 2, 4))  # past the 7-day reminder instant
    assert of_type(await events(client, token), "RENEWAL_REMINDER") == []
    await set_flag(client, token, app, "MANUAL_RENEW")
    await advance(client, FEB_10)
    reminders = of_type(await events(client, token), "RENEWAL_REMINDER")
    assert [e["occurredAt"] for e in reminders] == [shanghai(2027, 2, 9).isoformat()]


async def test_R6_migration_maps_auto_renew_to_AUTO_RENEW(client):
    import importlib

    migration = importlib.import_module("migrations.0003_renewal_management").Migration
    [sql] = [op.sql for op in migration.operations if type(op).__name__ == "RunSQL"]
    _, token = await customer(client)
    on, off = await bought_apps(client, token, 2)
    await Package.filter(application_id=on).update(auto_renew=True)  # as before the migration
    await connections.get("default").execute_script(sql)
    flags = dict(await Package.all().values_list("application_id", "renew_flag"))
    assert flags == {on: "AUTO_RENEW", off: "MANUAL_RENEW"}


# ---------------------------------------------------------------- R-7 the renewal list


async def test_R7_order_filters_and_renewalPrice(client):
    _, token = await customer(client)
    a, b, c, d = await bought_apps(client, token, 4)
    adv = (await bought_apps(client, token, 1, "ADVANCED"))[0]
    await renew(client, token, b, 2)  # b: 04-10
    await renew(client, token, c, 1)  # c: 03-10
    await renew(client, token, d, 1, "IM_ONLY")  # d: RTC 02-10, IM 03-10 → expiresAt 02-10
    await set_flag(client, token, c, "NO_RENEW")
    await set_flag(client, token, adv, "AUTO_RENEW")
    trial_app = await new_app(client, token, "trial")
    await start_trial(client, token, trial_app)

    listed = nodes(await renewals(client, token))
    assert [(n["sdkAppId"], n["expiresAt"]) for n in listed] == [
        (a, at(2027, 2, 10)),
        (d, at(2027, 2, 10)),
        (adv, at(2027, 2, 10)),
        (c, at(2027, 3, 10)),
        (b, at(2027, 4, 10)),
    ]
    assert {n["sdkAppId"]: n["renewalPrice"]["amount"] for n in listed} == {
        a: "2999.00",
        b: "2999.00",
        c: "2999.00",
        d: "2999.00",
        adv: "6499.00",
    }
    assert {n["sdkAppId"]: n["renewFlag"] for n in listed} == {
        a: "MANUAL_RENEW",
        b: "MANUAL_RENEW",
        c: "NO_RENEW",
        d: "MANUAL_RENEW",
        adv: "AUTO_RENEW",
    }

    def ids(result):
        return [n["sdkAppId"] for n in nodes(result)]

    assert ids(await renewals(client, token, {"expiringWithinDays": 31})) == [a, d, adv]  # ≤ now + 31 × 24 h
    assert ids(await renewals(client, token, {"expiringWithinDays": 30})) == []
    assert ids(await renewals(client, token, {"expiringWithinDays": 59})) == [a, d, adv, c]
    assert ids(await renewals(client, token, {"flag": "NO_RENEW"})) == [c]
    assert ids(await renewals(client, token, {"flag": "AUTO_RENEW"})) == [adv]
    assert ids(await renewals(client, token, {"flag": "MANUAL_RENEW", "expiringWithinDays": 31})) == [a, d]
    assert ids(await renewals(client, token, {"expired": True})) == []
    await credit(client, (await customer_id(client, token)), "0.01")  # no-op money, keeps the audit busy
    await advance(client, FEB_10)  # a, d expire; adv auto-renews to 03-10
    assert ids(await renewals(client, token, {"expired": True})) == [a, d]
    assert {n["status"] for n in nodes(await renewals(client, token, {"expired": True}))} == {"EXPIRED"}
    assert ids(await renewals(client, token)) == [a, d, c, adv, b]  # adv 03-10 after c (same expiry, id order)
    assert ids(await renewals(client, token, {"expired": True, "expiringWithinDays": 10})) == []
    await assert_audit_clean()


async def customer_id(client, token) -> str:
    return data(await gql(client, "{ me { id } }", token=token))["me"]["id"]


@pytest.mark.parametrize("days", [0, 367, -1])
async def test_R7_expiringWithinDays_out_of_range_is_INVALID_FILTER(client, days):
    _, token = await customer(client)
    result = await renewals(client, token, {"expiringWithinDays": days})
    assert error_codes(result) == ["INVALID_FILTER"]


async def test_R7_pages_by_cursor_and_page_size_limit(client):
    _, token = await customer(client)
    apps = await bought_apps(client, token, 5)
    seen, after = [], None
    while True:
        page = data(await renewals(client, token, first=2, after=after))["renewals"]
        seen += [e["node"]["sdkAppId"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == sorted(apps)  # one expiry: SDKAppID order
    assert "errors" not in await renewals(client, token, first=100)
    too_many = await renewals(client, token, first=101)
    assert too_many.get("data") is None and too_many["errors"]


async def test_R7_one_statement_per_page_whatever_its_size(client, monkeypatch):
    _, token = await customer(client)
    await bought_apps(client, token, 12)
    counted: list[str] = []
    for name in ("execute_query", "execute_query_dict"):
        original = getattr(AsyncpgDBClient, name)

        def counting(self, query, values=None, _original=original):
            counted.append(query)
            return _original(self, query, values)

        monkeypatch.setattr(AsyncpgDBClient, name, counting)
    per_size = {}
    for size in (1, 12):
        counted.clear()
        assert len(nodes(await renewals(client, token, first=size))) == size
        per_size[size] = [q for q in counted if "package" in q.lower()]
    # the page itself: one statement on package, however many rows it returns (no N+1)
    assert len(per_size[1]) == len(per_size[12]) == 1
    counted.clear()
    await renewals(client, token, first=12)
    total_small = len(counted)
    counted.clear()
    await renewals(client, token, first=1)
    assert len(counted) == total_small  # prices too: one read for the whole page


# ---------------------------------------------------------------- R-8 batch renewal


async def test_R8_one_order_per_item_in_item_order_vouchers_in_the_order_given(client):
    account_id, token = await customer(client, cash="20000.00")
    a, b, c = await bought_apps(client, token, 3)
    big, small = await voucher(client, account_id, "3000.00"), await voucher(client, account_id, "500.00")
    cash_before = (await balance(client, token))["available"]
    result = await renew_batch(
        client,
        token,
        [{"sdkAppId": c, "months": 1}, {"sdkAppId": a, "months": 2}, {"sdkAppId": b, "months": 1, "scope": "IM_ONLY"}],
        vouchers=[big, small],
    )
    assert result["errors"] == []
    orders = result["orders"]
    assert [(o["sdkAppId"], o["kind"], o["months"]) for o in orders] == [
        (c, "RENEWAL", 1),
        (a, "RENEWAL", 2),
        (b, "RENEWAL", 1),
    ]
    # 3000.00 covers the first order (2999.00, capped); 500.00 goes to the second; the third is all balance
    assert [o["paid"]["voucher"]["amount"] for o in orders] == ["2999.00", "500.00", "0.00"]
    assert [o["amount"]["amount"] for o in orders] == ["2999.00", "5998.00", "1499.00"]
    assert [(p["sdkAppId"], p["expiresAt"]) for p in result["packages"]] == [
        (c, at(2027, 3, 10)),
        (a, at(2027, 4, 10)),
        (b, at(2027, 2, 10)),
    ]
    assert result["packages"][2]["im"]["expiresAt"] == at(2027, 3, 10)
    spent = 2999_00 + 5998_00 + 1499_00 - 2999_00 - 500_00
    assert (await balance(client, token))["available"] == fen(to_fen(cash_before) - spent)
    renewed = of_type(await events(client, token), "PACKAGE_RENEWED")
    assert [e["sdkAppId"] for e in renewed] == [c, a, b]
    await assert_audit_clean()


def to_fen(amount: str) -> int:
    whole, _, cents = amount.partition(".")
    return int(whole) * 100 + int(cents or 0)


def fen(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


async def test_R8_list_errors(client):
    _, token = await customer(client)
    a, b = await bought_apps(client, token, 2)
    bare = await new_app(client, token, "bare")
    assert codes(await renew_batch(client, token, [])) == ["EMPTY_BATCH"]
    too_many = [{"sdkAppId": 1400000000 + i, "months": 1} for i in range(101)]
    assert codes(await renew_batch(client, token, too_many)) == ["BATCH_TOO_LARGE"]
    dup = await renew_batch(
        client, token, [{"sdkAppId": a, "months": 1}, {"sdkAppId": b, "months": 1}, {"sdkAppId": a, "months": 2}]
    )
    assert [(e["code"], e["field"]) for e in dup["errors"]] == [("DUPLICATE_APP", "items.2")]
    bad = await renew_batch(
        client, token, [{"sdkAppId": a, "months": 1}, {"sdkAppId": b, "months": 0}, {"sdkAppId": bare, "months": 37}]
    )
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [
        ("INVALID_DURATION", "items.1"),
        ("INVALID_DURATION", "items.2"),
    ]
    none = await renew_batch(client, token, [{"sdkAppId": a, "months": 1}, {"sdkAppId": bare, "months": 1}])
    assert [(e["code"], e["field"]) for e in none["errors"]] == [("NO_ACTIVE_PACKAGE", "items.1")]
    _, other = await customer(client, name="Other")
    theirs = await new_app(client, other, "theirs")
    foreign = await renew_batch(client, token, [{"sdkAppId": theirs, "months": 1}])
    assert [(e["code"], e["field"]) for e in foreign["errors"]] == [("NOT_FOUND", "items.0")]
    assert await Order.filter(kind="RENEWAL").count() == 0


async def test_R8_insufficient_balance_on_the_total_and_idempotent_replay(client):
    account_id, token = await customer(client, cash=None)
    await credit(client, account_id, "1653.26")
    [a] = await bought_apps(client, token, 1)
    await credit(client, account_id, "2463.02")
    [b] = await bought_apps(client, token, 1)
    await credit(client, account_id, "5000.00")  # enough for one renewal (2999.00), not two
    items = [{"sdkAppId": a, "months": 1}, {"sdkAppId": b, "months": 1}]
    refused = await renew_batch(client, token, items, idem="batch-1")
    assert (codes(refused), refused["orders"], refused["packages"]) == (["INSUFFICIENT_BALANCE"], [], [])
    assert (await balance(client, token))["available"] == "5000.00"
    await credit(client, account_id, "998.00")
    done = await renew_batch(client, token, items, idem="batch-1")  # a refused key may be retried (B-8)
    assert done["errors"] == [] and len(done["orders"]) == 2
    assert (await balance(client, token))["available"] == "0.00"
    again = await renew_batch(client, token, items, idem="batch-1")
    assert [o["id"] for o in again["orders"]] == [o["id"] for o in done["orders"]]
    assert (await balance(client, token))["available"] == "0.00"
    reused = await renew_batch(client, token, items[:1], idem="batch-1")
    assert codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
    await assert_audit_clean()


async def snapshot(account_id: int) -> dict:
    account = await Account.get(id=account_id)
    return {
        "balance": (account.cash_fen, account.income_fen, account.gift_fen),
        "packages": sorted(
            await Package.filter(account_id=account_id).values_list(
                "id", "status", "rtc_expires_at", "im_expires_at", "rtc_months", "im_months", "next_due_at"
            )
        ),
        "orders": await Order.filter(account_id=account_id).count(),
        "events": await Event.filter(account_id=account_id).count(),
    }


async def test_R8_a_refused_item_in_a_batch_of_50_changes_nothing(client):
    account_id, token = await customer(client, cash="300000.00")
    apps = await bought_apps(client, token, 50)
    await renew(client, token, apps[37], 1)
    # app 37 becomes unrenewable: its package is refunded (F-4) — it has no paid package any more
    from tests.graphql.renewal_helpers import request_refund
    from tests.money import orders_of

    [purchase_37] = [o for o in await orders_of(client, token, apps[37]) if o["kind"] == "PURCHASE"]
    assert (await request_refund(client, token, purchase_37["id"]))["errors"] == []
    v = await voucher(client, account_id, "100.00")
    before = await snapshot(int(account_id))
    items = [{"sdkAppId": app, "months": 1} for app in apps]
    refused = await renew_batch(client, token, items, vouchers=[v])
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("NO_ACTIVE_PACKAGE", "items.37")]
    assert (refused["orders"], refused["packages"]) == ([], [])
    assert await snapshot(int(account_id)) == before
    from tests.money import vouchers as vouchers_of

    assert [x["usedAt"] for x in await vouchers_of(client, token)] == [None]
    done = await renew_batch(client, token, items[:37] + items[38:], vouchers=[v])
    assert done["errors"] == [] and len(done["orders"]) == 49
    await assert_audit_clean()


async def test_R8_concurrent_batch_and_single_renewals_are_never_half_applied(client):
    account_id, token = await customer(client, cash="200000.00")
    apps = await bought_apps(client, token, 8)
    target = apps[3]
    batch_items = [{"sdkAppId": app, "months": 1} for app in apps]
    results = await asyncio.gather(
        renew_batch(client, token, batch_items),
        *[renew(client, token, target, 1) for _ in range(6)],
    )
    batch, singles = results[0], results[1:]
    assert batch["errors"] == [] and all(s["errors"] == [] for s in singles)
    packages = {p.application_id: p for p in await Package.filter(account_id=int(account_id))}
    for app in apps:
        months = 1 + 1 + (6 if app == target else 0)
        assert (packages[app].rtc_months, packages[app].im_months) == (months, months), app
        assert packages[app].expires_at == shanghai(2027, 1 + months, 10)
    assert await Order.filter(account_id=int(account_id), kind="RENEWAL").count() == 8 + 6
    spent_fen = 8 * 2999_00 + 6 * 2999_00
    first, rest = 1653_26, 7 * 2463_02
    assert (await balance(client, token))["available"] == fen(200000_00 - first - rest - spent_fen)
    await assert_audit_clean()
