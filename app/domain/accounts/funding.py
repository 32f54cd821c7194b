"""Money arriving: operator credits, gateway top-ups (A-4), and vouchers."""

from datetime import datetime
from typing import Any

from app.domain import idempotency, locks
from app.domain.accounts.caller import Caller
from app.domain.accounts.models import Account, Voucher
from app.domain.codes import ErrorCode
from app.domain.commands import CreditAccount, TopUp
from app.domain.errors import DomainError, Forbidden, NotFound
from app.domain.events import service as events
from app.domain.inputs import clean_text
from app.domain.ledger import service as ledger
from app.domain.ledger.service import Posting
from app.domain.money import format_fen
from app.domain.tx import atomic

SOURCES = {"cash": "CASH", "income": "INCOME", "gift": "GIFT"}


async def credit(account_id: int, amount_fen: int, source: str, *, at: datetime, kind: str = "CREDIT") -> Account:
    book = SOURCES.get(clean_text(source or "", "source", max_len=None).lower())
    if book is None:
        raise DomainError(ErrorCode.INVALID_SOURCE, "source must be cash, income or gift", "source")
    async with atomic():
        account = await locks.account(account_id, at)
        if account.type != "OWNER":
            raise DomainError(
                ErrorCode.INVALID_ACCOUNT, "credit the owner account; sub-users have no balance", "accountId"
            )
        await ledger.post(account, kind, [Posting(book, amount_fen), Posting("FUNDING", -amount_fen)], at=at)
        await events.record(
            "BALANCE_CREDITED",
            account_id=account.id,
            at=at,
            data={"amount": format_fen(amount_fen), "source": book.lower(), "kind": kind},
        )
        from app.domain.accounts import arrears

        await arrears.after_credit(account, at)
    return account


async def _credit_once(command: CreditAccount | TopUp, source: str, kind: str, *, key: str, at: datetime) -> int:
    """B-8, the key scoped to the account credited; the answer is that account's id."""
    if not await Account.exists(id=command.account_id):
        raise NotFound("account", "accountId")

    async def run() -> int:
        await credit(command.account_id, command.amount_fen, source, at=at, kind=kind)
        return command.account_id

    async def replay(stored: dict[str, Any]) -> int:
        return int(stored["accountId"])

    return await idempotency.once(
        command,
        account_id=command.account_id,
        key=key,
        now=at,
        run=run,
        record=lambda account_id: {"accountId": str(account_id)},
        replay=replay,
    )


async def credit_account(command: CreditAccount, *, key: str, at: datetime) -> int:
    """Operators: cash, income or gift."""
    return await _credit_once(command, command.source, "CREDIT", key=key, at=at)


def may_top_up(caller: Caller, *, sandbox: bool) -> None:
    """A gateway report comes from operators and services; a customer may report its own top-up
    only in PAYMENTS_MODE=sandbox (A-4). Checked before the input is read."""
    if caller.role not in ("OPERATOR", "SERVICE") and not (caller.role == "CUSTOMER" and sandbox):
        raise Forbidden("topUp (a payment-gateway report) outside sandbox mode")


def top_up_account(caller: Caller, named: int | None, *, sandbox: bool) -> int:
    """Whose cash a gateway report credits: operators and services name the account; a customer
    names at most its own (H-3: another account is NOT_FOUND, like one that does not exist)."""
    may_top_up(caller, sandbox=sandbox)
    if caller.role in ("OPERATOR", "SERVICE"):
        if named is None:
            raise DomainError(ErrorCode.NOT_FOUND, "name the account", "accountId")
        return named
    if caller.account_id is None or named is not None and named not in (caller.account_id, caller.actor_account_id):
        raise NotFound("account", "accountId")
    return caller.account_id


async def top_up(command: TopUp, *, key: str, at: datetime) -> int:
    return await _credit_once(command, "cash", "TOP_UP", key=key, at=at)


async def grant_voucher(account_id: int, amount_fen: int, expires_at: datetime, *, at: datetime) -> Voucher:
    if expires_at.tzinfo is None:
        raise DomainError(ErrorCode.INVALID_TIME, "give expiresAt with its UTC offset", "expiresAt")
    if expires_at <= at:
        raise DomainError(ErrorCode.INVALID_EXPIRY, "a voucher must expire in the future", "expiresAt")
    async with atomic():
        account = await locks.account(account_id, at)
        if account.type != "OWNER":
            raise DomainError(ErrorCode.INVALID_ACCOUNT, "grant vouchers to the owner account", "accountId")
        voucher = await Voucher.create(
            account_id=account.id, amount_fen=amount_fen, expires_at=expires_at, created_at=at
        )
        await events.record(
            "VOUCHER_GRANTED",
            account_id=account.id,
            at=at,
            data={"voucherId": str(voucher.id), "amount": format_fen(amount_fen), "expiresAt": expires_at.isoformat()},
        )
    return voucher
