"""Money in: creditAccount and topUp (idempotent, B-8), grantVoucher."""
from datetime import datetime

import strawberry
from strawberry.types import Info

from app import clock
from app.domain import idempotency
from app.domain.accounts import funding
from app.domain.accounts import service as accounts
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.money import parse_amount
from app.settings import get_settings
from graphql_schema.accounts.types import (
    AccountPayload,
    VoucherPayload,
    account_of,
    voucher_of,
)
from graphql_schema.errors import forbidden, user_errors
from graphql_schema.ids import own_account, parse_id
from graphql_schema.permissions import caller_of, operator
from graphql_schema.scalars import Decimal


async def _credit(account_id: int, amount: str, source: str, key: str, mutation: str, kind: str) -> AccountPayload:
    try:
        amount_fen = parse_amount(amount)
        now = await clock.now()
        request = {"accountId": account_id, "amount": amount_fen, "source": (source or "").lower()}

        async def action() -> dict:
            await funding.credit(account_id, amount_fen, source, at=now, kind=kind)
            return {"accountId": str(account_id)}

        await idempotency.run_once(account_id=account_id, mutation=mutation, key=key, request=request, now=now,
                                   action=action)
        return AccountPayload(account=account_of(await accounts.get_account(account_id)))
    except DomainError as e:
        return AccountPayload(errors=user_errors(e))


@strawberry.type
class FundingMutation:
    @strawberry.mutation(description="Operators: credit cash, income or gift; the key is scoped to the account credited.")
    async def credit_account(
        self, info: Info, account_id: strawberry.ID, amount: Decimal, source: str, idempotency_key: str
    ) -> AccountPayload:
        operator(info)
        try:
            target = parse_id(account_id, "account", "accountId")
            await accounts.get_account(target)
        except DomainError as e:
            return AccountPayload(errors=user_errors(e))
        return await _credit(target, amount, source, idempotency_key, "creditAccount", "CREDIT")

    @strawberry.mutation(description="A recharge reported by the payment gateway (to cash). Customers may call it in "
                                     "PAYMENTS_MODE=sandbox; operators and services name the account.")
    async def top_up(
        self, info: Info, amount: Decimal, idempotency_key: str, account_id: strawberry.ID | None = None
    ) -> AccountPayload:
        caller = caller_of(info)
        if caller.role in ("OPERATOR", "SERVICE"):
            if account_id is None:
                return AccountPayload(errors=user_errors(DomainError(ErrorCode.NOT_FOUND, "name the account", "accountId")))
            try:
                target = parse_id(account_id, "account", "accountId")
                await accounts.get_account(target)
            except DomainError as e:
                return AccountPayload(errors=user_errors(e))
        elif caller.role == "CUSTOMER" and get_settings().payments_mode == "sandbox":
            try:
                target = own_account(caller, account_id)
            except DomainError as e:
                return AccountPayload(errors=user_errors(e))
        else:
            raise forbidden("topUp (a payment-gateway report) outside sandbox mode")
        return await _credit(target, amount, "cash", idempotency_key, "topUp", "TOP_UP")

    @strawberry.mutation
    async def grant_voucher(
        self, info: Info, account_id: strawberry.ID, amount: Decimal, expires_at: datetime
    ) -> VoucherPayload:
        operator(info)
        try:
            voucher = await funding.grant_voucher(
                parse_id(account_id, "account", "accountId"), parse_amount(amount), expires_at, at=await clock.now()
            )
        except DomainError as e:
            return VoucherPayload(errors=user_errors(e))
        return VoucherPayload(voucher=voucher_of(voucher))
