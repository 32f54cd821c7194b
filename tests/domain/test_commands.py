"""B-8 through the typed domain commands (no HTTP): what a CLI or worker door calls. The hash is
the command's own canonical input; equal inputs hash alike and match what the GraphQL door hashed
before the commands existed, so keys in flight across a deployment still replay."""

import pytest

from app.domain import commands, idempotency
from app.domain.accounts import funding
from app.domain.errors import DomainError
from app.domain.ledger.models import LedgerTransaction
from app.domain.packages import commands as placing
from app.domain.system.models import IdempotencyRecord
from tests.domain.builders import START, app, balances, caller, fund, owner


def digest(command: commands.Command) -> str:
    return idempotency.request_hash(command.canonical())


def test_B8_the_default_scope_and_an_explicit_FULL_hash_alike():
    assert digest(commands.RenewPackage(sdk_app_id=7, months=1)) == digest(
        commands.RenewPackage(sdk_app_id=7, months=1, scope="FULL")
    )
    assert digest(commands.RenewPackage(sdk_app_id=7, months=1)) != digest(
        commands.RenewPackage(sdk_app_id=7, months=1, scope="IM_ONLY")
    )


def test_B8_the_hash_is_the_one_the_graphql_door_took():
    """The dicts below are what the resolvers built by hand before issue 9 (git show d9167c1)."""
    purchase = commands.PurchasePackage(
        sdk_app_id=7, edition="BASIC", months=2, auto_renew=False, accept_agreements=True, voucher_ids=(3, 4)
    )
    assert digest(purchase) == idempotency.request_hash(
        {
            "sdkAppId": 7,
            "edition": "BASIC",
            "months": 2,
            "autoRenew": False,
            "acceptAgreements": True,
            "voucherIds": [3, 4],
        }
    )
    batch = commands.RenewPackages(items=(commands.RenewItem(7, 1), commands.RenewItem(8, 2, "RTC_ONLY")))
    assert digest(batch) == idempotency.request_hash({"items": [[7, 1, "FULL"], [8, 2, "RTC_ONLY"]], "voucherIds": []})
    assert digest(commands.AlignExpiry(sdk_app_ids=(7, 8), day=5)) == idempotency.request_hash(
        {"sdkAppIds": [7, 8], "day": 5}
    )
    assert digest(commands.CreditAccount(account_id=9, amount_fen=100, source="Cash")) == idempotency.request_hash(
        {"accountId": 9, "amount": 100, "source": "cash"}
    )
    assert digest(commands.TopUp(account_id=9, amount_fen=100)) == idempotency.request_hash(
        {"accountId": 9, "amount": 100, "source": "cash"}
    )


def test_every_command_has_one_name_and_the_registry_knows_it():
    assert {c.NAME for c in commands.COMMANDS.values()} == set(commands.COMMANDS)
    with pytest.raises(TypeError):
        type("Again", (commands.Command,), {"NAME": "topUp", "__annotations__": {}})


def test_the_voucher_list_limit_is_the_commands_own():
    commands.RenewPackage(sdk_app_id=7, months=1, voucher_ids=tuple(range(1000)))
    with pytest.raises(DomainError) as refused:
        commands.RenewPackage(sdk_app_id=7, months=1, voucher_ids=tuple(range(1001)))
    assert (refused.value.code, refused.value.field) == ("LIST_TOO_LONG", "voucherIds")


async def test_B8_a_typed_credit_replays_and_a_reused_key_is_refused():
    account = await owner()
    credit = commands.CreditAccount(account_id=account.id, amount_fen=100, source="cash")
    assert await funding.credit_account(credit, key="k", at=START) == account.id
    assert await funding.credit_account(credit, key="k", at=START) == account.id  # replayed
    assert await balances(account) == (100, 0, 0)
    assert await LedgerTransaction.all().count() == 1
    for other in (
        commands.CreditAccount(account_id=account.id, amount_fen=200, source="cash"),
        commands.TopUp(account_id=account.id, amount_fen=100),
    ):
        run = funding.credit_account if isinstance(other, commands.CreditAccount) else funding.top_up
        with pytest.raises(DomainError) as refused:
            await run(other, key="k", at=START)
        assert (refused.value.code, refused.value.field) == ("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    assert await balances(account) == (100, 0, 0)


async def test_B8_a_refused_typed_purchase_stores_nothing_and_a_replay_returns_the_same_order():
    account = await owner()
    sdk_app_id = await app(account)
    purchase = commands.PurchasePackage(
        sdk_app_id=sdk_app_id, edition="BASIC", months=1, auto_renew=False, accept_agreements=True
    )
    with pytest.raises(DomainError) as refused:
        await placing.purchase(caller(account), purchase, key="buy", at=START)
    assert refused.value.code == "INSUFFICIENT_BALANCE"
    assert await IdempotencyRecord.all().count() == 0
    await fund(account, 1_000_000)
    first = await placing.purchase(caller(account), purchase, key="buy", at=START)
    again = await placing.purchase(caller(account), purchase, key="buy", at=START)
    assert again.order.id == first.order.id and again.package is not None
    assert again.package.id == first.package.id
