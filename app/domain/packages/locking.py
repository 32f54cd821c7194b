"""One application's write scope for a caller: account → application → current package.

Below both the package commands (packages.service, packages.upgrade) and the renewal ones
(renewals.*), which all start by taking it, so neither has to import the other to lock.
"""

from datetime import datetime

from app.domain import locks
from app.domain.accounts.caller import Caller
from app.domain.errors import NotFound
from app.domain.packages.periods import Locked


async def lock_app(caller: Caller, sdk_app_id: int, at: datetime) -> Locked:
    """Lock account → application → current package (app/domain/locks.py) with everything they owe
    up to `at` applied first (C-1, N-2). The caller's own account is locked first and the app
    only if it is one of that account's: an app of another account (or none) is NOT_FOUND, and
    no separate read of the app's owner is needed (an app never changes account)."""
    if caller.account_id is None:
        raise NotFound("application", "sdkAppId")
    held = await locks.scope(caller.account_id, at, sdk_app_ids=[sdk_app_id])
    if sdk_app_id not in held.apps:
        raise NotFound("application", "sdkAppId")
    return Locked(held.account, held.apps[sdk_app_id], held.packages[sdk_app_id])
