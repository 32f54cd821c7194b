"""The 5-day no-reason refund (SPEC §8, F-1…F-4) and its operator review.

Every refund runs in one transaction that locks account → application → package → order (the
order every money movement keeps), so two requests of one account — for different orders, with
different idempotency keys — are serialised on the account row and only the first can be
approved: the second then sees it and gets REFUND_ALREADY_USED.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from app.domain import locks
from app.domain.accounts.caller import Caller
from app.domain.accounts.models import Account
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError, NotFound
from app.domain.events import service as events
from app.domain.inputs import clean_optional
from app.domain.ledger import service as ledger
from app.domain.ledger.service import Posting
from app.domain.money import format_fen
from app.domain.orders.models import Order
from app.domain.packages import periods, rules
from app.domain.packages.models import Package
from app.domain.refunds.models import Refund
from app.domain.tx import atomic
from app.domain.usage.models import UsageRecord

WINDOW = timedelta(hours=120)
REFUNDABLE_KINDS = ("PURCHASE", "RENEWAL")
# Prepaid orders placed later on a refunded purchase's package: they bought time on a package that
# ends, so they are refunded with it (docs/decisions.md).
FOLLOW_ON_KINDS = ("RENEWAL", "UPGRADE", "AUTO_RENEWAL", "ALIGNMENT")
MAX_NOTE = 200
MAX_LIST = 100


@dataclass
class Locked:
    account: Account
    order: Order
    package: Package | None


async def _lock(account_id: int, order_id: int, at: datetime) -> Locked:
    """Lock order account → application → package → order (app/domain/locks.py), each row caught
    up to `at` first: an expiry that fell due before the request is written at its own instant."""
    order = await Order.get(id=order_id).only("id", "sdk_app_id", "package_id")
    held = await locks.scope(
        account_id,
        at,
        sdk_app_ids=[order.sdk_app_id],
        package_ids=[order.package_id] if order.package_id is not None else [],
        order_ids=[order_id],
    )
    package = held.by_id.get(order.package_id) if order.package_id is not None else None
    return Locked(held.account, held.orders[order_id], package)


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def renewal_periods(order: Order) -> list[tuple[datetime, datetime]]:
    """F-1/F-4: the period a renewal added to each component it renewed: from the old expiry
    (or from the restart instant, when the component had already ended), to the new expiry."""
    before, after = order.details.get("before", {}), order.details.get("after", {})
    periods = []
    for which, b in before.items():
        a = after[which]
        restarted = _instant(a["anchor"]) != _instant(b["anchor"])
        start = _instant(a["anchor"]) if restarted else _instant(b["expiresAt"])
        periods.append((start, _instant(a["expiresAt"])))
    return periods


async def _used(order: Order) -> bool:
    """F-1: usage recorded for the app inside the order's period (events of 0 minutes do not count)."""
    query = UsageRecord.filter(sdk_app_id=order.sdk_app_id, minutes__gt=0)
    if order.kind == "PURCHASE":
        return await query.filter(occurred_at__gte=order.created_at).exists()
    periods = renewal_periods(order)
    if not periods:
        return False
    inside = Q(*[Q(occurred_at__gte=start, occurred_at__lt=end) for start, end in periods], join_type="OR")
    return await query.filter(inside).exists()


async def _check_order(order: Order, package: Package | None) -> None:
    if order.kind not in REFUNDABLE_KINDS:
        raise DomainError(ErrorCode.ORDER_NOT_REFUNDABLE, "only purchases and renewals can be refunded", "orderId")
    if order.status != "PAID":
        raise DomainError(ErrorCode.ORDER_NOT_REFUNDABLE, "the order was already refunded", "orderId")
    if package is None or package.status not in ("ACTIVE", "EXPIRED"):
        raise DomainError(ErrorCode.ORDER_NOT_REFUNDABLE, "the order's package has ended", "orderId")
    if (
        order.kind == "RENEWAL"
        and await Order.filter(package_id=package.id, kind="UPGRADE", status="PAID", id__gt=order.id).exists()
    ):
        raise DomainError(
            ErrorCode.ORDER_NOT_REFUNDABLE,
            "the package was upgraded after this renewal, and the upgrade was priced on its months",
            "orderId",
        )
    if (
        order.kind == "RENEWAL"
        and await Order.filter(package_id=package.id, kind="ALIGNMENT", status="PAID", id__gt=order.id).exists()
    ):
        # R-9 moved the anchor after this renewal: its period can no longer be taken back exactly.
        raise DomainError(
            ErrorCode.ORDER_NOT_REFUNDABLE, "the package's expiry was aligned after this renewal", "orderId"
        )


async def _check_first_refund(account: Account) -> None:
    # F-5: a cancelled renewal is a refund too, but not the one no-reason refund.
    if await Refund.filter(account_id=account.id, status="APPROVED", reason="NO_REASON").exists():
        raise DomainError(ErrorCode.REFUND_ALREADY_USED, "the account already had its one no-reason refund")
    if await Refund.filter(account_id=account.id, status="PENDING_REVIEW").exists():
        raise DomainError(ErrorCode.REFUND_ALREADY_USED, "another refund request of the account is waiting for review")


