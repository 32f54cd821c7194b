import strawberry
from strawberry.types import Info

from app import clock, entitlements_cache, redis_conn
from app.domain.accounts import service as accounts
from graphql_schema.catalog.types import EditionCode
from graphql_schema.enums import ServiceReason
from graphql_schema.permissions import signed_in
from graphql_schema.query import domain_field


@strawberry.type
class Limits:
    max_participants: int
    max_video_streams: int
    resolutions: list[str]


@strawberry.type
class Entitlements:
    sdk_app_id: int
    edition: EditionCode | None
    features_unlocked: bool
    service_active: bool
    reason: ServiceReason | None
    limits: Limits | None
    features: list[str]
    included_minutes_left: int | None


def entitlements_of(v: dict) -> Entitlements:
    limits = v["limits"]
    return Entitlements(
        sdk_app_id=v["sdk_app_id"],
        edition=EditionCode(v["edition"]) if v["edition"] else None,
        features_unlocked=v["features_unlocked"],
        service_active=v["service_active"],
        reason=ServiceReason(v["reason"]) if v["reason"] else None,
        limits=Limits(
            max_participants=limits["maxParticipants"],
            max_video_streams=limits["maxVideoStreams"],
            resolutions=limits["resolutions"],
        )
        if limits
        else None,
        features=v["features"],
        included_minutes_left=v["included_minutes_left"],
    )


@strawberry.type
class EntitlementsQuery:
    @domain_field(description="N-1: what the app may do now; served from a cache every state change invalidates.")
    async def entitlements(self, info: Info, sdk_app_id: int) -> Entitlements:
        caller = signed_in(info, "account:read")
        if caller.role in ("CUSTOMER", "PARTNER"):
            await accounts.get_application(caller, sdk_app_id)
        value = await entitlements_cache.get(redis_conn.get(), sdk_app_id, await clock.now())
        return entitlements_of(value)
