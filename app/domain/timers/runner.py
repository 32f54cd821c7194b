"""All timers, in due order (C-1, C-2). Each source says when it next has work and runs what is
due at an instant; the worker's sweep and advanceClock both go through here."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from app import clock
from app.domain.timers import account_sweep, package_sweep
from app.domain.usage import settlement
from app.domain.webhooks import relay


@dataclass(frozen=True)
class Source:
    name: str
    next_due: Callable[[], Awaitable[datetime | None]]
    run: Callable[[datetime], Awaitable[int]]


# At one instant: packages first (expiry, auto-renewal), then accounts (arrears), then settlements.
SOURCES: tuple[Source, ...] = (
    Source("packages", package_sweep.next_due, package_sweep.sweep),
    Source("accounts", account_sweep.next_due, account_sweep.sweep),
    Source("settlements", settlement.next_due, settlement.sweep),
    # Last: the events written by the transitions above go out at the same instant (W-3, W-4).
    Source("webhooks", relay.next_due, relay.sweep),
)
_advancing = asyncio.Lock()


async def run_due(now: datetime) -> int:
    total = 0
    for source in SOURCES:
        total += await source.run(now)
    return total


async def next_due() -> datetime | None:
    dues = [d for d in [await s.next_due() for s in SOURCES] if d is not None]
    return min(dues) if dues else None


async def advance(to: datetime) -> int:
    """C-2: step the simulated clock to each due instant up to `to` in turn, running what is due
    there, then to `to` itself. Returns the number of transitions run."""
    async with _advancing:
        total, previous = 0, None
        while (due := await next_due()) is not None and due <= to:
            if due == previous:
                break  # nothing could run there (rows held by another runner): lateness, not a loop
            step = max(due, await clock.now())
            await clock.set_simulated_now(step)
            total += await run_due(step)
            previous = due
        await clock.set_simulated_now(to)
        total += await run_due(to)
        return total
