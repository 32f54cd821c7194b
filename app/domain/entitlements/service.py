"""Entitlements (N-1): what an app may do right now. Pure computation from the rows; the
cache in front of it lives at the door (app/entitlements_cache.py)."""

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from app.domain.accounts.models import Account, Application
from app.domain.catalog import service as catalog
from app.domain.catalog.models import Edition
from app.domain.errors import NotFound
from app.domain.packages.models import Package


@dataclass
class Entitlements:
    sdk_app_id: int
    edition: str | None
    features_unlocked: bool
    service_active: bool
    reason: str | None
    limits: dict[str, Any] | None
    features: list[str] = field(default_factory=list)
    included_minutes_left: int | None = None
    valid_until: str | None = None  # ISO instant after which this answer must be recomputed

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _running(p: Package | None, now: datetime) -> bool:
    if p is None:
        return False
    if p.status == "TRIAL":
        return now < p.rtc_expires_at
    return p.status == "ACTIVE" and now < p.expires_at


def _reason(account: Account, app: Application, latest: Package | None, running: bool, served: bool) -> str | None:
    if running and served:
        return None
    if account.status == "BANNED" or app.status == "BANNED":
        return "BANNED"
    if app.status == "RECLAIMED":
        return "RECLAIMED"
    if account.status == "SUSPENDED":
        return "ARREARS"
    if latest is not None and latest.status == "REFUNDED":
        return "REFUNDED"
    if latest is not None:
        return "EXPIRED"
    return "NO_PACKAGE"


async def compute(sdk_app_id: int, now: datetime) -> Entitlements:
    app = await Application.get_or_none(sdk_app_id=sdk_app_id)
    if app is None:
        raise NotFound("application", "sdkAppId")
    account = await Account.get(id=app.account_id)
    latest = await Package.filter(application_id=sdk_app_id).order_by("-id").first()
    banned = account.status == "BANNED" or app.status == "BANNED"
    running = _running(latest, now) and app.status != "RECLAIMED"
    unlocked = running and not banned
    served = not (
        account.status in ("SUSPENDED", "BANNED")
        or app.status in ("RECLAIMED", "BANNED")
        or (latest is not None and latest.status == "REFUNDED")
    )
    result = Entitlements(
        sdk_app_id=sdk_app_id,
        edition=None,
        features_unlocked=unlocked,
        service_active=served,
        reason=_reason(account, app, latest, unlocked, served),
        limits=None,
    )
    if unlocked and latest is not None:  # unlocked implies a running package; said again for mypy
        edition = await Edition.get(code=latest.edition)
        cells = (await catalog.edition_features([edition.code]))[edition.code]
        result.edition = edition.code
        result.limits = {
            "maxParticipants": edition.max_participants,
            "maxVideoStreams": edition.max_video_streams,
            "resolutions": list(edition.resolutions),
        }
        result.features = catalog.included_feature_codes(cells)
        result.included_minutes_left = latest.included_minutes_left
        result.valid_until = latest.expires_at.isoformat()
    return result
