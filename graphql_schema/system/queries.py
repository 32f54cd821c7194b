from datetime import datetime

import strawberry

from app import clock


@strawberry.type
class SystemQuery:
    @strawberry.field(description="Server time (the simulated one when CLOCK_MODE=simulated).")
    async def now(self) -> datetime:
        return await clock.now()
