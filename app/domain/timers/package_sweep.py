"""Running due package transitions: a batched fast path for rows that need no money, and a
per-row path (account lock first) for auto-renewing packages and single-row punctual jobs."""

from datetime import datetime

from app.domain import observe, row_locks, tx
from app.domain.accounts.models import Account
from app.domain.catalog.models import Edition
from app.domain.columns import column
from app.domain.events import service as events
from app.domain.events.bus import Written
from app.domain.events.sequence import bulk_tail
from app.domain.packages import autorenew, periods
from app.domain.packages.models import Package
from app.domain.renewals import alignment
from app.domain.timers import package_events
from app.domain.timers.packages import Due, due_now, schedule

BATCH = 500
UPDATED_FIELDS = [
    "status",
    "ended_at",
    "allowance_month",
    "allowance_granted",
    "allowance_used",
    "prior_anchor",
    "prior_months",
    "short_month_start",
    "short_month_minutes",
    "reminded_7d_for",
    "reminded_1d_for",
    "auto_renew_failure_reason",
    "next_due_at",
    "next_due_kind",
]
SET_BATCH = 5000

# No ORDER BY in `due`: with the row lock between sort and limit PostgreSQL would sort every due
# row for each batch; the events below are still written in due order. Their data is declared
# once in package_events, for this statement and for the per-row path alike.
# The common case, set-based: a trial ending, or a package without auto-renewal expiring, with
# nothing else owed first. The re-check of state and time is in the WHERE clause, under the lock.
END_IN_BULK = f"""
WITH due AS (
  SELECT p.id, p.next_due_at AS due_at FROM package p JOIN account a ON a.id = p.account_id
  WHERE p.next_due_at <= $1 AND p.auto_renew = false AND (
        (p.next_due_kind = 'trial_end' AND p.status = 'TRIAL' AND p.next_due_at = p.rtc_expires_at)
     OR (p.next_due_kind = 'expire' AND p.status = 'ACTIVE'
         AND p.next_due_at = LEAST(p.rtc_expires_at, COALESCE(p.im_expires_at, p.rtc_expires_at))))
  LIMIT $2
  FOR UPDATE OF p, a SKIP LOCKED
), done AS (
  UPDATE package p SET
    status = CASE WHEN p.status = 'TRIAL' THEN 'TRIAL_ENDED' ELSE 'EXPIRED' END,
    ended_at = CASE WHEN p.status = 'TRIAL' THEN due.due_at ELSE p.ended_at END,
    next_due_at = NULL, next_due_kind = NULL
  FROM due WHERE p.id = due.id
  RETURNING p.id AS package_id, p.account_id, p.application_id, p.status, due.due_at,
    due.due_at AS expires_at, array_remove(ARRAY[
      CASE WHEN p.rtc_expires_at = due.due_at THEN p.rtc_code END,
      CASE WHEN p.im_expires_at = due.due_at THEN p.im_code END], NULL) AS components
), ended AS (
  SELECT account_id, application_id AS sdk_app_id,
    CASE WHEN status = 'TRIAL_ENDED' THEN 'TRIAL_ENDED' ELSE 'PACKAGE_EXPIRED' END AS type,
    CASE WHEN status = 'TRIAL_ENDED' THEN {package_events.TRIAL_ENDED.sql()}
         ELSE {package_events.PACKAGE_EXPIRED.sql()} END AS data,
    due_at AS occurred_at,
    row_number() OVER (ORDER BY due_at, package_id) AS ord
  FROM done
){bulk_tail("ended")}"""


async def _minutes(edition: str, cache: dict[str, int]) -> int:
    if edition not in cache:
        cache[edition] = (await Edition.get(code=edition)).included_minutes or 0
    return cache[edition]


async def _apply(p: Package, due: Due, account: Account | None, minutes_cache: dict[str, int]) -> None:
    """One owed transition. `account` (locked) is given on the per-row path only."""
    ids: events.Subject = {"account_id": p.account_id, "sdk_app_id": p.application_id}
    if due.kind == "trial_end":
        p.status, p.ended_at = "TRIAL_ENDED", due.at
        await events.record("TRIAL_ENDED", at=due.at, data=package_events.TRIAL_ENDED.of(package_id=p.id), **ids)
    elif due.kind == "allowance" and alignment.short_month_due(p):
        await alignment.grant_short_month(p, due.at)
    elif due.kind == "allowance":
        periods.set_allowance(p, p.allowance_month + 1, await _minutes(p.edition, minutes_cache))
        await periods.allowance_granted(p, due.at)
    elif due.kind in ("remind_7d", "remind_1d"):
        which = due.kind.removeprefix("remind_")
        expiry = p.expires_at
        setattr(p, f"reminded_{which}_for", expiry)
        reason = None
        if not p.auto_renew:
            reason = "AUTO_RENEW_OFF"
        elif account is not None and await autorenew.renewal_shortfall(account, p, due.at):
            reason = "INSUFFICIENT_BALANCE"
        if reason:
            await events.record(
                "RENEWAL_REMINDER",
                at=due.at,
                **ids,
                data={"packageId": str(p.id), "expiresAt": expiry.isoformat(), "before": which, "reason": reason},
            )
    elif due.kind == "expire":
        if p.auto_renew and account is not None:
            if await autorenew.attempt(account, p, due.at) is None:
                return
        p.status = "EXPIRED"
        ended = [getattr(p, f"{w}_code") for w in autorenew.expiring(p)]
        await events.record(
            "PACKAGE_EXPIRED",
            at=due.at,
            **ids,
            data=package_events.PACKAGE_EXPIRED.of(package_id=p.id, components=ended, expires_at=p.expires_at),
        )


