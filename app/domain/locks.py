"""The write path's first two steps, written once: lock, then catch up.

Lock order for the whole codebase: account → application(s) → package(s) → order(s); within one
kind, ascending id. Every write that touches more than one of these takes them through here, so
two writers can never wait on each other in opposite orders.

Catch-up: whatever the locked rows owe up to `at` (an arrears step, an expiry, an auto-renewal, an
allowance grant) is applied before the command looks at them, in the command's transaction and
under the same locks. A timer that runs late therefore changes nothing but lateness (C-1): the
command sees exactly the state it would have seen had every timer run on time.

The catch-up code itself (the sweeps, the arrears steps) takes its locks from app/domain/row_locks.py,
the same locks without catch-up, so this module can depend on it and not the other way round.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from app.domain import row_locks, rows, trace
from app.domain.accounts import arrears
from app.domain.accounts.models import Account, Application
from app.domain.columns import column
from app.domain.codes import PackageStatus
from app.domain.orders.models import Order
from app.domain.packages.models import Package
from app.domain.row_locks import KINDS, skip_locked
from app.domain.timers import package_sweep

__all__ = ["KINDS", "Scope", "account", "scope", "skip_locked"]

LIVE_PACKAGE_STATES = (PackageStatus.TRIAL, PackageStatus.ACTIVE, PackageStatus.EXPIRED)
# The statements every order-placing command sends, in fixed SQL (app/domain/rows.py)
APPS_FOR_UPDATE = (
    "SELECT * FROM application WHERE sdk_app_id = ANY($1) AND account_id = $2 ORDER BY sdk_app_id FOR UPDATE"
)
LIVE_PACKAGE_IDS = "SELECT id FROM package WHERE application_id = ANY($1) AND status IN ({})".format(
    ", ".join(f"'{s.value}'" for s in LIVE_PACKAGE_STATES)
)
PACKAGES_FOR_UPDATE = "SELECT * FROM package WHERE id = ANY($1) ORDER BY id FOR UPDATE"


@dataclass
class Scope:
    """What one command holds locked, already caught up to `at`."""

    account: Account
    apps: dict[int, Application] = field(default_factory=dict)
    # sdk_app_id → the app's running or renewable package after catch-up (None when it has none)
    packages: dict[int, Package | None] = field(default_factory=dict)
    by_id: dict[int, Package] = field(default_factory=dict)  # every locked package, whatever its state
    orders: dict[int, Order] = field(default_factory=dict)


async def account(account_id: int, at: datetime | None) -> Account:
    """Lock the account row and apply its owed arrears steps (S-3, S-5) up to `at`."""
    row = await row_locks.account(account_id)
    if at is None:
        return row
    trace.record("catch_up:account")
    if row.next_due_at is not None and row.next_due_at <= at:
        await arrears.run_due(row, at)
    return row


async def scope(
    account_id: int,
    at: datetime,
    *,
    sdk_app_ids: Iterable[int] = (),
    package_ids: Iterable[int] = (),
    order_ids: Iterable[int] = (),
) -> Scope:
    """Lock the account, then those of `sdk_app_ids` that are its apps (others are left out of
    `apps`: the caller answers NOT_FOUND), their current packages (plus `package_ids`), then
    `order_ids`, each kind in ascending id order; catch every locked row up to `at`."""
    held = Scope(await account(account_id, at))
    app_ids = sorted(set(sdk_app_ids))
    if app_ids:
        held.apps = {a.sdk_app_id: a for a in await rows.fetch(Application, APPS_FOR_UPDATE, app_ids, account_id)}
        app_ids = sorted(held.apps)
        trace.record("lock:apps")
    wanted = set(package_ids)
    live = [p.id for p in await rows.fetch(Package, LIVE_PACKAGE_IDS, app_ids)] if app_ids else []
    ids = sorted(wanted | set(live))
    if ids:
        held.by_id = {p.id: p for p in await rows.fetch(Package, PACKAGES_FOR_UPDATE, ids)}
        trace.record("lock:packages")
    for package in held.by_id.values():
        await package_sweep.catch_up(package, held.account, at)
    if held.by_id:
        trace.record("catch_up:packages")
    for sdk_app_id in app_ids:
        # The newest running or renewable package of the app (packages of an app never overlap);
        # a trial that the catch-up just ended is no longer current.
        live_rows = [
            p for p in held.by_id.values() if p.application_id == sdk_app_id and p.status in LIVE_PACKAGE_STATES
        ]
        held.packages[sdk_app_id] = max(live_rows, key=lambda p: p.id) if live_rows else None
    order_list = sorted(set(order_ids))
    if order_list:
        held.orders = {o.id: o for o in await Order.filter(id__in=order_list).order_by("id").select_for_update()}
        trace.record("lock:orders")
    return held


async def rated_packages(sdk_app_ids: list[int], at: datetime) -> dict[int, Package]:
    """M-1's batch, across many accounts: the running packages of the apps, locked and caught up to
    `at`. Only the accounts with something owed are locked (first, in id order, as everywhere):
    locking every account of a 1,000-event batch would serialise usage behind every command."""
    owing = Package.filter(application_id__in=sdk_app_ids, next_due_at__lte=at)
    accounts = {a: await account(a, at) for a in sorted(set(await column(owing, "account_id", int)))}
    rows = await (
        Package.filter(application_id__in=sdk_app_ids, status__in=LIVE_PACKAGE_STATES)
        .order_by("application_id")
        .select_for_update()
    )
    if rows:
        trace.record("lock:packages")
    for package in rows:
        if package.account_id in accounts:  # every package that owes something is of one of these
            await package_sweep.catch_up(package, accounts[package.account_id], at)
    if rows:
        trace.record("catch_up:packages")
    return {p.id: p for p in rows}
