"""Trials, purchases, renewals and the auto-renew setting (SPEC §3, §4, R-1, R-2)."""
from dataclasses import dataclass
from datetime import datetime

from app.domain.tx import atomic

from app.domain.accounts.caller import Caller
from app.domain.accounts.models import Account, Application
from app.domain.catalog import service as catalog
from app.domain.catalog.models import Component, Edition
from app.domain.catalog.pricing import Line
from app.domain.errors import DomainError, NotFound
from app.domain.events import service as events
from app.domain.ledger import service as ledger
from app.domain.money import format_fen
from app.domain.orders import payment
from app.domain.orders import service as orders
from app.domain.orders.models import Order
from app.domain.packages import read, rules
from app.domain.packages.models import Package

TRIALS_PER_APP = 2
TRIALS_PER_ACCOUNT = 10
SCOPES = {"FULL": ("rtc", "im"), "RTC_ONLY": ("rtc",), "IM_ONLY": ("im",)}


@dataclass
class Locked:
    account: Account
    app: Application
    package: Package | None


async def lock_app(caller: Caller, sdk_app_id: int, at: datetime) -> Locked:
    """Lock in the fixed order account → application → current package, and check who may act.
    Whatever the package owes up to `at` (an expiry whose timer has not run yet) is applied first,
    so no decision is taken on a state that time has already changed (C-1, N-2)."""
    from app.domain.timers import package_sweep

    app = await Application.get_or_none(sdk_app_id=sdk_app_id)
    if app is None or app.account_id != caller.account_id:
        raise NotFound("application", "sdkAppId")
    account = await ledger.lock_account(app.account_id)
    app = await Application.filter(sdk_app_id=sdk_app_id).select_for_update().first()
    package = await read.current_for_app(sdk_app_id, for_update=True)
    await package_sweep.catch_up(package, account, at)
    return Locked(account, app, package)


def check_account_may_buy(locked: Locked) -> None:
    if locked.account.status == "BANNED" or locked.app.status == "BANNED":
        raise DomainError("ACCOUNT_BANNED", "the account is banned")
    if not locked.account.real_name_verified:
        raise DomainError("REAL_NAME_REQUIRED", "complete real-name verification first")
    if locked.app.status == "RECLAIMED":
        raise DomainError("APP_RECLAIMED", "the application was reclaimed; nothing can be bought for it", "sdkAppId")


def schedule(package: Package) -> None:
    """Set the next instant a timer has work on this package (C-1), and make it punctual."""
    from app.domain.timers import packages as package_timers

    package_timers.schedule(package)


async def _end_superseded(package: Package | None, at: datetime) -> None:
    """T-4: a purchase ends a running trial at once; a fully or partly expired package is closed."""
    if package is None:
        return
    if package.status == "TRIAL":
        package.status = "TRIAL_ENDED"
        await events.record("TRIAL_ENDED", account_id=package.account_id, sdk_app_id=package.application_id, at=at,
                            data={"packageId": str(package.id), "reason": "PURCHASE"})
    package.ended_at = at
    package.next_due_at = None
    await package.save(update_fields=["status", "ended_at", "next_due_at"])


async def start_trial(caller: Caller, sdk_app_id: int, *, at: datetime) -> Package:
    async with atomic():
        locked = await lock_app(caller, sdk_app_id, at)
        check_account_may_buy(locked)
        if locked.app.trials_used >= TRIALS_PER_APP:
            raise DomainError("TRIAL_LIMIT_PER_APP", f"an application gets at most {TRIALS_PER_APP} trials")
        if locked.account.trials_started >= TRIALS_PER_ACCOUNT:
            raise DomainError("TRIAL_LIMIT_PER_ACCOUNT", f"an account gets at most {TRIALS_PER_ACCOUNT} trials")
        current = locked.package
        if current is not None and current.status == "TRIAL":
            raise DomainError("TRIAL_ACTIVE", "a trial is already running on this application")
        if current is not None and current.status == "ACTIVE":
            raise DomainError("PACKAGE_ALREADY_ACTIVE", "a paid package is active on this application")
        await _end_superseded(current, at)
        expires = rules.trial_expiry(at)
        package = Package(
            application_id=sdk_app_id, account_id=locked.account.id, edition="TRIAL", status="TRIAL",
            rtc_code="RTC_TRIAL", rtc_anchor=at, rtc_months=0, rtc_expires_at=expires, started_at=at, created_at=at,
        )
        schedule(package)
        await package.save()
        await Application.filter(sdk_app_id=sdk_app_id).update(trials_used=locked.app.trials_used + 1)
        await Account.filter(id=locked.account.id).update(trials_started=locked.account.trials_started + 1)
        await events.record("TRIAL_STARTED", account_id=locked.account.id, sdk_app_id=sdk_app_id, at=at,
                            data={"packageId": str(package.id), "expiresAt": expires.isoformat()})
    return package


