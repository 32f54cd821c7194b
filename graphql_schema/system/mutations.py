from datetime import datetime

import strawberry
from strawberry.types import Info

from app import clock
from app.domain.errors import DomainError
from app.domain.system import service as system
from graphql_schema.errors import UserError, user_errors
from graphql_schema.mutation import payload_mutation
from graphql_schema.permissions import operator


@strawberry.type
class ClockPayload:
    now: datetime
    timers_run: int
    errors: list[UserError]

    @classmethod
    async def refused(cls, error: DomainError) -> "ClockPayload":
        """`now` is required (contract): a refused move answers the clock as it stands."""
        return cls(now=await clock.now(), timers_run=0, errors=user_errors(error))


@strawberry.type
class SystemMutation:
    @payload_mutation(description="C-2: move simulated time forward, running every timer due up to it.")
    async def advance_clock(self, info: Info, to: datetime) -> ClockPayload:
        operator(info)
        now, timers_run = await system.advance_clock(to)
        return ClockPayload(now=now, timers_run=timers_run, errors=[])
