"""B-8: money-moving mutations run at most once per (account, key).

The whole attempt runs in one transaction holding a transaction-scoped advisory lock on
(account, key): a concurrent duplicate waits for the first, then finds its stored result.
Only success is stored (a refusal rolls everything back, the record included), so a refused
key can be retried. Records older than 24 h no longer bind the key.
"""
import hashlib
import json
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from app.domain import tx
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.inputs import clean_text
from app.domain.system.models import IdempotencyRecord
from app.domain.tx import atomic

KEY_TTL = timedelta(hours=24)
MAX_KEY = 64


def check_key(key: str | None) -> str:
    if key is None or not 1 <= len(key) <= MAX_KEY:
        raise DomainError(ErrorCode.INVALID_IDEMPOTENCY_KEY, f"idempotencyKey must be 1–{MAX_KEY} characters",
                          "idempotencyKey")
    return clean_text(key, "idempotencyKey", max_len=None)


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
        await conn.execute_query(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [f"idem:{account_id}:{key}"]
        )
        existing = await IdempotencyRecord.filter(account_id=account_id, key=key).first()
        if existing is not None:
            if existing.created_at > now - KEY_TTL:
                if existing.mutation != mutation or existing.request_hash != digest:
                    raise DomainError(ErrorCode.IDEMPOTENCY_KEY_REUSED,
                        "this idempotencyKey was used with another input or operation in the last 24 h",
                        "idempotencyKey",
                    )
                return existing.result
            await existing.delete()
        # The action's own atomic() joins this transaction: a failure aborts the attempt anyway.
        tx.join_next()
        try:
            result = await action()
        finally:
            tx.cancel_join()
        await IdempotencyRecord.create(
            account_id=account_id, key=key, mutation=mutation, request_hash=digest, result=result, created_at=now
        )
        return result
