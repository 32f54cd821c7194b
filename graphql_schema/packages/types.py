from datetime import datetime

import strawberry

from app.domain.packages.models import Package
from graphql_schema.catalog.types import EditionCode
from graphql_schema.enums import PackageStatus, RenewFlag
from graphql_schema.packages.renewal_price import renewal_price_of
from graphql_schema.scalars import Money


@strawberry.type
class ComponentPeriod:
    code: str
    starts_at: datetime
    expires_at: datetime


@strawberry.type
class PackageSubscription:
    id: strawberry.ID
    sdk_app_id: int
    edition: EditionCode
    status: PackageStatus
    rtc: ComponentPeriod
    im: ComponentPeriod | None
    started_at: datetime
    expires_at: datetime
    auto_renew: bool
    auto_renew_months: int
    auto_renew_failure_reason: str | None
    included_minutes_left: int | None
    renew_flag: RenewFlag = strawberry.field(description="R-6 (TRIAL packages: MANUAL_RENEW).")
    # The component codes a FULL renewal renews; empty for trials (no renewal price).
    renewal_codes: strawberry.Private[tuple[str, ...]] = ()

    @strawberry.field(description="R-7: one month, FULL, at current prices; null for trials.")
    async def renewal_price(self, info: strawberry.Info) -> Money | None:
        return await renewal_price_of(info, self.renewal_codes)


def package_of(p: Package) -> PackageSubscription:
    im = None
    if p.im_code is not None and p.im_anchor is not None and p.im_expires_at is not None:  # set together
        im = ComponentPeriod(code=p.im_code, starts_at=p.im_anchor, expires_at=p.im_expires_at)
    return PackageSubscription(
        id=strawberry.ID(str(p.id)),
        sdk_app_id=p.application_id,
        edition=EditionCode(p.edition),
        status=PackageStatus(p.status),
        rtc=ComponentPeriod(code=p.rtc_code, starts_at=p.rtc_anchor, expires_at=p.rtc_expires_at),
        im=im,
        started_at=p.started_at,
        expires_at=p.expires_at,
        auto_renew=p.auto_renew,
        auto_renew_months=p.auto_renew_months,
        auto_renew_failure_reason=p.auto_renew_failure_reason,
        included_minutes_left=p.included_minutes_left,
        renew_flag=RenewFlag(p.flag),
        renewal_codes=() if p.edition == "TRIAL" else tuple(c for c in (p.rtc_code, p.im_code) if c),
    )
