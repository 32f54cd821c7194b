"""S-6: banning an account — a command on the write path (lock the account, catch it up, then
change it), apart from the arrears steps, which are themselves catch-up code."""

from datetime import datetime

from app.domain import locks, tx
from app.domain.accounts.arrears import save_account
from app.domain.accounts.models import Account, Application
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.events import service as events
from app.domain.inputs import clean_text
from app.domain.packages.models import Package


async def ban(account_id: int, reason: str, at: datetime) -> Account:
    """S-6: the account and every app BANNED at once and for ever; auto-renew off."""
    reason = clean_text(reason or "", "reason", max_len=None).strip()
    if not reason or len(reason) > 200:
        raise DomainError(ErrorCode.INVALID_REASON, "give a reason of 1–200 characters", "reason")
    async with tx.atomic():
        account = await locks.account(account_id, at)
        if account.type != "OWNER":
            raise DomainError(ErrorCode.NOT_FOUND, "account not found", "accountId")
        if account.status == "BANNED":
            return account
        account.status = "BANNED"
        await save_account(account, "status")
        await Application.filter(account_id=account.id).exclude(status="RECLAIMED").update(status="BANNED")
        await Package.filter(account_id=account.id).update(auto_renew=False)
        await events.record("ACCOUNT_BANNED", account_id=account.id, at=at, data={"reason": reason})
    return account
