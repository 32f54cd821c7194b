"""Trials, purchases, renewals and the auto-renew setting (SPEC §3, §4, R-1, R-2)."""

from datetime import datetime

from app.domain.accounts.caller import Caller
from app.domain.accounts.models import Account, Application
from app.domain.catalog import service as catalog
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.events import service as events
from app.domain.money import format_fen
from app.domain.orders import payment
from app.domain.orders import service as orders
from app.domain.orders.models import Order
from app.domain.packages import rules
from app.domain.packages.locking import lock_app
from app.domain.packages.models import Package
from app.domain.packages.periods import (  # noqa: F401 - also re-exported: callers name them through this module
    Locked,
    Placed,
    allowance_granted,
    apply_renewal,
    component_state,
    extend_component,
    grant_allowance,
    plan_payment,
    refresh_status,
    renewable,
    renewal_lines,
    schedule,
    set_allowance,
)
from app.domain.renewals import flags
from app.domain.tx import atomic

TRIALS_PER_APP = 2
TRIALS_PER_ACCOUNT = 10
SCOPES = {"FULL": ("rtc", "im"), "RTC_ONLY": ("rtc",), "IM_ONLY": ("im",)}


def check_account_may_buy(locked: Locked) -> None:
    if locked.account.status == "BANNED" or locked.app.status == "BANNED":
        raise DomainError(ErrorCode.ACCOUNT_BANNED, "the account is banned")
    if not locked.account.real_name_verified:
        raise DomainError(ErrorCode.REAL_NAME_REQUIRED, "complete real-name verification first")
    if locked.app.status == "RECLAIMED":
        raise DomainError(
            ErrorCode.APP_RECLAIMED, "the application was reclaimed; nothing can be bought for it", "sdkAppId"
        )


async def _end_superseded(package: Package | None, at: datetime) -> None:
    """T-4: a purchase ends a running trial at once; a fully or partly expired package is closed."""
    if package is None:
        return
    if package.status == "TRIAL":
        package.status = "TRIAL_ENDED"
        await events.record(
            "TRIAL_ENDED",
            account_id=package.account_id,
            sdk_app_id=package.application_id,
            at=at,
            data={"packageId": str(package.id), "reason": "PURCHASE"},
        )
    package.ended_at = at
    package.next_due_at = None
    await package.save(update_fields=["status", "ended_at", "next_due_at"])


async def start_trial(caller: Caller, sdk_app_id: int, *, at: datetime) -> Package:
    async with atomic():
        locked = await lock_app(caller, sdk_app_id, at)
        check_account_may_buy(locked)
        if locked.app.trials_used >= TRIALS_PER_APP:
            raise DomainError(ErrorCode.TRIAL_LIMIT_PER_APP, f"an application gets at most {TRIALS_PER_APP} trials")
        if locked.account.trials_started >= TRIALS_PER_ACCOUNT:
            raise DomainError(ErrorCode.TRIAL_LIMIT_PER_ACCOUNT, f"an account gets at most {TRIALS_PER_ACCOUNT} trials")
        current = locked.package
        if current is not None and current.status == "TRIAL":
            raise DomainError(ErrorCode.TRIAL_ACTIVE, "a trial is already running on this application")
        if current is not None and current.status == "ACTIVE":
            raise DomainError(ErrorCode.PACKAGE_ALREADY_ACTIVE, "a paid package is active on this application")
        await _end_superseded(current, at)
        expires = rules.trial_expiry(at)
        package = Package(
            application_id=sdk_app_id,
            account_id=locked.account.id,
            edition="TRIAL",
            status="TRIAL",
            rtc_code="RTC_TRIAL",
            rtc_anchor=at,
            rtc_months=0,
            rtc_expires_at=expires,
            started_at=at,
            created_at=at,
        )
        schedule(package)
        await package.save()
        await Application.filter(sdk_app_id=sdk_app_id).update(trials_used=locked.app.trials_used + 1)
        await Account.filter(id=locked.account.id).update(trials_started=locked.account.trials_started + 1)
        await events.record(
            "TRIAL_STARTED",
            account_id=locked.account.id,
            sdk_app_id=sdk_app_id,
            at=at,
            data={"packageId": str(package.id), "expiresAt": expires.isoformat()},
        )
    return package


