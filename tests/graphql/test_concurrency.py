"""SPEC B-6 / B-7 / B-8 under concurrency: many purchases at once on one balance, through the API."""

import asyncio

from app.domain.accounts.models import Account
from app.domain.ledger.models import LedgerTransaction
from app.domain.orders.models import Order
from app.domain.packages.models import Package
from tests.factories import new_account, new_app
from tests.money import assert_audit_clean, balance, credit, purchase, renew, start_trial

APPS = 60
AFFORDABLE = 25
PRICE = "2463.02"  # BASIC first month for a returning customer: 3374.00 × 73 % (ALL_CUSTOMERS)
PRICE_FEN = 246302


async def one_round(client, round_no: int) -> None:
    account_id, token = await new_account(client, name=f"Busy {round_no}")
    # a first order makes the account a returning customer, so that every purchase below costs the same
    await credit(client, account_id, "1653.26")
    first = await purchase(client, token, await new_app(client, token, "first"))
    assert first["order"]["amount"]["amount"] == "1653.26"
    # money for exactly AFFORDABLE purchases plus 1000.00 (less than one more), over all three sub-balances
    total = AFFORDABLE * PRICE_FEN + 100000  # 62575.50
    await credit(client, account_id, "12575.50", "gift")
    await credit(client, account_id, "20000.00", "income")
    await credit(client, account_id, "30000.00", "cash")
    assert (await balance(client, token))["available"] == f"{total // 100}.{total % 100:02d}"
    apps = [await new_app(client, token, f"app {i}") for i in range(APPS)]

    results = await asyncio.gather(
        *[purchase(client, token, app, "BASIC", 1, idem=f"round-{round_no}-app-{app}") for app in apps]
    )

    won = [r for r in results if r["errors"] == []]
    refused = [r for r in results if r["errors"] != []]
    assert len(won) == AFFORDABLE
    assert {r["order"]["amount"]["amount"] for r in won} == {PRICE}
    assert [[e["code"] for e in r["errors"]] for r in refused] == [["INSUFFICIENT_BALANCE"]] * (APPS - AFFORDABLE)
    assert all(r["order"] is None and r["package"] is None for r in refused)
    assert await balance(client, token) == {"cash": "1000.00", "income": "0.00", "gift": "0.00", "available": "1000.00"}
    row = await Account.get(id=int(account_id))
    assert min(row.cash_fen, row.income_fen, row.gift_fen) >= 0
    assert await Order.filter(account_id=int(account_id)).count() == AFFORDABLE + 1
    assert await LedgerTransaction.filter(account_id=int(account_id), order_id__not_isnull=True).count() == (
        AFFORDABLE + 1
    )
    # the winners' packages exist, one per app, and only theirs
    winners = {r["order"]["sdkAppId"] for r in won}
    assert len(winners) == AFFORDABLE
    packaged = await Package.filter(account_id=int(account_id), application_id__in=apps).values_list(
        "application_id", flat=True
    )
    assert sorted(packaged) == sorted(winners)
    await assert_audit_clean()


async def test_B6_concurrent_purchases_never_overdraw(client):
    for round_no in range(3):
        await one_round(client, round_no)


async def test_B2_concurrent_purchases_on_one_app_sell_one_package(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100000.00")
    app = await new_app(client, token)
    results = await asyncio.gather(
        *[purchase(client, token, app, edition, 1) for edition in ["BASIC", "ADVANCED", "LARGE_ROOM"] * 4]
    )
    won = [r for r in results if r["errors"] == []]
    assert len(won) == 1
    assert sorted(r["errors"][0]["code"] for r in results if r["errors"]) == ["PACKAGE_ALREADY_ACTIVE"] * 11
    assert await Order.all().count() == 1
    assert await Package.filter(application_id=app).count() == 1
    paid = won[0]["order"]["amount"]["amount"]
    assert paid in ("1653.26", "3797.01", "4532.01")  # whichever came first, at its first-order price
    spent = int(paid.replace(".", ""))
    assert (await balance(client, token))["cash"] == f"{(10000000 - spent) // 100}.{(10000000 - spent) % 100:02d}"
    await assert_audit_clean()


async def test_R1_concurrent_renewals_each_extend_once(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100000.00")
    app = await new_app(client, token)
    await purchase(client, token, app, "BASIC", 1)
    results = await asyncio.gather(*[renew(client, token, app, 1) for _ in range(5)])
    assert [r["errors"] for r in results] == [[]] * 5
    # 2027-02-10 + 5 months = 2027-07-10 00:00 Asia/Shanghai
    final = max(r["package"]["expiresAt"] for r in results)
    assert final.startswith("2027-07-09T16:00:00")
    assert sorted(r["package"]["expiresAt"][:10] for r in results) == [
        "2027-03-09",
        "2027-04-09",
        "2027-05-09",
        "2027-06-09",
        "2027-07-09",
    ]
    assert (await balance(client, token))["cash"] == "83351.74"  # 100000 − 1653.26 − 5 × 2999.00
    await assert_audit_clean()


async def test_T2_concurrent_trials_never_pass_the_account_limit(client):
    _, token = await new_account(client)
    apps = [await new_app(client, token, f"app {i}") for i in range(14)]
    for app in apps[:8]:
        assert (await start_trial(client, token, app))["errors"] == []
    results = await asyncio.gather(*[start_trial(client, token, app) for app in apps[8:]])
    assert sum(r["errors"] == [] for r in results) == 2
    assert sorted(r["errors"][0]["code"] for r in results if r["errors"]) == ["TRIAL_LIMIT_PER_ACCOUNT"] * 4
    assert await Package.all().count() == 10
