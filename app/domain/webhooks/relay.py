"""The outbox relay (W-3, W-4, W-5): the database is the schedule. A sweep claims due deliveries
with FOR UPDATE SKIP LOCKED (so any number of workers share the work), leases them, sends them
outside any transaction, records each attempt and schedules the next one. First attempts to one
endpoint go out in `sequence` order: a delivery's first attempt is not claimed while an earlier
one of the same endpoint still waits for its own (per-endpoint FIFO; retries are not ordered)."""

import asyncio
import logging
import random
from datetime import datetime, timedelta
from typing import Any

from tortoise import connections

from app import clock
from app.domain import locks, observe, tx
from app.domain.events import service as events
from app.domain.webhooks import delivery, kick
from app.domain.webhooks.delivery import Message, Outcome
from app.domain.webhooks.endpoints import signing_secrets
from app.domain.webhooks.models import WebhookEndpoint

log = logging.getLogger(__name__)

# W-4: the waits after the 1st … 9th failed attempt; the 10th failure is final.
RETRY_DELAYS = [
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
]
JITTER = 0.1
DISABLE_AFTER = timedelta(days=5)  # W-5
LEASE = timedelta(seconds=60)  # > the 15 s timeout: a claimed delivery whose sender died is due again
BATCH = 100
PARALLEL = 50

_CLAIMABLE = """
  d.status = 'PENDING' AND d.next_attempt_at <= $1
  AND (d.attempts > 0 OR NOT EXISTS (
    SELECT 1 FROM webhook_delivery e WHERE e.endpoint_id = d.endpoint_id AND e.status = 'PENDING'
      AND e.attempts = 0 AND e.sequence < d.sequence))
"""
CLAIM = f"""
WITH due AS (
  SELECT d.id FROM webhook_delivery d JOIN webhook_endpoint w ON w.id = d.endpoint_id AND w.enabled
  WHERE {_CLAIMABLE}
  ORDER BY d.next_attempt_at, d.sequence
  LIMIT $2
  FOR UPDATE OF d SKIP LOCKED
)
UPDATE webhook_delivery d SET next_attempt_at = $3 FROM due WHERE d.id = due.id RETURNING d.id
"""
LOAD = """
SELECT d.id, d.endpoint_id, w.url, w.secret, w.previous_secret, w.previous_until,
       e.id AS event_id, e.type, e.account_id, e.sdk_app_id, e.sequence, e.occurred_at, e.data
FROM webhook_delivery d JOIN webhook_endpoint w ON w.id = d.endpoint_id JOIN event e ON e.id = d.event_id
WHERE d.id = ANY($1::bigint[]) ORDER BY d.sequence
"""
NEXT_DELIVERY = """
SELECT min(d.next_attempt_at) AS due FROM webhook_delivery d
JOIN webhook_endpoint w ON w.id = d.endpoint_id AND w.enabled
WHERE d.status = 'PENDING' AND (d.attempts > 0 OR NOT EXISTS (
    SELECT 1 FROM webhook_delivery e WHERE e.endpoint_id = d.endpoint_id AND e.status = 'PENDING'
      AND e.attempts = 0 AND e.sequence < d.sequence))
"""
# W-5: enabled, failing, and no success for 5 × 24 h since the last success (or creation).
STALE = "enabled AND failing_since IS NOT NULL AND COALESCE(last_success_at, created_at) + interval '5 days'"


def retry_delay(attempts: int, retry_after_s: float | None = None) -> timedelta | None:
    """The wait after the `attempts`-th failed attempt (±10 % jitter, at least Retry-After), or
    None when that was the last one."""
    if attempts > len(RETRY_DELAYS):
        return None
    base = RETRY_DELAYS[attempts - 1]
    delay = base * (1 + random.uniform(-JITTER, JITTER))
    if retry_after_s is not None:
        delay = max(delay, timedelta(seconds=retry_after_s))
    return delay


def _message(row: dict[str, Any]) -> Message:
    return Message(
        row["event_id"],
        row["type"],
        row["account_id"],
        row["sdk_app_id"],
        row["sequence"],
        row["occurred_at"],
        row["data"],
    )


async def _send(row: dict[str, Any]) -> Outcome:
    at = await clock.now()
    secrets = signing_secrets(row["secret"], row["previous_secret"], row["previous_until"], at)
    return await delivery.attempt(row["url"], _message(row), secrets, at)


def _record_attempt(delivery_id: int, endpoint_id: int, outcome: Outcome, status: str) -> None:
    """The one place an attempt's outcome is known: logged and counted (O-1)."""
    observe.webhook_delivery(status)
    log.info(
        "webhook attempt",
        extra={
            "delivery_id": delivery_id,
            "endpoint_id": endpoint_id,
            "http_status": outcome.http_status,
            "outcome": status,
            "duration_ms": outcome.duration_ms,
        },
    )


LOCK_ENDPOINT = """
SELECT id, created_at, last_success_at, failing_since FROM webhook_endpoint
WHERE id = (SELECT endpoint_id FROM webhook_delivery WHERE id = $1) FOR NO KEY UPDATE
"""
LOCK_DELIVERY = "SELECT status, attempts FROM webhook_delivery WHERE id = $1 FOR NO KEY UPDATE"
# $1 delivery, $2 endpoint, $3 at, $4 status, $5 duration, $6 error, $7 body, $8 new status,
# $9 next attempt, $10 last success, $11 failing since
WRITE_ATTEMPT = """
WITH a AS (
  INSERT INTO webhook_attempt (delivery_id, at, http_status, duration_ms, error, response_body)
  VALUES ($1, $3, $4, $5, $6, $7)
), d AS (
  UPDATE webhook_delivery SET attempts = attempts + 1, status = $8, next_attempt_at = $9 WHERE id = $1
)
UPDATE webhook_endpoint SET last_success_at = $10, failing_since = $11 WHERE id = $2
"""


