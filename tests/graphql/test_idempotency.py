"""SPEC B-8: idempotency keys on the money-moving package mutations, through the API."""

import asyncio
from datetime import timedelta

from app.domain.ledger.models import LedgerTransaction
from app.domain.orders.models import Order
from tests.conftest import START
from tests.factories import new_account, new_app
from tests.gql import data, gql
from tests.money import (
    PURCHASE,
    RENEW,
    advance,
    assert_audit_clean,
    balance,
    codes,
    credit,
    events,
    purchase,
    renew,
)


async def funded(client, amount="100000.00"):
    account_id, token = await new_account(client)
    await credit(client, account_id, amount)
    return account_id, token


def purchase_input(app, key, edition="BASIC", months=1, **extra) -> dict:
    return {
        "input": {
            "sdkAppId": app,
            "edition": edition,
            "months": months,
            "acceptAgreements": True,
            "idempotencyKey": key,
            **extra,
        }
    }


async def test_B8_same_key_same_input_returns_the_first_result_and_moves_money_once(client):
    _, token = await funded(client, "5000.00")
    app = await new_app(client, token)
    first = await purchase(client, token, app, idem="order-1")
    assert first["errors"] == []
    after_first = await balance(client, token)
    assert after_first["cash"] == "3346.74"
    for _ in range(3):
        again = await purchase(client, token, app, idem="order-1")
        assert again["errors"] == []
        assert again["order"] == first["order"]
        assert again["package"]["id"] == first["package"]["id"]
    assert await balance(client, token) == after_first
    assert await Order.all().count() == 1
    assert await LedgerTransaction.filter(order_id__not_isnull=True).count() == 1
    assert [e["type"] for e in await events(client, token, app)].count("PACKAGE_PURCHASED") == 1
    await assert_audit_clean()


async def test_B8_same_key_with_a_different_input_is_refused(client):
    _, token = await funded(client)
    a, b = await new_app(client, token, "a"), await new_app(client, token, "b")
    assert (await purchase(client, token, a, "BASIC", 1, idem="k"))["errors"] == []
    before = await balance(client, token)
    for variables in (
        purchase_input(b, "k"),
        purchase_input(a, "k", months=2),
        purchase_input(a, "k", "ADVANCED"),
        purchase_input(a, "k", autoRenew=True),
    ):
        result = data(await gql(client, PURCHASE, variables, token))["purchasePackage"]
        assert codes(result) == ["IDEMPOTENCY_KEY_REUSED"], variables
        assert result["order"] is None
    assert await balance(client, token) == before
    assert await Order.all().count() == 1
    # the other app is untouched: the same input under a new key works
    assert (await purchase(client, token, b, "BASIC", 1, idem="k2"))["errors"] == []
    await assert_audit_clean()


async def test_B8_same_key_on_another_mutation_is_refused(client):
    _, token = await funded(client)
    app = await new_app(client, token)
    assert (await purchase(client, token, app, idem="shared"))["errors"] == []
    before = await balance(client, token)
    result = await renew(client, token, app, 1, idem="shared")
    assert codes(result) == ["IDEMPOTENCY_KEY_REUSED"]
    assert await balance(client, token) == before
    assert await Order.filter(kind="RENEWAL").count() == 0
    # and the other way round
    assert (await renew(client, token, app, 1, idem="renew-key"))["errors"] == []
    other = await new_app(client, token, "other")
    assert codes(await purchase(client, token, other, idem="renew-key")) == ["IDEMPOTENCY_KEY_REUSED"]
    await assert_audit_clean()


async def test_B8_a_refused_attempt_stores_nothing_and_the_key_may_be_retried(client):
    account_id, token = await new_account(client)
    app = await new_app(client, token)
    assert codes(await purchase(client, token, app, idem="retry-me")) == ["INSUFFICIENT_BALANCE"]
    await credit(client, account_id, "1653.26")
    result = await purchase(client, token, app, idem="retry-me")
    assert result["errors"] == []
    assert result["order"]["amount"]["amount"] == "1653.26"
    assert (await balance(client, token))["available"] == "0.00"
    # a refusal of validation stores nothing either: the key may then carry another input
    other = await new_app(client, token, "other")
    assert codes(await purchase(client, token, other, months=0, idem="fix-me")) == ["INVALID_DURATION"]
    await credit(client, account_id, "2463.02")
    result = await purchase(client, token, other, months=1, idem="fix-me")
    assert result["errors"] == [] and result["order"]["amount"]["amount"] == "2463.02"
    await assert_audit_clean()