async def plan_payment(locked: Locked, lines: list[Line], at: datetime, *, voucher_ids=None, vouchers=None):
    """B-5/B-6 before anything is written: refused here, nothing has to be undone."""
    if vouchers is None:
        vouchers = await payment.lock_vouchers(locked.account, voucher_ids or [], at)
    return payment.plan_split(locked.account, sum(line.amount_fen for line in lines), vouchers)


async def purchase(
    caller: Caller, *, sdk_app_id: int, edition: str, months: int, auto_renew: bool, accept_agreements: bool,
    voucher_ids: list[int], at: datetime,
) -> Order:
    view = await catalog.purchasable_edition(edition)
    catalog.check_months(months)
    if not accept_agreements:
        raise DomainError("AGREEMENT_NOT_ACCEPTED", "accept the service agreements to buy", "acceptAgreements")
    async with atomic():
        locked = await lock_app(caller, sdk_app_id, at)
        check_account_may_buy(locked)
        current = locked.package
        if current is not None and current.status == "ACTIVE":
            raise DomainError("PACKAGE_ALREADY_ACTIVE", "a paid package is active: renew or upgrade it instead")
        lines = await catalog.purchase_quote(
            view, months, campaigns_allowed=caller.actor_type == "OWNER", account_id=locked.account.id
        )
        split = await plan_payment(locked, lines, at, voucher_ids=voucher_ids)
        await _end_superseded(current, at)
        rtc_expiry = rules.add_months(at, months)
        package = Package(
            application_id=sdk_app_id, account_id=locked.account.id, edition=edition, status="ACTIVE",
            rtc_code=view.rtc.code, rtc_anchor=at, rtc_months=months, rtc_expires_at=rtc_expiry,
            im_code=view.im.code, im_anchor=at, im_months=months, im_expires_at=rtc_expiry,
            started_at=at, auto_renew=auto_renew, auto_renew_months=1, created_at=at,
            renew_flag="AUTO_RENEW" if auto_renew else "MANUAL_RENEW",
        )
        set_allowance(package, 0, view.edition.included_minutes)
        schedule(package)
        await package.save()
        order = await orders.create(
            account_id=locked.account.id, placed_by_id=caller.actor_account_id, sdk_app_id=sdk_app_id,
            package_id=package.id, kind="PURCHASE", edition=edition, months=months, lines=lines, at=at,
            details={"periodStart": at.isoformat(), "periodEnd": rtc_expiry.isoformat()}, split=split,
        )
        await payment.collect(locked.account, split, order_id=order.id, kind="PURCHASE", at=at)
        await events.record(
            "PACKAGE_PURCHASED", account_id=locked.account.id, sdk_app_id=sdk_app_id, at=at,
            data={"orderId": str(order.id), "packageId": str(package.id), "edition": edition, "months": months,
                  "amount": format_fen(order.amount_fen), "expiresAt": rtc_expiry.isoformat()},
        )
        await allowance_granted(package, at)
    return order


def component_state(package: Package, which: str) -> dict:
    return {
        "anchor": getattr(package, f"{which}_anchor").isoformat(),
        "months": getattr(package, f"{which}_months"),
        "expiresAt": getattr(package, f"{which}_expires_at").isoformat(),
    }


def extend_component(package: Package, which: str, months: int, at: datetime) -> bool:
    """R-1 / B-3: from the current expiry keeping the anchor; restarted from now once expired.
    Returns True when the component restarted (a new anchor)."""
    # A component renewed at its very expiry instant (auto-renewal) continues: no gap, same anchor.
    restarted = getattr(package, f"{which}_expires_at") < at
    if restarted:
        total, anchor = months, at
        setattr(package, f"{which}_anchor", at)
    else:
        total = getattr(package, f"{which}_months") + months
        anchor = getattr(package, f"{which}_anchor")
    setattr(package, f"{which}_months", total)
    setattr(package, f"{which}_expires_at", rules.add_months(anchor, total))
    return restarted


def refresh_status(package: Package, at: datetime) -> None:
    """R-5: ACTIVE while both components run, EXPIRED once either has ended."""
    if package.status in ("ACTIVE", "EXPIRED"):
        package.status = "ACTIVE" if package.expires_at > at else "EXPIRED"