async def check_eligible(locked: Locked, at: datetime) -> None:
    """F-1, in the SPEC's order: the first failure gives the code."""
    if locked.account.status == "BANNED":
        raise DomainError(ErrorCode.ACCOUNT_BANNED, "the account is banned; no refunds (S-6)")
    await _check_order(locked.order, locked.package)
    if at > locked.order.created_at + WINDOW:
        raise DomainError(
            ErrorCode.REFUND_WINDOW_EXPIRED, "no-reason refunds are possible for 120 hours after payment", "orderId"
        )
    if await _used(locked.order):
        raise DomainError(
            ErrorCode.PACKAGE_USED, "usage was recorded for the application in the order's period", "orderId"
        )
    await _check_first_refund(locked.account)


async def recheck_on_approval(locked: Locked) -> None:
    """An operator's approval re-checks what may have changed while the request waited (ban, the
    order's state, usage since); not the window (the request came in time) nor the one-refund rule
    (this pending request is what blocked any other)."""
    if locked.account.status == "BANNED":
        raise DomainError(ErrorCode.ACCOUNT_BANNED, "the account is banned; no refunds (S-6)")
    await _check_order(locked.order, locked.package)
    if await _used(locked.order):
        raise DomainError(
            ErrorCode.PACKAGE_USED, "usage was recorded for the application in the order's period", "orderId"
        )


async def _orders_back(locked: Locked) -> list[Order]:
    """The orders whose money comes back: the order, and for a purchase the later prepaid orders
    of its package."""
    back = [locked.order]
    if locked.order.kind == "PURCHASE" and locked.package is not None:
        back += await (
            Order.filter(package_id=locked.package.id, id__gt=locked.order.id, status="PAID", kind__in=FOLLOW_ON_KINDS)
            .select_for_update()
            .order_by("id")
        )
    return back


def _set_amounts(refund: Refund, back: list[Order]) -> None:
    """F-3: money back to the sub-balances it came from; vouchers are not returned."""
    refund.gift_fen = sum(o.paid_gift_fen for o in back)
    refund.income_fen = sum(o.paid_income_fen for o in back)
    refund.cash_fen = sum(o.paid_cash_fen for o in back)
    refund.amount_fen = refund.gift_fen + refund.income_fen + refund.cash_fen


def _component(package: Package, which: str) -> tuple[datetime, int, datetime]:
    return (
        getattr(package, f"{which}_anchor"),
        getattr(package, f"{which}_months"),
        getattr(package, f"{which}_expires_at"),
    )


def remove_renewal(package: Package, order: Order) -> dict[str, str]:
    """F-4 for a RENEWAL: take back the period it added, component by component.

    - Unchanged since the renewal: the component's state before it (anchor, months, expiry) is
      restored exactly (a restarted component gets its old, ended period back).
    - Renewed again later, from the same anchor: this order's months are subtracted; the later
      renewal's months then run straight on from the old expiry, exactly as if this renewal had
      never been (after a restart, they run from the restart instant).
    - Restarted since (its anchor moved: it ran out after this renewal's period and was renewed
      anew): the period has already passed; nothing is left to take back.
    Returns what changed, for the event."""
    assert order.months is not None  # a RENEWAL order names the months it added
    before, after = order.details["before"], order.details["after"]
    changed: dict[str, str] = {}
    for which, b in before.items():
        a = after[which]
        anchor, months, expires = _component(package, which)
        if (anchor, months, expires) == (_instant(a["anchor"]), a["months"], _instant(a["expiresAt"])):
            anchor, months, expires = _instant(b["anchor"]), b["months"], _instant(b["expiresAt"])
        elif anchor == _instant(a["anchor"]) and months > order.months:
            months -= order.months
            expires = rules.add_months(anchor, months)
        else:
            continue
        setattr(package, f"{which}_anchor", anchor)
        setattr(package, f"{which}_months", months)
        setattr(package, f"{which}_expires_at", expires)
        changed[which] = expires.isoformat()
    return changed


async def _execute(locked: Locked, refund: Refund, at: datetime) -> dict[str, Any]:
    """Approve and carry out a refund in the caller's transaction (locks held)."""
    account, order, package = locked.account, locked.order, locked.package
    assert package is not None  # check_eligible refunds only an order of a live package
    back = await _orders_back(locked)
    _set_amounts(refund, back)
    if refund.amount_fen:
        await ledger.post(
            account,
            "REFUND",
            [
                Posting("GIFT", refund.gift_fen),
                Posting("INCOME", refund.income_fen),
                Posting("CASH", refund.cash_fen),
                Posting("REVENUE", -refund.amount_fen),
            ],
            at=at,
            order_id=order.id,
            memo=f"refund {refund.id}",
        )
    for o in back:
        o.status = "REFUNDED"
        o.details = {**o.details, "refundId": str(refund.id)}
        await o.save(update_fields=["status", "details"])
    data: dict[str, Any] = {"orders": [str(o.id) for o in back]}
    was = package.status
    if order.kind == "PURCHASE":
        package.status, package.ended_at, package.auto_renew = "REFUNDED", at, False
    else:
        data["expiries"] = remove_renewal(package, order)
        periods.refresh_status(package, at)
    periods.schedule(package)
    await package.save()
    if was == "ACTIVE" and package.status == "EXPIRED":
        await events.record(
            "PACKAGE_EXPIRED",
            account_id=account.id,
            sdk_app_id=package.application_id,
            at=at,
            data={"packageId": str(package.id), "reason": "REFUND", "expiresAt": package.expires_at.isoformat()},
        )
    data["packageStatus"] = package.status
    refund.status, refund.decided_at = "APPROVED", at
    await refund.save()
    from app.domain.accounts import arrears

    await arrears.after_credit(account, at)  # money back may end arrears (S-2, S-4)
    return data


