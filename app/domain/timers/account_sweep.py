"""Account timers (S-3, S-5): suspension at arrears + 24 h, reclaim at suspension + 90 days."""

from datetime import datetime

from app.domain import observe, row_locks, tx
from app.domain.accounts import arrears
from app.domain.accounts.models import Account
from app.domain.columns import column

BATCH = 200


async def run_one(account_id: int, now: datetime) -> int:
    async with tx.atomic():
        account = await row_locks.skip_locked("account", Account.filter(id=account_id)).first()
        if account is None or account.next_due_at is None or account.next_due_at > now:
            return 0
        due = account.next_due_at
        count = await arrears.run_due(account, now)
        if count:
            observe.timer_done(due, now)
        return count


async def sweep(now: datetime) -> int:
    total, last_id = 0, 0
    while True:
        ids = await column(Account.filter(next_due_at__lte=now, id__gt=last_id).order_by("id").limit(BATCH), "id", int)
        if not ids:
            return total
        for account_id in ids:
            total += await run_one(account_id, now)
        last_id = ids[-1]


async def next_due() -> datetime | None:
    row = await Account.filter(next_due_at__isnull=False).order_by("next_due_at").only("next_due_at").first()
    return row.next_due_at if row else None
