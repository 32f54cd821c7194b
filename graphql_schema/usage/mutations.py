from datetime import date, datetime
from typing import cast

import strawberry
from strawberry.types import Info

from app import clock
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.usage import service as usage
from graphql_schema.enums import UsageKind
from graphql_schema.errors import UserError
from graphql_schema.mutation import payload_mutation
from graphql_schema.permissions import require


@strawberry.input
class UsageEventInput:
    event_id: str
    sdk_app_id: int
    kind: UsageKind
    minutes: int
    occurred_at: datetime


def _event_from_input(cls, value, context) -> usage.UsageInput:
    """Strawberry's `from_input` hook: graphql-core has already coerced every field (the DateTime
    scalar, the enum), so a 1,000-event batch is built straight into the domain's input instead
    of going through the generic per-field conversion (the largest cost of ingestion)."""
    kind = value["kind"]
    return usage.UsageInput(
        value["eventId"], value["sdkAppId"], getattr(kind, "value", kind), value["minutes"], value["occurredAt"]
    )


# The definition is attached by @strawberry.input at run time; strawberry's plugin does not declare it.
UsageEventInput.__strawberry_definition__.from_input = _event_from_input  # type: ignore[attr-defined]


def _error(e: DomainError, index: int | None = None) -> UserError:
    field = e.field if index is None else f"events[{index}].{e.field}" if e.field else f"events[{index}]"
    return UserError(code=e.code, field=field, message=e.message)


@strawberry.type
class UsagePayload:
    accepted: int
    duplicates: int
    errors: list[UserError]

    @classmethod
    async def refused(cls, error: DomainError) -> "UsagePayload":
        """The counts are required (contract): a refused call accepted nothing."""
        return cls(accepted=0, duplicates=0, errors=[_error(error)])


@strawberry.type
class UsageMutation:
    @payload_mutation(
        description="M-1: up to 1,000 usage events, idempotent by eventId; a bad event gets its "
        "own error (field events[i]…) and the good ones are kept."
    )
    async def record_usage(self, info: Info, events: list[UsageEventInput]) -> UsagePayload:
        require(info, "SERVICE", "OPERATOR")
        # UsageInput already (the from_input hook above); the annotation names the GraphQL input.
        result = await usage.record_usage(list(cast(list[usage.UsageInput], events)), now=await clock.now())
        return UsagePayload(
            accepted=result.accepted,
            duplicates=result.duplicates,
            errors=[_error(err, index) for index, err in result.errors],
        )

    @payload_mutation(
        description="M-1: one app's IM figures for one Asia/Shanghai day (YYYY-MM-DD), idempotent by (app, day)."
    )
    async def record_im_stats(self, info: Info, sdk_app_id: int, day: str, dau: int, peak_groups: int) -> UsagePayload:
        require(info, "SERVICE", "OPERATOR")
        try:
            parsed = date.fromisoformat(day)
        except ValueError:
            raise DomainError(ErrorCode.INVALID_DAY, "day must be YYYY-MM-DD", "day")
        recorded = await usage.record_im_stats(sdk_app_id, parsed, dau, peak_groups, now=await clock.now())
        return UsagePayload(accepted=1 if recorded else 0, duplicates=0 if recorded else 1, errors=[])
