"""One application's write scope for a caller: account → application → current package.

Below both the package commands (packages.service, packages.upgrade) and the renewal ones
(renewals.*), which all start by taking it, so neither has to import the other to lock.
"""

from datetime import datetime

from app.domain import locks
from app.domain.accounts.caller import Caller
from app.domain.accounts.models import Application
from app.domain.errors import NotFound
from app.domain.packages.periods import Locked


async def lock_app(caller: Caller, sdk_app_id: int, at: datetime) -> Locked:
    """Check who may act, then lock account → application → current package (app/domain/locks.py)
    with everything they owe up to `at` applied first (C-1, N-2)."""
    app = await Application.get_or_none(sdk_app_id=sdk_app_id).only("sdk_app_id", "account_id")
    if app is None or app.account_id != caller.account_id:
        raise NotFound("application", "sdkAppId")
    held = await locks.scope(app.account_id, at, sdk_app_ids=[sdk_app_id])
    return Locked(held.account, held.apps[sdk_app_id], held.packages[sdk_app_id])