async def purchase(
    caller: Caller,
    *,
    sdk_app_id: int,
    edition: str,
    months: int,
    auto_renew: bool,
    accept_agreements: bool,
    voucher_ids: list[int],
    at: datetime,
) -> Placed:
    view = await catalog.purchasable_edition(edition, at)  # K-1: the prices in effect at the order's instant
    catalog.check_months(months)
    if not accept_agreements:
        raise DomainError(ErrorCode.AGREEMENT_NOT_ACCEPTED, "accept the service agreements to buy", "acceptAgreements")
    async with atomic():
        locked = await lock_app(caller, sdk_app_id, at)
        check_account_may_buy(locked)
        current = locked.package
        if current is not None and current.status == "ACTIVE":
            raise DomainError(ErrorCode.PACKAGE_ALREADY_ACTIVE, "a paid package is active: renew or upgrade it instead")
        lines = await catalog.quote_for(caller, view, months, at)
        split = await plan_payment(locked, lines, at, voucher_ids=voucher_ids)
        await _end_superseded(current, at)
        rtc_expiry = rules.add_months(at, months)
        assert view.im is not None  # every purchasable edition has both components (SPEC §1)
        package = Package(
            application_id=sdk_app_id,
            account_id=locked.account.id,
            edition=edition,
            status="ACTIVE",
            rtc_code=view.rtc.code,
            rtc_anchor=at,
            rtc_months=months,
            rtc_expires_at=rtc_expiry,
            im_code=view.im.code,
            im_anchor=at,
            im_months=months,
            im_expires_at=rtc_expiry,
            started_at=at,
            auto_renew=auto_renew,
            auto_renew_months=1,
            created_at=at,
            renew_flag="AUTO_RENEW" if auto_renew else "MANUAL_RENEW",
        )
        set_allowance(package, 0, view.edition.included_minutes)
        schedule(package)
        await package.save()
        order = await orders.create(
            account_id=locked.account.id,
            placed_by_id=caller.actor_account_id,
            sdk_app_id=sdk_app_id,
            package_id=package.id,
            kind="PURCHASE",
            edition=edition,
            months=months,
            lines=lines,
            at=at,
            details={"periodStart": at.isoformat(), "periodEnd": rtc_expiry.isoformat()},
            split=split,
        )
        await payment.collect(locked.account, split, order_id=order.id, kind="PURCHASE", at=at)
        await events.record(
            "PACKAGE_PURCHASED",
            account_id=locked.account.id,
            sdk_app_id=sdk_app_id,
            at=at,
            data={
                "orderId": str(order.id),
                "packageId": str(package.id),
                "edition": edition,
                "months": months,
                "amount": format_fen(order.amount_fen),
                "expiresAt": rtc_expiry.isoformat(),
            },
        )
        await allowance_granted(package, at)
    return Placed(order, package)


async def renew(
    caller: Caller,
    *,
    sdk_app_id: int,
    months: int,
    scope: str,
    voucher_ids: list[int],
    at: datetime,
) -> Placed:
    catalog.check_months(months)
    if scope not in SCOPES:
        raise DomainError(ErrorCode.INVALID_SCOPE, "scope is FULL, RTC_ONLY or IM_ONLY", "scope")
    async with atomic():
        locked = await lock_app(caller, sdk_app_id, at)
        check_account_may_buy(locked)
        package = renewable(locked.package)
        order = await apply_renewal(
            locked,
            package,
            SCOPES[scope],
            months,
            at=at,
            kind="RENEWAL",
            placed_by_id=caller.actor_account_id,
            scope=scope,
            voucher_ids=voucher_ids,
        )
        await renewed(locked, package, order, at)
    return Placed(order, package)


async def renewed(locked: Locked, package: Package, order: Order, at: datetime) -> None:
    """The PACKAGE_RENEWED event of a customer's renewal (single or batch, R-1, R-8)."""
    await events.record(
        "PACKAGE_RENEWED",
        account_id=locked.account.id,
        sdk_app_id=package.application_id,
        at=at,
        data={
            "orderId": str(order.id),
            "packageId": str(package.id),
            "scope": order.scope,
            "months": order.months,
            "amount": format_fen(order.amount_fen),
            "expiresAt": package.expires_at.isoformat(),
        },
    )


async def set_auto_renew(caller: Caller, *, sdk_app_id: int, enabled: bool, months: int, at: datetime) -> Package:
    """R-6: the same as setRenewFlag(AUTO_RENEW / MANUAL_RENEW)."""
    return await flags.set_renew_flag(
        caller,
        sdk_app_id=sdk_app_id,
        flag="AUTO_RENEW" if enabled else "MANUAL_RENEW",
        months=months,
        at=at,
        legacy_event=True,
    )