async def renewal_lines(package: Package, components: tuple[str, ...], months: int) -> list[Line]:
    codes = [getattr(package, f"{which}_code") for which in components]
    rows = {c.code: c for c in await Component.filter(code__in=codes)}
    return [
        Line(f"{rows[code].name} ({code}), {months} month{'s' if months > 1 else ''}", months,
             rows[code].monthly_price_fen * months)
        for code in codes
    ]


def renewable(package: Package | None) -> Package:
    if package is None or package.status not in ("ACTIVE", "EXPIRED") or package.edition == "TRIAL":
        raise DomainError("NO_ACTIVE_PACKAGE", "the application has no paid package to renew", "sdkAppId")
    return package


def set_allowance(package: Package, month: int, minutes: int | None) -> None:
    """M-2: the included minutes of package month `month` (0-based from the RTC anchor)."""
    package.allowance_month, package.allowance_granted, package.allowance_used = month, minutes or 0, 0


async def allowance_granted(package: Package, at: datetime) -> None:
    await events.record("ALLOWANCE_GRANTED", account_id=package.account_id, sdk_app_id=package.application_id, at=at,
                        data={"packageId": str(package.id), "month": package.allowance_month + 1,
                              "minutes": package.allowance_granted})


async def grant_allowance(package: Package, month: int, at: datetime) -> None:
    set_allowance(package, month, (await Edition.get(code=package.edition)).included_minutes)
    await allowance_granted(package, at)


async def apply_renewal(
    locked: Locked, package: Package, components: tuple[str, ...], months: int, *, at: datetime, kind: str,
    placed_by_id: int | None, scope: str, voucher_ids: list[int] | None = None, vouchers=None,
) -> Order:
    """Extend `components` by `months`, write the order and take the money, in the caller's transaction."""
    lines = await renewal_lines(package, components, months)
    split = await plan_payment(locked, lines, at, voucher_ids=voucher_ids, vouchers=vouchers)
    before = {which: component_state(package, which) for which in components}
    restarted = {which: extend_component(package, which, months, at) for which in components}
    after = {which: component_state(package, which) for which in components}
    refresh_status(package, at)
    if restarted.get("rtc") and package.status == "ACTIVE":
        await grant_allowance(package, 0, at)
    order = await orders.create(
        account_id=locked.account.id, placed_by_id=placed_by_id, sdk_app_id=package.application_id,
        package_id=package.id, kind=kind, edition=package.edition, months=months, lines=lines, at=at,
        scope=scope, details={"before": before, "after": after}, split=split,
    )
    await payment.collect(locked.account, split, order_id=order.id, kind=kind, at=at)
    schedule(package)
    await package.save()
    return order


async def renew(
    caller: Caller, *, sdk_app_id: int, months: int, scope: str, voucher_ids: list[int], at: datetime,
) -> Order:
    catalog.check_months(months)
    if scope not in SCOPES:
        raise DomainError("INVALID_SCOPE", "scope is FULL, RTC_ONLY or IM_ONLY", "scope")
    async with atomic():
        locked = await lock_app(caller, sdk_app_id, at)
        check_account_may_buy(locked)
        package = renewable(locked.package)
        order = await apply_renewal(locked, package, SCOPES[scope], months, at=at, kind="RENEWAL",
                                    placed_by_id=caller.actor_account_id, scope=scope, voucher_ids=voucher_ids)
        await renewed(locked, package, order, at)
    return order


async def renewed(locked: Locked, package: Package, order: Order, at: datetime) -> None:
    """The PACKAGE_RENEWED event of a customer's renewal (single or batch, R-1, R-8)."""
    await events.record(
        "PACKAGE_RENEWED", account_id=locked.account.id, sdk_app_id=package.application_id, at=at,
        data={"orderId": str(order.id), "packageId": str(package.id), "scope": order.scope, "months": order.months,
              "amount": format_fen(order.amount_fen), "expiresAt": package.expires_at.isoformat()},
    )


async def set_auto_renew(caller: Caller, *, sdk_app_id: int, enabled: bool, months: int, at: datetime) -> Package:
    """R-6: the same as setRenewFlag(AUTO_RENEW / MANUAL_RENEW)."""
    from app.domain.renewals import flags

    return await flags.set_renew_flag(caller, sdk_app_id=sdk_app_id, flag="AUTO_RENEW" if enabled else "MANUAL_RENEW",
                                      months=months, at=at, legacy_event=True)