async def record(delivery_id: int, outcome: Outcome) -> str | None:
    """Store the attempt and move the delivery on. Returns the reason to disable the endpoint, if any.
    Lock order endpoint → delivery (the same as a delete or a disable); no account lock is held
    here. Three statements: this runs once per attempt."""
    async with tx.atomic() as conn:
        rows = await conn.execute_query_dict(LOCK_ENDPOINT, [delivery_id])
        if not rows:
            return None  # its endpoint was deleted meanwhile
        endpoint = rows[0]
        rows = await conn.execute_query_dict(LOCK_DELIVERY, [delivery_id])
        if not rows:
            return None
        status, attempts = rows[0]["status"], rows[0]["attempts"] + 1
        next_at, reason = None, None
        last_success, failing_since = endpoint["last_success_at"], endpoint["failing_since"]
        if outcome.ok:
            status, last_success, failing_since = "SUCCEEDED", outcome.at, None
        else:
            failing_since = failing_since or outcome.at
            if outcome.http_status == 410:
                status, reason = "FAILED", "GONE: the endpoint answered 410"
            elif status == "PENDING":
                delay = retry_delay(attempts, outcome.retry_after_s)
                if delay is None:
                    status = "FAILED"
                else:
                    next_at = outcome.at + delay
            if reason is None and outcome.at >= (last_success or endpoint["created_at"]) + DISABLE_AFTER:
                reason = "FAILING: no successful delivery for 5 days"
        await conn.execute_query(
            WRITE_ATTEMPT,
            [
                delivery_id,
                endpoint["id"],
                outcome.at,
                outcome.http_status,
                outcome.duration_ms,
                outcome.error,
                outcome.response_body,
                status,
                next_at,
                last_success,
                failing_since,
            ],
        )
    _record_attempt(delivery_id, endpoint["id"], outcome, status)
    if next_at is not None and not clock.is_simulated():
        await kick.at(next_at)
    return reason


async def disable(endpoint_id: int, reason: str, at: datetime) -> bool:
    """W-4 (410) and W-5: disable the endpoint and raise WEBHOOK_ENDPOINT_DISABLED on its account.
    The endpoint is disabled before the event is written, so it is not owed to itself."""
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id)
    if endpoint is None:
        return False
    async with tx.atomic():
        await locks.account(endpoint.account_id, None)
        endpoint = await WebhookEndpoint.filter(id=endpoint_id).select_for_update(no_key=True).first()
        if endpoint is None or not endpoint.enabled:
            return False
        endpoint.enabled, endpoint.disabled_reason = False, reason
        await endpoint.save(update_fields=["enabled", "disabled_reason"])
        await events.record(
            "WEBHOOK_ENDPOINT_DISABLED",
            account_id=endpoint.account_id,
            at=at,
            data={"endpointId": str(endpoint.id), "url": endpoint.url, "reason": reason},
        )
    return True


async def claim(now: datetime, limit: int = BATCH) -> list[dict[str, Any]]:
    async with tx.atomic() as conn:
        rows = await conn.execute_query_dict(CLAIM, [now, limit, now + LEASE])
    if not rows:
        return []
    loaded: list[dict[str, Any]] = await connections.get("default").execute_query_dict(LOAD, [[r["id"] for r in rows]])
    return loaded


async def _deliver(row: dict[str, Any], gate: asyncio.Semaphore) -> int:
    async with gate:
        outcome = await _send(row)
    try:
        reason = await record(row["id"], outcome)
    except Exception:  # the lease makes it due again; one bad row must not stop the others
        log.exception("recording a webhook attempt failed")
        return 0
    if reason:
        await disable(row["endpoint_id"], reason, outcome.at)
    return 1


async def disable_stale(now: datetime) -> int:
    rows = await connections.get("default").execute_query_dict(
        f"SELECT id, COALESCE(last_success_at, created_at) + interval '5 days' AS due FROM webhook_endpoint "
        f"WHERE {STALE} <= $1 ORDER BY id",
        [now],
    )
    count = 0
    for row in rows:
        count += await disable(row["id"], "FAILING: no successful delivery for 5 days", row["due"])
    return count


async def sweep(now: datetime) -> int:
    """Everything due at `now`: the cron's schedule of record and advanceClock's step (C-2)."""
    total, gate = 0, asyncio.Semaphore(PARALLEL)
    while rows := await claim(now):
        total += sum(await asyncio.gather(*(_deliver(row, gate) for row in rows)))
        # What committed meanwhile is due too (real time); the simulated clock stays where it is.
        now = max(now, await clock.now())
    return total + await disable_stale(now)


async def next_due() -> datetime | None:
    conn = connections.get("default")
    dues = [
        (await conn.execute_query_dict(NEXT_DELIVERY))[0]["due"],
        (
            await conn.execute_query_dict(
                "SELECT min(COALESCE(last_success_at, created_at) + interval '5 days') AS due "
                "FROM webhook_endpoint WHERE enabled AND failing_since IS NOT NULL"
            )
        )[0]["due"],
    ]
    dues = [d for d in dues if d is not None]
    return min(dues) if dues else None


async def redeliver(delivery_id: int) -> None:
    """W-5: one more attempt of the delivery, now. A pending delivery keeps its schedule;
    a finished one gets SUCCEEDED on success and keeps its status otherwise."""
    rows = await connections.get("default").execute_query_dict(LOAD, [[delivery_id]])
    if not rows:
        return
    outcome = await _send(rows[0])
    reason = await record(delivery_id, outcome)
    if reason:
        await disable(rows[0]["endpoint_id"], reason, outcome.at)
