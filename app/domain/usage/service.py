"""Usage ingestion (M-1, M-2, T-5): idempotent by eventId, rated at arrival.

A batch is one transaction: the apps' current packages are locked (account → app → package
order is kept by locking packages only, never accounts), the new events are inserted with
ON CONFLICT DO NOTHING so only the first arrival of an eventId is rated, and the allowance of
each package month is consumed in occurrence order.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from tortoise import connections

from app.domain import locks, tx
from app.domain.accounts.models import Application
from app.domain.catalog.models import UsageWeight
from app.domain.codes import ErrorCode, PackageStatus
from app.domain.errors import DomainError
from app.domain.events import bus
from app.domain.inputs import clean_text
from app.domain.packages.models import Package
from app.domain.usage.rating import local_day, split_allowance

MAX_BATCH = 1000
MAX_FUTURE = timedelta(minutes=10)
MAX_MINUTES = 10**7
LIVE = (PackageStatus.TRIAL, PackageStatus.ACTIVE, PackageStatus.EXPIRED)


OWNERS = "SELECT sdk_app_id, account_id FROM application WHERE sdk_app_id = ANY($1)"
# What rating needs of every package the apps ever had (newest first), without building models:
# a batch touches hundreds of packages and the ORM's row conversion was most of its cost.
HISTORY = """SELECT id, application_id, status, edition, started_at, rtc_expires_at, im_expires_at, ended_at
FROM package WHERE application_id = ANY($1) ORDER BY id DESC"""


@dataclass(frozen=True, slots=True)
class Span:
    """A package as rating sees it: when it covered its app, and as what."""

    id: int
    application_id: int
    status: str
    edition: str
    started_at: datetime
    rtc_expires_at: datetime
    im_expires_at: datetime | None
    ended_at: datetime | None


@dataclass(frozen=True)
class UsageInput:
    event_id: str
    sdk_app_id: int
    kind: str
    minutes: int
    occurred_at: datetime


@dataclass
class IngestResult:
    accepted: int
    duplicates: int
    errors: list[tuple[int, DomainError]]  # (index in the batch, error)


def _check(e: UsageInput, weights: dict[str, int], now: datetime) -> None:
    if not e.event_id or len(e.event_id) > 128:
        raise DomainError(ErrorCode.INVALID_EVENT_ID, "eventId must be 1–128 characters", "eventId")
    clean_text(e.event_id, "eventId", max_len=None)
    if e.kind not in weights:
        raise DomainError(ErrorCode.INVALID_KIND, f"unknown usage kind {e.kind}", "kind")
    if e.minutes < 0 or e.minutes > MAX_MINUTES:
        raise DomainError(ErrorCode.INVALID_MINUTES, "minutes must be between 0 and 10,000,000", "minutes")
    if e.occurred_at.tzinfo is None:
        raise DomainError(ErrorCode.INVALID_TIME, "occurredAt needs its UTC offset", "occurredAt")
    if e.occurred_at > now + MAX_FUTURE:
        raise DomainError(ErrorCode.INVALID_TIME, "occurredAt is in the future", "occurredAt")


INSERT = """
INSERT INTO usage_record (event_id, sdk_app_id, account_id, kind, minutes, standard_minutes, included_minutes,
                          billable_minutes, package_id, trial, occurred_at, day, recorded_at)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[],
                     $7::bigint[], $8::bigint[], $9::bigint[], $10::bool[], $11::timestamptz[], $12::date[],
                     $13::timestamptz[])
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
"""


RATE = """
UPDATE usage_record u SET included_minutes = r.included, billable_minutes = r.billable,
  package_id = r.package_id, trial = r.trial
FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bool[])
  AS r(event_id, included, billable, package_id, trial)
