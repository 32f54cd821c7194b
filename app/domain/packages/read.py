"""Reading packages: the one an application shows (P-2)."""

from app.domain.packages.models import Package


async def latest_by_app(sdk_app_ids: list[int]) -> dict[int, Package]:
    """P-2: the current package, else the most recent one; packages of an app never overlap,
    so the newest row is the answer either way."""
    rows = await Package.filter(application_id__in=sdk_app_ids).order_by("-id")
    latest: dict[int, Package] = {}
    for p in rows:
        latest.setdefault(p.application_id, p)
    return latest


async def current_for_app(sdk_app_id: int, *, for_update: bool = False) -> Package | None:
    """The package that is running or ended-but-renewable (TRIAL, ACTIVE, EXPIRED), if any."""
    query = Package.filter(application_id=sdk_app_id, status__in=("TRIAL", "ACTIVE", "EXPIRED")).order_by("-id")
    if for_update:
        query = query.select_for_update()
    return await query.first()
