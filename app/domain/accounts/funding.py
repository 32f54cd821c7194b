"""Money arriving: operator credits, gateway top-ups (A-4), and vouchers."""
from datetime import datetime

from app.domain import locks
from app.domain.accounts.models import Account, Voucher
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
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
            raise DomainError(ErrorCode.INVALID_ACCOUNT, "credit the owner account; sub-users have no balance", "accountId")
        await ledger.post(account, kind, [Posting(book, amount_fen), Posting("FUNDING", -amount_fen)], at=at)
        await events.record(
            "BALANCE_CREDITED", account_id=account.id, at=at,
            data={"amount": format_fen(amount_fen), "source": book.lower(), "kind": kind},
        )
        from app.domain.accounts import arrears

        await arrears.after_credit(account, at)
    return account


async def grant_voucher(account_id: int, amount_fen: int, expires_at: datetime, *, at: datetime) -> Voucher:
    if expires_at.tzinfo is None:
        raise DomainError(ErrorCode.INVALID_TIME, "give expiresAt with its UTC offset", "expiresAt")
    if expires_at <= at:
        raise DomainError(ErrorCode.INVALID_EXPIRY, "a voucher must expire in the future", "expiresAt")
    async with atomic():
        account = await locks.account(account_id, at)
        if account.type != "OWNER":
            raise DomainError(ErrorCode.INVALID_ACCOUNT, "grant vouchers to the owner account", "accountId")
        voucher = await Voucher.create(account_id=account.id, amount_fen=amount_fen, expires_at=expires_at, created_at=at)
        await events.record(
            "VOUCHER_GRANTED", account_id=account.id, at=at,
            data={"voucherId": str(voucher.id), "amount": format_fen(amount_fen), "expiresAt": expires_at.isoformat()},
        )
    return voucher
