"""arq tasks: ids and `now` in → a domain service → a small result. Keep them thin.

Every task runs the same guarded domain code as the sweep, so a repeated, late or concurrent
run changes nothing but lateness (C-1)."""

from app import clock
from app.domain.timers import account_sweep, package_sweep, runner


async def ping(ctx: dict) -> str:
    """A harmless task that proves the worker runs jobs."""
    return "pong"


async def sweep(ctx: dict) -> int:
    """Everything due now, from the database: the schedule of record (cron, and at start-up)."""
    return await runner.run_due(await clock.now())


async def run_package_timers(ctx: dict, package_id: int) -> int:
    """The punctual run for one package at its due instant."""
    return await package_sweep.run_one(package_id, await clock.now())


async def run_account_timers(ctx: dict, account_id: int) -> int:
    return await account_sweep.run_one(account_id, await clock.now())


async def relay_webhooks(ctx: dict) -> int:
    """The webhook outbox: every delivery due now (cron every 5 s, and a job after each commit)."""
    from app.domain.webhooks import relay

    return await relay.sweep(await clock.now())