async def test_B8_key_must_be_1_to_64_characters(client):
    _, token = await funded(client)
    app = await new_app(client, token)
    for bad in ("", "x" * 65):
        result = data(await gql(client, PURCHASE, purchase_input(app, bad), token))["purchasePackage"]
        assert codes(result) == ["INVALID_IDEMPOTENCY_KEY"], len(bad)
        assert result["errors"][0]["field"] == "idempotencyKey"
    assert await Order.all().count() == 0
    result = data(await gql(client, PURCHASE, purchase_input(app, "x" * 64), token))["purchasePackage"]
    assert result["errors"] == []
    other = await new_app(client, token, "other")
    result = data(await gql(client, PURCHASE, purchase_input(other, "键" * 64), token))["purchasePackage"]
    assert result["errors"] == []  # 64 characters, whatever their bytes
    for bad in ("", "y" * 65):
        variables = {"input": {"sdkAppId": app, "months": 1, "idempotencyKey": bad}}
        assert codes(data(await gql(client, RENEW, variables, token))["renewPackage"]) == ["INVALID_IDEMPOTENCY_KEY"]
    assert await Order.all().count() == 2
    await assert_audit_clean()


async def test_B8_keys_are_per_account(client):
    _, token = await funded(client)
    _, other_token = await funded(client)
    app, other_app = await new_app(client, token), await new_app(client, other_token)
    first = await purchase(client, token, app, idem="same")
    second = await purchase(client, other_token, other_app, idem="same")
    assert first["errors"] == [] and second["errors"] == []
    assert first["order"]["id"] != second["order"]["id"]
    assert await Order.all().count() == 2
    await assert_audit_clean()


async def test_B8_sub_user_shares_the_owner_key_space(client):
    owner_id, owner_token = await funded(client)
    _, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    app = await new_app(client, owner_token)
    first = await purchase(client, owner_token, app, idem="team-key")
    replay = await purchase(client, sub_token, app, idem="team-key")
    assert replay["errors"] == [] and replay["order"]["id"] == first["order"]["id"]
    assert await Order.all().count() == 1
    await assert_audit_clean()


async def test_B8_after_24_hours_a_key_may_be_used_afresh(client):
    _, token = await funded(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    first = await renew(client, token, app, 1, idem="monthly")
    assert first["errors"] == []
    assert first["package"]["expiresAt"].startswith("2027-03-09T16:00:00")
    cash = (await balance(client, token))["cash"]
    # within 24 h: replayed
    await advance(client, START + timedelta(hours=23, minutes=59, seconds=59))
    replay = await renew(client, token, app, 1, idem="monthly")
    assert replay["order"]["id"] == first["order"]["id"]
    assert (await balance(client, token))["cash"] == cash
    # after 24 h: a new renewal
    await advance(client, START + timedelta(hours=24, seconds=1))
    fresh = await renew(client, token, app, 1, idem="monthly")
    assert fresh["errors"] == []
    assert fresh["order"]["id"] != first["order"]["id"]
    assert fresh["package"]["expiresAt"].startswith("2027-04-09T16:00:00")
    assert await Order.filter(kind="RENEWAL").count() == 2
    # and the renewed key binds again for the next 24 h
    assert (await renew(client, token, app, 1, idem="monthly"))["order"]["id"] == fresh["order"]["id"]
    await assert_audit_clean()


async def test_B8_after_24_hours_a_purchase_key_runs_the_purchase_again(client):
    _, token = await funded(client)
    app = await new_app(client, token)
    first = await purchase(client, token, app, idem="buy")
    await advance(client, START + timedelta(hours=25))
    # not replayed any more: the purchase is attempted afresh, and the app has an active package
    assert codes(await purchase(client, token, app, idem="buy")) == ["PACKAGE_ALREADY_ACTIVE"]
    assert await Order.all().count() == 1
    assert first["errors"] == []
    # and it may now carry another input
    other = await new_app(client, token, "other")
    second = await purchase(client, token, other, idem="buy")
    assert second["errors"] == [] and second["order"]["id"] != first["order"]["id"]
    await assert_audit_clean()


async def test_B8_concurrent_requests_with_one_key_charge_once(client):
    _, token = await funded(client, "5000.00")
    app = await new_app(client, token)
    results = await asyncio.gather(*[purchase(client, token, app, idem="burst") for _ in range(20)])
    assert [r["errors"] for r in results] == [[]] * 20
    assert len({r["order"]["id"] for r in results}) == 1
    assert await Order.all().count() == 1
    assert await LedgerTransaction.filter(order_id__not_isnull=True).count() == 1
    assert (await balance(client, token))["cash"] == "3346.74"
    await assert_audit_clean()


async def test_B8_concurrent_renewals_with_one_key_extend_once(client):
    _, token = await funded(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    results = await asyncio.gather(*[renew(client, token, app, 1, idem="r") for _ in range(10)])
    assert len({r["order"]["id"] for r in results}) == 1
    assert await Order.filter(kind="RENEWAL").count() == 1
    assert {r["package"]["expiresAt"][:19] for r in results} == {"2027-03-09T16:00:00"}
    await assert_audit_clean()