WHERE u.event_id = r.event_id
"""


CONSUME = """
UPDATE package p SET allowance_used = p.allowance_used + c.minutes
FROM unnest($1::bigint[], $2::bigint[]) AS c(id, minutes) WHERE p.id = c.id
"""


def _end(p: Package | Span) -> datetime:
    ends = [p.rtc_expires_at] + ([p.im_expires_at] if p.im_expires_at else [])
    if p.ended_at is not None:
        ends.append(p.ended_at)
    return min(ends)


def _covering(history: list[Package | Span], at: datetime) -> tuple[str, Package | Span | None]:
    """What the app had when the usage happened: ("TRIAL", p), ("PAID", p) or ("NONE", None).
    A late report is rated by the package of its instant, so trial usage stays free (T-5)."""
    for p in history:  # newest first
        if p.started_at <= at < _end(p):
            if p.status == "REFUNDED":
                return "NONE", None
            return ("TRIAL" if p.edition == "TRIAL" else "PAID"), p
    return "NONE", None


async def record_usage(events: list[UsageInput], *, now: datetime) -> IngestResult:
    if len(events) > MAX_BATCH:
        raise DomainError(
            ErrorCode.BATCH_TOO_LARGE, f"at most {MAX_BATCH} events a call; the batch was refused whole", "events"
        )
    weights = {w.kind: w.weight for w in await UsageWeight.all()}
    errors: list[tuple[int, DomainError]] = []
    good: list[tuple[int, UsageInput]] = []
    seen: set[str] = set()
    duplicates = 0
    for index, e in enumerate(events):
        try:
            _check(e, weights, now)
        except DomainError as err:
            errors.append((index, err))
            continue
        if e.event_id in seen:
            duplicates += 1
            continue
        seen.add(e.event_id)
        good.append((index, e))
    app_ids = sorted({e.sdk_app_id for _, e in good})
    conn = connections.get("default")
    owners = {r["sdk_app_id"]: r["account_id"] for r in await conn.execute_query_dict(OWNERS, [app_ids])}
    known = []
    for index, e in good:
        if e.sdk_app_id in owners:
            known.append(e)
        else:
            errors.append(
                (index, DomainError(ErrorCode.NOT_FOUND, f"application {e.sdk_app_id} not found", "sdkAppId"))
            )
    if not known:
        return IngestResult(0, duplicates, sorted(errors, key=lambda x: x[0]))
    ordered = sorted(known, key=lambda e: (e.occurred_at, e.event_id))
    async with tx.atomic() as conn:
        # Insert first, lock after: the heaviest statement runs before the package rows are held,
        # so concurrent batches for the same apps wait on each other for less time.
        columns = list(
            zip(
                *[
                    (
                        e.event_id,
                        e.sdk_app_id,
                        owners[e.sdk_app_id],
                        e.kind,
                        e.minutes,
                        e.minutes * weights[e.kind],
                        0,
                        0,
                        None,
                        False,
                        e.occurred_at,
                        local_day(e.occurred_at),
                        now,
                    )
                    for e in ordered
                ]
            )
        )
        inserted = {r["event_id"] for r in await conn.execute_query_dict(INSERT, [list(c) for c in columns])}
        app_list = sorted({e.sdk_app_id for e in ordered if e.event_id in inserted})
        # Catch up first (C-1): a package whose month boundary or expiry is due but whose timer has
        # not run is brought to now, under account → package locks, before any minute is rated.
        current = await locks.rated_packages(app_list, now)
        history: dict[int, list[Package | Span]] = {}
        for row in await conn.execute_query_dict(HISTORY, [app_list]):
            span = current.get(row["id"]) or Span(**row)
            history.setdefault(span.application_id, []).append(span)
        # Only first arrivals are rated, in occurrence order, against a running allowance; the
        # package of the usage's instant decides trial (free), paid (allowance) or none (billed).
        rated: list[tuple[str, int, int, int | None, bool]] = []
        used: dict[int, int] = {}
        for e in ordered:
            if e.event_id not in inserted:
                continue
            covering, package = _covering(history.get(e.sdk_app_id, []), e.occurred_at)
            std = e.minutes * weights[e.kind]
            included, billable = 0, (0 if covering == "TRIAL" else std)
            if (
                covering == "PAID" and package is not None and package.id in current
            ):  # only the current month can still give
                live = current[package.id]
                left = live.allowance_granted - live.allowance_used - used.get(live.id, 0)
                included, billable = split_allowance(std, left)
                used[package.id] = used.get(package.id, 0) + included
            rated.append((e.event_id, included, billable, package.id if package else None, covering == "TRIAL"))
        if rated:
            await conn.execute_query(RATE, [list(c) for c in zip(*rated)])
        if used:
            ids, minutes = (list(c) for c in zip(*sorted(used.items())))
            await conn.execute_query(CONSUME, [ids, minutes])
            touched = [(current[i].account_id, current[i].application_id) for i in ids]

            async def touch_all() -> None:
                for account_id, sdk_app_id in touched:
                    await bus.touch(account_id, sdk_app_id)

            tx.on_commit(touch_all)
    accepted = len(inserted)
    return IngestResult(accepted, duplicates + len(known) - accepted, sorted(errors, key=lambda x: x[0]))


async def record_im_stats(sdk_app_id: int, day: date, dau: int, peak_groups: int, *, now: datetime) -> bool:
    """Idempotent by (app, day): True when recorded, False for a duplicate."""
    if dau < 0 or peak_groups < 0:
        raise DomainError(ErrorCode.INVALID_STATS, "dau and peakGroups must not be negative", "dau")
    if day > local_day(now):
        raise DomainError(ErrorCode.INVALID_DAY, "day is in the future", "day")
    app = await Application.get_or_none(sdk_app_id=sdk_app_id)
    if app is None:
        raise DomainError(ErrorCode.NOT_FOUND, f"application {sdk_app_id} not found", "sdkAppId")
    conn = connections.get("default")
    rows = await conn.execute_query_dict(
        "INSERT INTO im_daily_stat (sdk_app_id, account_id, day, dau, peak_groups, recorded_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sdk_app_id, day) DO NOTHING RETURNING id",
        [sdk_app_id, app.account_id, day, dau, peak_groups, now],
    )
    return bool(rows)
