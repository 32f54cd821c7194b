"""R-8: renewing up to 100 packages in one go, all or nothing."""

from dataclasses import dataclass
from datetime import datetime

from app.domain.accounts.caller import Caller
from app.domain.accounts.models import Voucher
from app.domain.catalog import service as catalog
from app.domain.codes import ErrorCode, OrderKind
from app.domain.errors import DomainError
from app.domain.money import format_fen
from app.domain.orders import payment
from app.domain.orders.models import Order
from app.domain.packages import service as packages
from app.domain.packages.models import Package
from app.domain.renewals import batch
from app.domain.tx import atomic

FIELD = "items"


@dataclass(frozen=True)
class Item:
    sdk_app_id: int
    months: int
    scope: str = "FULL"


def check_items(items: list[Item]) -> None:
    """Input checks before any lock: the list (R-8), then each item as R-1 checks it."""
    batch.check_apps([i.sdk_app_id for i in items], FIELD)
    errors = []
    for index, item in enumerate(items):
        try:
            catalog.check_months(item.months)
            if item.scope not in packages.SCOPES:
                raise DomainError(ErrorCode.INVALID_SCOPE, "scope is FULL, RTC_ONLY or IM_ONLY")
        except DomainError as e:
            errors.append(batch.at_index(e, FIELD, index))
    batch.raise_if(errors)


def allocate(amounts: list[int], vouchers: list[Voucher]) -> tuple[list[list[Voucher]], int]:
    """Vouchers in the order given, each to the first order that still has something payable
    (a voucher is used whole on one order, B-5). Returns each order's vouchers and what is left
    to pay from the balance in total."""
    remaining, per_order, due = list(vouchers), [], 0
    for amount in amounts:
        mine, left = [], amount
        while remaining and left > 0:
            v = remaining.pop(0)
            mine.append(v)
            left -= min(v.amount_fen, left)
        per_order.append(mine)
        due += left
    return per_order, due


async def renew_all(
    caller: Caller,
    items: list[Item],
    *,
    voucher_ids: list[int],
    at: datetime,
) -> list[tuple[Order, Package]]:
    check_items(items)
    async with atomic():
        locked = await batch.lock_apps(caller, [i.sdk_app_id for i in items], at, FIELD)
        batch.check_account(locked.values())
        errors, plans = [], []
        for index, item in enumerate(items):
            mine = locked[item.sdk_app_id]
            try:
                packages.check_account_may_buy(mine)  # the app's own state (banned, reclaimed)
                package = packages.renewable(mine.package)
            except DomainError as e:
                errors.append(batch.at_index(e, FIELD, index))
                continue
            components = packages.SCOPES[item.scope]
            plans.append(
                (item, mine, package, components, await packages.renewal_lines(package, components, item.months, at))
            )
        batch.raise_if(errors)
        account = next(iter(locked.values())).account
        vouchers = await payment.lock_vouchers(account, voucher_ids, at)
        amounts = [sum(line.amount_fen for line in plan[4]) for plan in plans]
        per_order, due = allocate(amounts, vouchers)
        if due > account.available_fen:  # B-6 on the whole batch: refused before anything is written
            raise DomainError(
                ErrorCode.INSUFFICIENT_BALANCE,
                f"{format_fen(due)} is due after vouchers but the available balance is "
                f"{format_fen(account.available_fen)}",
            )
        done = []
        for (item, mine, package, components, _), order_vouchers in zip(plans, per_order):
            order = await packages.apply_renewal(
                mine,
                package,
                components,
                item.months,
                at=at,
                kind=OrderKind.RENEWAL,
                placed_by_id=caller.actor_account_id,
                scope=item.scope,
                vouchers=order_vouchers,
            )
            await packages.renewed(mine, package, order, at)
            done.append((order, package))
    return done
