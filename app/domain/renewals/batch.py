"""What the batch commands of §12 share: the list checks of R-8/R-9, several refusals in one
answer, and locking every app of a batch in one order."""

from collections.abc import Iterable
from datetime import datetime

from app.domain import locks
from app.domain.accounts.caller import Caller
from app.domain.accounts.models import Application
from app.domain.codes import AccountStatus, ErrorCode
from app.domain.columns import column
from app.domain.errors import DomainError, NotFound
from app.domain.packages.service import Locked

MAX_ITEMS = 100


class BatchRefused(DomainError):
    """All or nothing: every refused item of a batch, each with its field (`items.<index>`)."""

    def __init__(self, errors: list[DomainError]):
        super().__init__(errors[0].code, errors[0].message, errors[0].field)
        self.errors = errors

    def refusals(self) -> list[DomainError]:
        return list(self.errors)


def raise_if(errors: list[DomainError]) -> None:
    if errors:
        raise BatchRefused(errors)


def at_index(error: DomainError, field: str, index: int) -> DomainError:
    return DomainError(error.code, error.message, f"{field}.{index}")


def check_apps(sdk_app_ids: list[int], field: str) -> None:
    """1–100 apps, none twice (the later occurrences are the refused ones)."""
    if not sdk_app_ids:
        raise DomainError(ErrorCode.EMPTY_BATCH, "give at least one application", field)
    if len(sdk_app_ids) > MAX_ITEMS:
        raise DomainError(ErrorCode.BATCH_TOO_LARGE, f"at most {MAX_ITEMS} applications at once", field)
    seen: set[int] = set()
    errors = []
    for index, sdk_app_id in enumerate(sdk_app_ids):
        if sdk_app_id in seen:
            errors.append(
                DomainError(ErrorCode.DUPLICATE_APP, f"application {sdk_app_id} is listed twice", f"{field}.{index}")
            )
        seen.add(sdk_app_id)
    raise_if(errors)


async def lock_apps(caller: Caller, sdk_app_ids: list[int], at: datetime, field: str) -> dict[int, Locked]:
    """Lock the account, then each application by SDKAppID with its current package, catching
    each package up to `at` (C-1), as `lock_app` does for one: the lock order of the codebase
    (account → application → package), so a concurrent single renewal waits or goes first."""
    owned = set(
        await column(Application.filter(sdk_app_id__in=sdk_app_ids, account_id=caller.account_id), "sdk_app_id", int)
    )
    raise_if([at_index(NotFound("application"), field, i) for i, s in enumerate(sdk_app_ids) if s not in owned])
    assert caller.account_id is not None  # a customer-side caller: the door checked it
    held = await locks.scope(caller.account_id, at, sdk_app_ids=sdk_app_ids)
    return {
        sdk_app_id: Locked(held.account, held.apps[sdk_app_id], held.packages[sdk_app_id])
        for sdk_app_id in sorted(sdk_app_ids)
    }


def check_account(locked: Iterable[Locked]) -> None:
    """Account-wide refusals once, without an item index (A-2, S-6)."""
    first = next(iter(locked))
    if first.account.status == AccountStatus.BANNED:
        raise DomainError(ErrorCode.ACCOUNT_BANNED, "the account is banned")
    if not first.account.real_name_verified:
        raise DomainError(ErrorCode.REAL_NAME_REQUIRED, "complete real-name verification first")
