"""SPEC A-4 (sub-balances, vouchers), B-8 on creditAccount and topUp, V-1 BALANCE_CREDITED, H-3 amounts."""

import asyncio
import json
from datetime import datetime, timedelta

from app.domain.ledger.models import LedgerEntry, LedgerTransaction
from app.settings import get_settings
from tests.conftest import OPERATOR, START
from tests.factories import new_account
from tests.gql import data, error_codes, gql
from tests.money import (
    CREDIT,
    GRANT,
    advance,
    assert_audit_clean,
    balance,
    codes,
    credit,
    events,
    voucher,
    vouchers,
)

TOP_UP = """mutation($amount: Decimal!, $key: String!) { topUp(amount: $amount, idempotencyKey: $key) {
  account { id balance { cash { amount } income { amount } gift { amount } available { amount } } }
  errors { code field message } } }"""


def parse(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    assert instant.tzinfo is not None, value
    return instant


async def credit_raw(client, account_id, amount, source="cash", key="c-1") -> dict:
    return data(await gql(client, CREDIT, {"a": account_id, "amount": amount, "source": source, "key": key}, OPERATOR))[
        "creditAccount"
    ]


async def top_up(client, token, amount, key) -> dict:
    return data(await gql(client, TOP_UP, {"amount": amount, "key": key}, token))["topUp"]


async def test_A4_credits_go_to_their_own_sub_balance(client):
    account_id, token = await new_account(client)
    result = await credit(client, account_id, "1000.00", "cash")
    assert result["account"]["balance"]["cash"]["amount"] == "1000.00"
    await credit(client, account_id, "500.50", "income")
    await credit(client, account_id, "0.01", "GIFT")
    assert await balance(client, token) == {
        "cash": "1000.00",
        "income": "500.50",
        "gift": "0.01",
        "available": "1500.51",
    }
    # the ledger: one balanced transaction per credit, against the FUNDING book
    assert await LedgerTransaction.all().count() == 3
    funding = await LedgerEntry.filter(book="FUNDING")
    assert sorted(e.amount_fen for e in funding) == [-100000, -50050, -1]
    await assert_audit_clean()


async def test_A4_credit_refusals(client):
    account_id, _ = await new_account(client)
    assert codes(await credit_raw(client, account_id, "10.00", "bitcoin")) == ["INVALID_SOURCE"]
    for amount in ("0", "-5.00", "1.001", "abc", "0.00"):
        assert codes(await credit_raw(client, account_id, amount, key=f"k{amount}")) == ["INVALID_AMOUNT"], amount
    assert codes(await credit_raw(client, "999999999", "10.00")) == ["NOT_FOUND"]
    sub_id, _ = await new_account(client, name="Sub", type="SUB_USER", owner_id=account_id)
    assert codes(await credit_raw(client, sub_id, "10.00", key="sub")) == ["INVALID_ACCOUNT"]
    assert await LedgerTransaction.all().count() == 0
    # the operator alone may credit
    _, token = await new_account(client, name="Other")
    result = await gql(client, CREDIT, {"a": account_id, "amount": "1.00", "source": "cash", "key": "x"}, token)
    assert error_codes(result) == ["FORBIDDEN"]
    await assert_audit_clean()


async def test_A4_amounts_with_up_to_two_decimals_are_accepted(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "7")
    await credit(client, account_id, "12.3")
    await credit(client, account_id, "0.05")
    assert (await balance(client, token))["cash"] == "19.35"
    await assert_audit_clean()


async def test_V1_balance_credited_event_is_account_level(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "88.80", "income")
    [event] = [e for e in await events(client, token) if e["type"] == "BALANCE_CREDITED"]
    assert event["sdkAppId"] is None
    payload = json.loads(event["data"])
    assert (payload["amount"], payload["source"]) == ("88.80", "income")
    assert parse(event["occurredAt"]) == START


async def test_B8_credit_account_key_is_scoped_to_the_account_credited(client):
    a_id, a_token = await new_account(client)
    b_id, b_token = await new_account(client, name="B")
    assert (await credit_raw(client, a_id, "100.00", key="batch-7"))["errors"] == []
    assert (await credit_raw(client, b_id, "100.00", key="batch-7"))["errors"] == []
    assert (await balance(client, a_token))["cash"] == "100.00"
    assert (await balance(client, b_token))["cash"] == "100.00"
    # replayed on the same account: credited once
    replay = await credit_raw(client, a_id, "100.00", key="batch-7")
    assert replay["errors"] == [] and replay["account"]["balance"]["cash"]["amount"] == "100.00"
    assert (await balance(client, a_token))["cash"] == "100.00"
    # a different input under the same key
    assert codes(await credit_raw(client, a_id, "200.00", key="batch-7")) == ["IDEMPOTENCY_KEY_REUSED"]
    assert codes(await credit_raw(client, a_id, "100.00", "gift", key="batch-7")) == ["IDEMPOTENCY_KEY_REUSED"]
    assert (await balance(client, a_token))["available"] == "100.00"
    assert await LedgerTransaction.all().count() == 2
    assert [e["type"] for e in await events(client, a_token)].count("BALANCE_CREDITED") == 1
    await assert_audit_clean()


async def test_B8_credit_account_key_length(client):
    account_id, token = await new_account(client)
    for bad in ("", "z" * 65):
        assert codes(await credit_raw(client, account_id, "1.00", key=bad)) == ["INVALID_IDEMPOTENCY_KEY"]
    assert (await credit_raw(client, account_id, "1.00", key="z" * 64))["errors"] == []
    assert (await balance(client, token))["cash"] == "1.00"


async def test_B8_concurrent_credits_with_one_key_credit_once(client):
    account_id, token = await new_account(client)
    results = await asyncio.gather(*[credit_raw(client, account_id, "50.00", key="wire-1") for _ in range(10)])
    assert [r["errors"] for r in results] == [[]] * 10
    assert (await balance(client, token))["cash"] == "50.00"
    assert await LedgerTransaction.all().count() == 1
    await assert_audit_clean()


async def test_B8_credit_key_after_24_hours_credits_again(client):
    account_id, token = await new_account(client)
    await credit_raw(client, account_id, "10.00", key="daily")
    await advance(client, START + timedelta(hours=24, seconds=1))
    assert (await credit_raw(client, account_id, "10.00", key="daily"))["errors"] == []
    assert (await balance(client, token))["cash"] == "20.00"
    await assert_audit_clean()


async def test_B8_customer_top_up_in_sandbox_is_idempotent(client):
    account_id, token = await new_account(client)
    first = await top_up(client, token, "300.00", "gw-1")
    assert first["errors"] == []
    assert first["account"]["id"] == account_id
    assert first["account"]["balance"]["cash"]["amount"] == "300.00"
    again = await top_up(client, token, "300.00", "gw-1")
    assert again["errors"] == [] and again["account"]["balance"]["cash"]["amount"] == "300.00"
    assert codes(await top_up(client, token, "301.00", "gw-1")) == ["IDEMPOTENCY_KEY_REUSED"]
    assert (await top_up(client, token, "0.50", "gw-2"))["errors"] == []
    assert await balance(client, token) == {"cash": "300.50", "income": "0.00", "gift": "0.00", "available": "300.50"}
    for bad in ("", "g" * 65):
        assert codes(await top_up(client, token, "1.00", bad)) == ["INVALID_IDEMPOTENCY_KEY"]
    for amount in ("0", "-1", "0.001"):
        assert codes(await top_up(client, token, amount, f"gw-{amount}")) == ["INVALID_AMOUNT"]
    credited = [json.loads(e["data"]) for e in await events(client, token) if e["type"] == "BALANCE_CREDITED"]
    assert [(c["amount"], c["source"]) for c in credited] == [("300.00", "cash"), ("0.50", "cash")]
    # one customer's key does not bind another's
    _, other_token = await new_account(client, name="Other")
    assert (await top_up(client, other_token, "300.00", "gw-1"))["errors"] == []
    assert (await balance(client, other_token))["cash"] == "300.00"
    await assert_audit_clean()


async def test_top_up_by_a_customer_is_forbidden_in_live_mode(client, monkeypatch):
    _, token = await new_account(client)
    monkeypatch.setenv("PAYMENTS_MODE", "live")
    get_settings.cache_clear()
    result = await gql(client, TOP_UP, {"amount": "10.00", "key": "live-1"}, token)
    assert error_codes(result) == ["FORBIDDEN"]
    assert await LedgerTransaction.all().count() == 0


async def test_A4_vouchers_are_listed_for_the_owner_and_its_sub_users(client):
    account_id, token = await new_account(client)
    _, sub_token = await new_account(client, name="Sub", type="SUB_USER", owner_id=account_id)
    first = await voucher(client, account_id, "50.00", "2027-06-01T00:00:00+08:00")
    second = await voucher(client, account_id, "20.00")
    listed = await vouchers(client, token)
    assert [(v["id"], v["amount"]["amount"], v["usedAt"]) for v in listed] == [
        (first, "50.00", None),
        (second, "20.00", None),
    ]
    assert listed[0]["expiresAt"].startswith("2027-05-31T16:00:00")
    assert await vouchers(client, sub_token) == listed
    # a voucher is not balance
    assert (await balance(client, token))["available"] == "0.00"
    await assert_audit_clean()


async def test_A4_voucher_grant_refusals(client):
    account_id, _ = await new_account(client)
    sub_id, _ = await new_account(client, name="Sub", type="SUB_USER", owner_id=account_id)
    result = data(await gql(client, GRANT, {"a": account_id, "amount": "10.00", "exp": START.isoformat()}, OPERATOR))[
        "grantVoucher"
    ]
    assert [e["code"] for e in result["errors"]] == ["INVALID_EXPIRY"]
    result = data(await gql(client, GRANT, {"a": account_id, "amount": "0", "exp": "2030-01-01T00:00:00Z"}, OPERATOR))[
        "grantVoucher"
    ]
    assert [e["code"] for e in result["errors"]] == ["INVALID_AMOUNT"]
    result = data(await gql(client, GRANT, {"a": sub_id, "amount": "1.00", "exp": "2030-01-01T00:00:00Z"}, OPERATOR))[
        "grantVoucher"
    ]
    assert [e["code"] for e in result["errors"]] == ["INVALID_ACCOUNT"]