async def _drain(p: Package, now: datetime, account: Account | None, cache: dict[str, int]) -> int:
    count = 0
    while (due := due_now(p, now)) is not None:
        await _apply(p, due, account, cache)
        observe.timer_done(due.at, now)
        count += 1
    schedule(p)
    return count


async def sweep_batch(now: datetime) -> int:
    """Rows without auto-renewal: locked in batches with SKIP LOCKED, so workers share the work."""
    cache: dict[str, int]
    held: set[int]
    total, cache, held = 0, {}, set()
    while True:
        async with tx.atomic():
            query = Package.filter(next_due_at__lte=now, auto_renew=False)
            if held:
                query = query.exclude(id__in=held)
            rows = await row_locks.skip_locked("packages", query).order_by("next_due_at", "id").limit(BATCH)
            if not rows:
                return total
            # Writing an event takes the account's event counter (W-2); the accounts are locked
            # first, without waiting, so a writer holding an account and waiting for one of these
            # packages is never waited for in turn (a deadlock). Rows of busy accounts wait for
            # the next run, or are caught up by that writer itself.
            free = row_locks.skip_locked("account", Account.filter(id__in=sorted({p.account_id for p in rows})))
            locked = set(await column(free, "id", int))
            held.update(p.id for p in rows if p.account_id not in locked)
            rows = [p for p in rows if p.account_id in locked]
            for p in rows:
                total += await _drain(p, now, None, cache)
            if rows:
                await Package.bulk_update(rows, fields=UPDATED_FIELDS)


async def run_one(package_id: int, now: datetime, cache: dict[str, int] | None = None) -> int:
    """Every owed transition of one package, under the account lock (lock order account → package)."""
    cache = {} if cache is None else cache
    row = await Package.get_or_none(id=package_id).only("id", "account_id")
    if row is None:
        return 0
    async with tx.atomic():
        # No catch-up of the account: at one instant package timers run before account timers (runner).
        account = await row_locks.account(row.account_id)
        p = await row_locks.skip_locked("packages", Package.filter(id=package_id)).first()
        if p is None or p.next_due_at is None or p.next_due_at > now:
            return 0
        count = await _drain(p, now, account, cache)
        await p.save(update_fields=UPDATED_FIELDS)
        return count


async def sweep_one_by_one(now: datetime) -> int:
    cache: dict[str, int]
    total, last_id, cache = 0, 0, {}
    while True:
        ids = await column(
            Package.filter(next_due_at__lte=now, auto_renew=True, id__gt=last_id).order_by("id").limit(BATCH), "id", int
        )
        if not ids:
            return total
        for package_id in ids:
            total += await run_one(package_id, now, cache)
        last_id = ids[-1]


async def end_in_bulk(now: datetime) -> int:
    total = 0
    while True:
        async with tx.atomic() as conn:
            rows = await conn.execute_query_dict(END_IN_BULK, [now, SET_BATCH])
            if rows:
                observe.timers_done([r["occurred_at"] for r in rows], now)
                events.published_after_commit(
                    [
                        Written(
                            r["id"],
                            r["account_id"],
                            r["sdk_app_id"],
                            r["type"],
                            r["data"],
                            r["occurred_at"],
                            r["sequence"],
                        )
                        for r in rows
                    ],
                    deliveries=rows[0]["deliveries"],
                )
        total += len(rows)
        if len(rows) < SET_BATCH:
            return total


async def sweep(now: datetime) -> int:
    return await end_in_bulk(now) + await sweep_batch(now) + await sweep_one_by_one(now)


async def next_due() -> datetime | None:
    row = await Package.filter(next_due_at__isnull=False).order_by("next_due_at").only("next_due_at").first()
    return row.next_due_at if row else None


async def catch_up(p: Package | None, account: Account, now: datetime) -> int:
    """What a package the caller holds locked (account → package) owes up to `now`, applied in
    the caller's transaction: the same guarded transitions as the sweep, just not late."""
    if p is None or p.next_due_at is None or p.next_due_at > now:
        return 0
    count = await _drain(p, now, account, {})
    await p.save(update_fields=UPDATED_FIELDS)
    return count