def _event_data(refund: Refund, order: Order, **extra: Any) -> dict[str, Any]:
    return {
        "refundId": str(refund.id),
        "orderId": str(order.id),
        "amount": format_fen(refund.amount_fen),
        "gift": format_fen(refund.gift_fen),
        "income": format_fen(refund.income_fen),
        "cash": format_fen(refund.cash_fen),
        **extra,
    }


async def request(caller: Caller, order_id: int, *, at: datetime) -> Refund:
    """F-1, F-2: check, then approve and execute at once unless the account is flagged for review."""
    async with atomic():
        found = await Order.get_or_none(id=order_id)
        if found is None or found.account_id != caller.account_id:
            raise NotFound("order", "orderId")  # H-2
        locked = await _lock(found.account_id, order_id, at)
        await check_eligible(locked, at)
        refund = Refund(account_id=locked.account.id, order_id=order_id, status="PENDING_REVIEW", created_at=at)
        _set_amounts(refund, await _orders_back(locked))
        await refund.save()
        ids: events.SubjectAt = {"account_id": locked.account.id, "sdk_app_id": locked.order.sdk_app_id, "at": at}
        await events.record(
            "REFUND_REQUESTED",
            **ids,
            data=_event_data(refund, locked.order, review=locked.account.refund_review_required),
        )
        if not locked.account.refund_review_required:
            done = await _execute(locked, refund, at)
            await events.record("REFUND_APPROVED", **ids, data=_event_data(refund, locked.order, **done))
    return refund


def check_note(note: str | None) -> str | None:
    clean_optional(note, "note", max_len=None)
    if note is not None and len(note) > MAX_NOTE:
        raise DomainError(ErrorCode.INVALID_NOTE, f"note is longer than {MAX_NOTE} characters", "note")
    return note


async def review(refund_id: int, *, approve: bool, note: str | None, at: datetime) -> Refund:
    """F-2: an operator approves (executes) or rejects a PENDING_REVIEW request."""
    note = check_note(note)
    async with atomic():
        found = await Refund.get_or_none(id=refund_id)
        if found is None:
            raise NotFound("refund", "refundId")
        locked = await _lock(found.account_id, found.order_id, at)
        refund = await Refund.filter(id=refund_id).select_for_update().get()
        if refund.status != "PENDING_REVIEW":
            raise DomainError(
                ErrorCode.REFUND_NOT_PENDING, f"the refund is {refund.status}, not waiting for review", "refundId"
            )
        refund.note = note
        ids: events.SubjectAt = {"account_id": locked.account.id, "sdk_app_id": locked.order.sdk_app_id, "at": at}
        if approve:
            await recheck_on_approval(locked)
            done = await _execute(locked, refund, at)
            await events.record("REFUND_APPROVED", **ids, data=_event_data(refund, locked.order, note=note, **done))
        else:
            refund.status, refund.decided_at = "REJECTED", at
            await refund.save()
            await events.record("REFUND_REJECTED", **ids, data=_event_data(refund, locked.order, note=note))
    return refund


async def set_review_required(account_id: int, required: bool, *, at: datetime) -> Account:
    """F-2: operators flag an account so that its refund requests wait for review. The flag lives
    on the paying (owner) account, whose refunds it governs."""
    row = await Account.get_or_none(id=account_id)
    if row is None:
        raise NotFound("account", "accountId")
    async with atomic():
        account = await locks.account(row.payer_id, at)
        account.refund_review_required = required
        await Account.filter(id=account.id).update(refund_review_required=required)
        await events.record("REFUND_REVIEW_CHANGED", account_id=account.id, at=at, data={"required": required})
    return account


async def listing(account_id: int | None, *, status: str | None = None, first: int = MAX_LIST) -> list[Refund]:
    """Refunds newest first, with their orders; `account_id` None lists every account's (operators)."""
    query = Refund.all()
    if account_id is not None:
        query = query.filter(account_id=account_id)
    if status is not None:
        query = query.filter(status=status)
    return await query.order_by("-id").limit(first).prefetch_related("order")


async def get(refund_id: int) -> Refund:
    return await Refund.get(id=refund_id).prefetch_related("order")


# F-5 (app/domain/renewals/cancel.py) cancels a renewal through the same locking, checks and
# execution as a refund: the period comes off in exactly one place (remove_renewal).
lock_order = _lock
check_order = _check_order
execute = _execute
event_data = _event_data
