"""Arrears, suspension, reclaim (S-1…S-5) and ban (S-6): the account's overdue states.

Entry conditions and actions are explicit: NORMAL → ARREARS when a postpaid charge takes the
available balance below 0; ARREARS → NORMAL when money brings it back to ≥ 0; ARREARS →
SUSPENDED at arrears start + 24 h; SUSPENDED → NORMAL on a credit that restores ≥ 0; apps still
suspended at suspension + 90 days are RECLAIMED. `Account.next_due_at` carries the next timed
step, run by the sweep like every other timer. Callers hold the account's row lock.
"""

from datetime import datetime, timedelta

from app.domain.accounts.models import Account, Application
from app.domain.events import service as events
from app.domain.money import format_fen
from app.domain.packages.models import Package
from app.domain.timers import punctual

GRACE = timedelta(hours=24)
RETENTION = timedelta(days=90)


def due_at(account: Account) -> datetime | None:
    if account.status == "ARREARS" and account.arrears_since is not None:
        return account.arrears_since + GRACE
    if account.status == "SUSPENDED" and account.suspended_at is not None:
        return account.suspended_at + RETENTION
    return None


async def save_account(account: Account, *fields: str) -> None:
    """Write `fields` of the account with its next due instant recomputed (and its timer set)."""
    account.next_due_at = due_at(account)
    await Account.filter(id=account.id).update(**{f: getattr(account, f) for f in (*fields, "next_due_at")})
    punctual.at_due("account", account, account.next_due_at)


async def after_charge(account: Account, at: datetime) -> None:
    """S-1: a postpaid charge that takes the available balance below 0 starts arrears."""
    if account.status == "NORMAL" and account.available_fen < 0:
        account.status, account.arrears_since = "ARREARS", at
        await save_account(account, "status", "arrears_since")
        await events.record(
            "ARREARS_STARTED",
            account_id=account.id,
            at=at,
            data={"available": format_fen(account.available_fen), "suspendsAt": (at + GRACE).isoformat()},
        )


async def after_credit(account: Account, at: datetime) -> None:
    """S-2, S-4, S-7: money that brings the available balance to ≥ 0 ends arrears or lifts the
    suspension at once; reclaimed apps stay reclaimed."""
    if account.available_fen < 0 or account.status not in ("ARREARS", "SUSPENDED"):
        return
    was = account.status
    account.status, account.arrears_since, account.suspended_at = "NORMAL", None, None
    await save_account(account, "status", "arrears_since", "suspended_at")
    await events.record(
        "ARREARS_CLEARED", account_id=account.id, at=at, data={"available": format_fen(account.available_fen)}
    )
    if was == "SUSPENDED":
        await Application.filter(account_id=account.id, status="SUSPENDED").update(status="ACTIVE")
        await events.record("SUSPENSION_LIFTED", account_id=account.id, at=at, data={})


async def run_due(account: Account, now: datetime) -> int:
    """The timed steps owed by a locked account; re-checked here, so a repeated run does nothing."""
    count = 0
    while (due := due_at(account)) is not None and due <= now:
        if account.status == "ARREARS":
            if account.available_fen >= 0:  # money came back without passing through a credit hook
                await after_credit(account, due)
                count += 1
                continue
            account.status, account.suspended_at = "SUSPENDED", due
            await save_account(account, "status", "suspended_at")
            await Application.filter(account_id=account.id, status="ACTIVE").update(status="SUSPENDED")
            await events.record(
                "ACCOUNT_SUSPENDED",
                account_id=account.id,
                at=due,
                data={"reason": "ARREARS", "reclaimAt": (due + RETENTION).isoformat()},
            )
        else:  # SUSPENDED for the whole retention period
            for app in await Application.filter(account_id=account.id, status="SUSPENDED").order_by("sdk_app_id"):
                await reclaim_app(app, due)
            account.next_due_at = None  # stays SUSPENDED until money comes; nothing more is timed
            await Account.filter(id=account.id).update(next_due_at=None)
            count += 1
            break
        count += 1
    return count


async def reclaim_app(app: Application, at: datetime) -> None:
    """S-5: the app and its packages end for good."""
    app.status = "RECLAIMED"
    await Application.filter(sdk_app_id=app.sdk_app_id).update(status="RECLAIMED")
    for p in await Package.filter(application_id=app.sdk_app_id, status__in=("TRIAL", "ACTIVE", "EXPIRED")):
        p.status, p.ended_at, p.next_due_at, p.auto_renew = "RECLAIMED", at, None, False
        await p.save(update_fields=["status", "ended_at", "next_due_at", "auto_renew"])
    await events.record("APP_RECLAIMED", account_id=app.account_id, sdk_app_id=app.sdk_app_id, at=at, data={})
