"""Scenario setup for domain-level tests: every row is made by the domain services themselves
(accounts, funding, packages, usage), exactly as the API would make it — no HTTP, no hand-written
rows. Instants are explicit; the simulated clock is moved along so that readers of `clock.now()`
agree with the `at` passed to services."""

from datetime import UTC, datetime, timedelta
from itertools import count

from app import clock
from app.domain.accounts import funding
from app.domain.accounts import service as accounts
from app.domain.accounts.caller import Caller
from app.domain.accounts.models import Account, Application
from app.domain.events.models import Event
from app.domain.orders.models import Order
from app.domain.packages import service as packages
from app.domain.packages.models import Package
from app.domain.packages.rules import CALENDAR_TZ
from app.domain.usage import service as usage
from app.domain.usage.service import UsageInput

START = datetime(2027, 1, 9, 16, 0, tzinfo=UTC)  # 2027-01-10 00:00 Asia/Shanghai (tests/conftest.py)
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
WEEK = timedelta(days=7)
_ids = count(1)


def shanghai(year, month, day, hour=0, minute=0, second=0) -> datetime:
    """An Asia/Shanghai wall-clock instant, in UTC."""
    return datetime(year, month, day, hour, minute, second, tzinfo=CALENDAR_TZ).astimezone(UTC)


FEB_10 = shanghai(2027, 2, 10)
MAR_10 = shanghai(2027, 3, 10)
APR_10 = shanghai(2027, 4, 10)


async def at(instant: datetime) -> datetime:
    await clock.set_simulated_now(instant)
    return instant


async def owner(name="Acme", verified=True) -> Account:
    account, _ = await accounts.create_account(
        name=name, type="OWNER", owner_id=None, real_name_verified=verified, now=await clock.now()
    )
    return account


def caller(account: Account) -> Caller:
    """What `authenticate` resolves a CUSTOMER token of `account` to."""
    return Caller(role="CUSTOMER", account_id=account.payer_id, actor_account_id=account.id, actor_type=account.type)


async def fund(account: Account, fen: int, source="cash") -> None:
    await funding.credit(account.id, fen, source, at=await clock.now())


async def app(account: Account, name="Room app") -> int:
    return (await accounts.create_application(account.id, name, await clock.now())).sdk_app_id


async def buy(account: Account, sdk_app_id: int, edition="BASIC", months=1, *, auto_renew=False, vouchers=()) -> Order:
    placed = await packages.purchase(
        caller(account),
        sdk_app_id=sdk_app_id,
        edition=edition,
        months=months,
        auto_renew=auto_renew,
        accept_agreements=True,
        voucher_ids=list(vouchers),
        at=await clock.now(),
    )
    return placed.order


async def renew(account: Account, sdk_app_id: int, months=1, scope="FULL", vouchers=()) -> Order:
    placed = await packages.renew(
        caller(account),
        sdk_app_id=sdk_app_id,
        months=months,
        scope=scope,
        voucher_ids=list(vouchers),
        at=await clock.now(),
    )
    return placed.order


async def trial(account: Account, sdk_app_id: int) -> Package:
    return await packages.start_trial(caller(account), sdk_app_id, at=await clock.now())


async def use(
    sdk_app_id: int, minutes: int, occurred_at: datetime | None = None, kind="AUDIO", now: datetime | None = None
) -> None:
    """One usage event (M-1), recorded at `now` (default: when it happened, or the clock if later)."""
    if now is None:
        now = max(await clock.now(), occurred_at or START)
    event = UsageInput(f"ev-{next(_ids)}", sdk_app_id, kind, minutes, occurred_at or now)
    result = await usage.record_usage([event], now=now)
    assert (result.accepted, result.errors) == (1, []), result


async def package_of(sdk_app_id: int) -> Package:
    return await Package.filter(application_id=sdk_app_id).order_by("-id").first()


async def account_row(account: Account) -> Account:
    return await Account.get(id=account.id)


async def application(sdk_app_id: int) -> Application:
    return await Application.get(sdk_app_id=sdk_app_id)


async def events(type_: str, **filters) -> list[Event]:
    return await Event.filter(type=type_, **filters).order_by("id")


async def balances(account: Account) -> tuple[int, int, int]:
    row = await account_row(account)
    return row.cash_fen, row.income_fen, row.gift_fen
