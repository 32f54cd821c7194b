"""Row locks without catch-up: the lock primitives of the write path (app/domain/locks.py), for the
code that does the catching up itself (the package and account sweeps, the arrears steps) and
for writes that owe nothing to catch up.

Lock order for the whole codebase: account → application(s) → package(s) → order(s).
"""

from typing import Any, TypeVar

from tortoise.queryset import QuerySet

from app.domain import rows, trace
from app.domain.accounts.models import Account
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError

Row = TypeVar("Row", bound=Any)
ACCOUNT_FOR_UPDATE = "SELECT * FROM account WHERE id = $1 FOR UPDATE"
KINDS = ("account", "apps", "packages", "orders")  # the lock order, as the write-path trace names it


async def account(account_id: int) -> Account:
    """Lock the account row (first in the lock order), nothing owed applied."""
    row = await rows.fetch_one(Account, ACCOUNT_FOR_UPDATE, account_id)
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "account not found", "accountId")
    trace.record("lock:account")
    return row


def skip_locked(kind: str, query: "QuerySet[Row]") -> "QuerySet[Row]":
    """`query` FOR UPDATE SKIP LOCKED, for timers that share work: rows someone holds are left for
    the next run. Such a lock never waits, so it takes no part in a deadlock whatever the order
    it is taken in (the batch sweep locks packages, then their free accounts)."""
    if kind not in KINDS:
        raise ValueError(f"unknown lock kind {kind}")
    trace.record(f"try_lock:{kind}")
    return query.select_for_update(skip_locked=True)
