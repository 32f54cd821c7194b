"""The data of the events a package timer writes, built once for both paths that write them: the
per-row path (package_sweep._apply) and the set-based one (package_sweep.end_in_bulk)."""
from datetime import datetime


def trial_ended(package_id: int) -> dict[str, str]:
    """TRIAL_ENDED at the trial's own end (T-1); a purchase ending it says reason PURCHASE instead."""
    return {"packageId": str(package_id), "reason": "EXPIRED"}


def package_expired(package_id: int, components: list[str], expires_at: datetime) -> dict[str, object]:
    """PACKAGE_EXPIRED at the expiry instant (R-5): the codes of the components that ended then."""
    return {"packageId": str(package_id), "components": components, "expiresAt": expires_at.isoformat()}
