"""B-8 straight against app.domain.idempotency.run_once (no HTTP): replay, reuse, refusal stores
nothing, the 24 h lifetime, concurrency and key validation. The action moves real money
(funding.credit), so "moves no money" is read off the account and the ledger."""

import asyncio

import pytest

from app.domain import idempotency
from app.domain.accounts import funding
from app.domain.errors import DomainError
from app.domain.ledger import audit
from app.domain.ledger.models import LedgerTransaction
from app.domain.system.models import IdempotencyRecord
from tests.domain.builders import DAY, SECOND, START, balances, owner


class Credit:
    """An action that credits 1.00 cash and counts its runs."""

    def __init__(self, account, fen=100, fail=False, pause=0.0):
        self.account, self.fen, self.fail, self.pause, self.runs = account, fen, fail, pause, 0

    async def __call__(self) -> dict:
        self.runs += 1
        await funding.credit(self.account.id, self.fen, "cash", at=START)
        if self.pause:
            await asyncio.sleep(self.pause)  # hold the key while the duplicates arrive
        if self.fail:
            raise DomainError("INSUFFICIENT_BALANCE", "refused after writing: all of it must roll back")
        return {"credited": self.fen, "run": self.runs}


def once(account, action, *, key="key-1", mutation="creditAccount", request=None, now=START):
    return idempotency.run_once(
        account_id=account.id,
        mutation=mutation,
        key=key,
        request=request if request is not None else {"amount": "1.00"},
        now=now,
        action=action,
    )


async def code_of(awaitable) -> tuple[str, str | None]:
    with pytest.raises(DomainError) as excinfo:
        await awaitable
    return excinfo.value.code, excinfo.value.field


async def test_B8_same_key_and_input_replays_without_running_the_action():
    account = await owner()
    action = Credit(account)
    first = await once(account, action)
    again = await once(account, action, now=START + DAY - SECOND)
    assert first == again == {"credited": 100, "run": 1}
    assert action.runs == 1
    assert await balances(account) == (100, 0, 0)
    assert await LedgerTransaction.all().count() == 1
    assert await audit.problems() == []


async def test_B8_same_key_with_another_input_is_key_reused():
    account = await owner()
    action = Credit(account)
    await once(account, action)
    assert await code_of(once(account, action, request={"amount": "2.00"})) == (
        "IDEMPOTENCY_KEY_REUSED",
        "idempotencyKey",
    )
    assert action.runs == 1
    assert await balances(account) == (100, 0, 0)


async def test_B8_same_key_on_another_mutation_is_key_reused():
    account = await owner()
    action = Credit(account)
    await once(account, action, mutation="purchasePackage")
    assert await code_of(once(account, action, mutation="renewPackage")) == ("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    assert action.runs == 1
    assert await balances(account) == (100, 0, 0)


async def test_B8_keys_are_scoped_to_the_account():
    one, two = await owner("One"), await owner("Two")
    assert await once(one, Credit(one)) == {"credited": 100, "run": 1}
    assert await once(two, Credit(two)) == {"credited": 100, "run": 1}  # same key, other account: runs
    assert (await balances(one), await balances(two)) == ((100, 0, 0), (100, 0, 0))


async def test_B8_a_refused_attempt_stores_nothing_and_the_key_may_be_retried():
    account = await owner()
    failing = Credit(account, fail=True)
    assert await code_of(once(account, failing)) == ("INSUFFICIENT_BALANCE", None)
    # the credit the action wrote before failing is rolled back with the (never stored) record
    assert await balances(account) == (0, 0, 0)
    assert await LedgerTransaction.all().count() == 0
    assert await IdempotencyRecord.all().count() == 0
    # retried with the same key, even with another input: it is fresh
    good = Credit(account, fen=250)
    assert await once(account, good, request={"amount": "2.50"}) == {"credited": 250, "run": 1}
    assert await balances(account) == (250, 0, 0)
    assert await audit.problems() == []


async def test_B8_after_24_hours_the_key_is_fresh():
    account = await owner()
    action = Credit(account)
    await once(account, action)
    assert (await once(account, action, now=START + DAY - SECOND))["run"] == 1  # still replayed
    later = Credit(account, fen=300)
    result = await once(account, later, request={"amount": "3.00"}, mutation="topUp", now=START + DAY + SECOND)
    assert result == {"credited": 300, "run": 1}
    assert await balances(account) == (400, 0, 0)
    # the fresh use binds the key anew: the old input is now the "other" one
    assert await code_of(once(account, action, now=START + DAY + 2 * SECOND)) == (
        "IDEMPOTENCY_KEY_REUSED",
        "idempotencyKey",
    )
    assert await IdempotencyRecord.all().count() == 1
    assert await audit.problems() == []


async def test_B8_twenty_concurrent_calls_with_one_key_run_the_action_once():
    account = await owner()
    action = Credit(account, pause=0.2)
    results = await asyncio.gather(*[once(account, action) for _ in range(20)])
    assert results == [{"credited": 100, "run": 1}] * 20
    assert action.runs == 1
    assert await balances(account) == (100, 0, 0)
    assert await LedgerTransaction.all().count() == 1
    assert await IdempotencyRecord.all().count() == 1
    assert await audit.problems() == []


@pytest.mark.parametrize("key", ["", "k" * 65, None])
async def test_B8_invalid_key_lengths_are_refused_before_anything_runs(key):
    account = await owner()
    action = Credit(account)
    assert await code_of(once(account, action, key=key)) == ("INVALID_IDEMPOTENCY_KEY", "idempotencyKey")
    assert action.runs == 0
    assert await IdempotencyRecord.all().count() == 0
    assert await balances(account) == (0, 0, 0)


@pytest.mark.parametrize("key", ["k", "k" * 64])
async def test_B8_keys_of_1_and_64_characters_are_accepted(key):
    account = await owner()
    assert await once(account, Credit(account), key=key) == {"credited": 100, "run": 1}
    assert (await IdempotencyRecord.get(account_id=account.id)).key == key
