"""Operator control of simulated time (C-2)."""
from datetime import datetime

from tortoise.transactions import in_transaction

from app import clock
from app.domain.errors import DomainError
from app.domain.system.models import SimulatedClock


async def advance_clock(to: datetime) -> tuple[datetime, int]:
    """Move simulated time forward to `to`; returns (now, timers run)."""
    if not clock.is_simulated():
        raise DomainError("CLOCK_NOT_SIMULATED", "advanceClock needs CLOCK_MODE=simulated", "to")
    if to.tzinfo is None:
        raise DomainError("INVALID_TIME", "give the instant with its UTC offset", "to")
    current = await clock.now()  # creates the row on first use
    async with in_transaction():
        row = await SimulatedClock.filter(id=1).select_for_update().first()
        current = row.now
        if to < current:
            raise DomainError("CLOCK_BACKWARDS", f"the clock is at {current.isoformat()}; it only moves forward", "to")
        row.now = to
        await row.save(update_fields=["now"])
    return to, 0
