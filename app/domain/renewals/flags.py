"""R-6: the renew flag of a paid package; `setAutoRenew` (R-2) is the same command."""

from datetime import datetime

from app.domain.accounts.caller import Caller
from app.domain.catalog import service as catalog
from app.domain.codes import AccountStatus, ErrorCode, RenewFlag
from app.domain.errors import DomainError
from app.domain.events import service as events
from app.domain.packages.locking import lock_app
from app.domain.packages.models import Package
from app.domain.packages.periods import renewable, schedule
from app.domain.timers.packages import REMINDERS
from app.domain.tx import atomic

FIELDS = [
    "renew_flag",
    "auto_renew",
    "auto_renew_months",
    "reminded_7d_for",
    "reminded_1d_for",
    "next_due_at",
    "next_due_kind",
]


def skip_passed_reminders(package: Package, at: datetime) -> None:
    """Reminders fall at exact instants (R-4): one whose instant passed while the package was
    NO_RENEW is not sent late."""
    expiry = package.expires_at
    for name, before in REMINDERS.items():
        if expiry - before <= at:
            setattr(package, f"reminded_{name}_for", expiry)


async def set_renew_flag(
    caller: Caller,
    *,
    sdk_app_id: int,
    flag: str,
    months: int,
    at: datetime,
    legacy_event: bool = False,
) -> Package:
    """AUTO_RENEW takes `months` (1–36); the other flags store it when it is 1–36 and otherwise
    ignore it (no INVALID_DURATION).
    `legacy_event`: setAutoRenew also keeps raising its older AUTO_RENEW_CHANGED (docs/decisions.md)."""
    if flag not in RenewFlag.__members__:
        raise DomainError(ErrorCode.INVALID_INPUT, "flag is AUTO_RENEW, MANUAL_RENEW or NO_RENEW", "flag")
    if flag == RenewFlag.AUTO_RENEW:
        catalog.check_months(months)
    async with atomic():
        locked = await lock_app(caller, sdk_app_id, at)
        if locked.account.status == AccountStatus.BANNED:
            raise DomainError(ErrorCode.ACCOUNT_BANNED, "the account is banned")
        package = renewable(locked.package)
        package.renew_flag = flag
        package.auto_renew = flag == RenewFlag.AUTO_RENEW
        if package.auto_renew or catalog.MIN_MONTHS <= months <= catalog.MAX_MONTHS:
            package.auto_renew_months = months  # other flags ignore an out-of-range months
        if flag != RenewFlag.NO_RENEW:
            skip_passed_reminders(package, at)
        schedule(package)  # NO_RENEW drops the reminders; the other flags re-arm them
        await package.save(update_fields=FIELDS)
        ids: events.SubjectAt = {"account_id": locked.account.id, "sdk_app_id": sdk_app_id, "at": at}
        await events.record("RENEW_FLAG_CHANGED", **ids, data={"flag": flag, "months": package.auto_renew_months})
        if legacy_event:
            await events.record(
                "AUTO_RENEW_CHANGED",
                **ids,
                data={"enabled": package.auto_renew, "months": package.auto_renew_months, "packageId": str(package.id)},
            )
    return package
