"""Operator control of simulated time (C-2)."""

from datetime import UTC, datetime

from app import clock
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.timers import runner


async def advance_clock(to: datetime) -> tuple[datetime, int]:
    """Move simulated time forward to `to`, running every timer due up to it; returns (now, timers run)."""
    if not clock.is_simulated():
        raise DomainError(ErrorCode.CLOCK_NOT_SIMULATED, "advanceClock needs CLOCK_MODE=simulated", "to")
    if to.tzinfo is None:
        raise DomainError(ErrorCode.INVALID_TIME, "give the instant with its UTC offset", "to")
    to = to.astimezone(UTC)
    current = await clock.now()
    if to < current:
        raise DomainError(
            ErrorCode.CLOCK_BACKWARDS, f"the clock is at {current.isoformat()}; it only moves forward", "to"
        )
    return to, await runner.advance(to)
