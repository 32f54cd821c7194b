"""B-8: money-moving mutations run at most once per (account, key).

The whole attempt runs in one transaction holding a transaction-scoped advisory lock on
(account, key): a concurrent duplicate waits for the first, then finds its stored result.
Only success is stored (a refusal rolls everything back, the record included), so a refused
key can be retried. Records older than 24 h no longer bind the key.

`once` is the door-independent entry: a typed command (app/domain/commands.py) is hashed from its
own canonical input, so GraphQL, the CLI and the timers get the same B-8 without listing the
input twice. `run_once` is the primitive under it.
"""

import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from app.domain import rows, trace, tx
from app.domain.accounts.caller import Caller
from app.domain.codes import ErrorCode
from app.domain.commands import Command
from app.domain.errors import DomainError, NotFound
from app.domain.inputs import clean_text
from app.domain.system.models import IdempotencyRecord
from app.domain.tx import atomic

KEY_TTL = timedelta(hours=24)
# Every money-moving mutation sends these (app/domain/rows.py: fixed SQL, no query building)
LOCK_KEY = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"
FIND = "SELECT * FROM idempotency_record WHERE account_id = $1 AND key = $2"
STORE = """INSERT INTO idempotency_record (account_id, key, mutation, request_hash, result, created_at)
VALUES ($1, $2, $3, $4, $5, $6)"""
T = TypeVar("T")
MAX_KEY = 64


def check_key(key: str | None) -> str:
    if key is None or not 1 <= len(key) <= MAX_KEY:
        raise DomainError(
            ErrorCode.INVALID_IDEMPOTENCY_KEY, f"idempotencyKey must be 1–{MAX_KEY} characters", "idempotencyKey"
        )
    return clean_text(key, "idempotencyKey", max_len=None)


def key_space(caller: Caller) -> int:
    """A customer-side caller's keys are scoped to the account it acts for (B-8)."""
    if caller.account_id is None:
        raise NotFound("account", "accountId")
    return caller.account_id


def request_hash(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


async def run_once(
    *,
    account_id: int,
    mutation: str,
    key: str,
    request: dict[str, Any],
    now: datetime,
    action: Callable[[], Awaitable[dict[str, Any]]],
) -> dict[str, Any]:
    """Run `action` (which returns a small JSON-able result) unless this key already succeeded."""
    check_key(key)
    digest = request_hash(request)
    async with atomic() as conn:
        await conn.execute_query(LOCK_KEY, [f"idem:{account_id}:{key}"])
        existing = await rows.fetch_one(IdempotencyRecord, FIND, account_id, key)
        if existing is not None:
            if existing.created_at > now - KEY_TTL:
                if existing.mutation != mutation or existing.request_hash != digest:
                    raise DomainError(
                        ErrorCode.IDEMPOTENCY_KEY_REUSED,
                        "this idempotencyKey was used with another input or operation in the last 24 h",
                        "idempotencyKey",
                    )
                trace.record(f"replay:{mutation}")
                return dict(existing.result)
            await existing.delete()
        # The action's own atomic() joins this transaction: a failure aborts the attempt anyway.
        trace.record(f"once:{mutation}")
        tx.join_next()
        try:
            result = await action()
        finally:
            tx.cancel_join()
        await rows.execute(STORE, account_id, key, mutation, digest, json.dumps(result), now)
        return result


async def once(
    command: Command,
    *,
    account_id: int,
    key: str,
    now: datetime,
    run: Callable[[], Awaitable[T]],
    record: Callable[[T], dict[str, Any]],
    replay: Callable[[dict[str, Any]], Awaitable[T]],
) -> T:
    """B-8 for a typed command: `run` it unless (account, key) already succeeded; the key binds
    the command's name and its own canonical input. `record` turns the result into the small
    JSON stored with the key, `replay` rebuilds a result from it, as things stand now."""
    fresh: list[T] = []

    async def action() -> dict[str, Any]:
        fresh.append(await run())
        return record(fresh[0])

    stored = await run_once(
        account_id=account_id, mutation=command.NAME, key=key, request=command.canonical(), now=now, action=action
    )
    return fresh[0] if fresh else await replay(stored)
