"""Money in: creditAccount and topUp (idempotent, B-8), grantVoucher."""

from datetime import datetime

import strawberry
from strawberry.types import Info

from app import clock
from app.domain import commands
from app.domain.accounts import funding
from app.domain.accounts import service as accounts
from app.domain.money import parse_amount
from app.settings import get_settings
from graphql_schema.accounts.types import (
    AccountPayload,
    VoucherPayload,
    account_of,
    voucher_of,
)
from graphql_schema.ids import parse_id
from graphql_schema.mutation import payload_mutation
from graphql_schema.permissions import caller_of, operator
from graphql_schema.scalars import Decimal


async def credited(account_id: int) -> AccountPayload:
    return AccountPayload(account=account_of(await accounts.get_account(account_id)))


@strawberry.type
class FundingMutation:
    @payload_mutation(description="Operators: credit cash, income or gift; the key is scoped to the account credited.")
    async def credit_account(
        self, info: Info, account_id: strawberry.ID, amount: Decimal, source: str, idempotency_key: str
    ) -> AccountPayload:
        operator(info)
        command = commands.CreditAccount(
            account_id=parse_id(account_id, "account", "accountId"), amount_fen=parse_amount(amount), source=source
        )
        return await credited(await funding.credit_account(command, key=idempotency_key, at=await clock.now()))

    @payload_mutation(
        description="A recharge reported by the payment gateway (to cash). Customers may call it in "
        "PAYMENTS_MODE=sandbox; operators and services name the account."
    )
    async def top_up(
        self, info: Info, amount: Decimal, idempotency_key: str, account_id: strawberry.ID | None = None
    ) -> AccountPayload:
        caller = caller_of(info)
        sandbox = get_settings().payments_mode == "sandbox"
        funding.may_top_up(caller, sandbox=sandbox)
        named = None if account_id is None else parse_id(account_id, "account", "accountId")
        command = commands.TopUp(
            account_id=funding.top_up_account(caller, named, sandbox=sandbox), amount_fen=parse_amount(amount)
        )
        return await credited(await funding.top_up(command, key=idempotency_key, at=await clock.now()))

    @payload_mutation
    async def grant_voucher(
        self, info: Info, account_id: strawberry.ID, amount: Decimal, expires_at: datetime
    ) -> VoucherPayload:
        operator(info)
        voucher = await funding.grant_voucher(
            parse_id(account_id, "account", "accountId"), parse_amount(amount), expires_at, at=await clock.now()
        )
        return VoucherPayload(voucher=voucher_of(voucher))
