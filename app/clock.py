"""The only module that reads time (C-2).

`real`: the wall clock. `simulated`: an instant stored in the database, shared by the API and
every worker, frozen between operator calls of advanceClock.
"""

import time
from datetime import UTC, datetime

from app.settings import get_settings


def wall_now() -> datetime:
    return datetime.now(UTC)


def monotonic() -> float:
    """Seconds on a monotonic clock, for durations only (request and task timings in logs)."""
    return time.perf_counter()


def is_simulated() -> bool:
    return get_settings().clock_mode == "simulated"


async def now() -> datetime:
    if not is_simulated():
        return wall_now()
    from app.domain.system.models import SimulatedClock

    row = await SimulatedClock.get_or_none(id=1)
    if row is None:
        row, _ = await SimulatedClock.get_or_create(id=1, defaults={"now": wall_now().replace(microsecond=0)})
    return row.now


async def set_simulated_now(instant: datetime) -> None:
    from app.domain.system.models import SimulatedClock

    updated = await SimulatedClock.filter(id=1).update(now=instant)
    if not updated:
        await SimulatedClock.create(id=1, now=instant)
