"""Paying a prepaid order (B-5, B-6): chosen vouchers first, then gift, income, cash."""

from dataclasses import dataclass
from datetime import datetime

from app.domain.accounts.models import Account, Voucher
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.ledger import service as ledger
from app.domain.ledger.service import Posting
from app.domain.money import format_fen

MAX_VOUCHERS = 1000


@dataclass
class Split:
    voucher: int = 0
    gift: int = 0
    income: int = 0
    cash: int = 0
    voucher_ids: tuple[int, ...] = ()

    @property
    def total(self) -> int:
        return self.voucher + self.gift + self.income + self.cash


async def lock_vouchers(account: Account, voucher_ids: list[int], now: datetime) -> list[Voucher]:
    if len(voucher_ids) > MAX_VOUCHERS:
        raise DomainError(ErrorCode.LIST_TOO_LONG, f"at most {MAX_VOUCHERS} vouchers", "voucherIds")
    if len(set(voucher_ids)) != len(voucher_ids):
        raise DomainError(ErrorCode.INVALID_VOUCHER, "a voucher is listed twice", "voucherIds")
    if not voucher_ids:
        return []
    rows = {v.id: v for v in await Voucher.filter(id__in=voucher_ids, account_id=account.id).select_for_update()}
    vouchers = []
    for vid in voucher_ids:
        v = rows.get(vid)
        if v is None:
            raise DomainError(ErrorCode.NOT_FOUND, f"voucher {vid} not found", "voucherIds")
        if v.used_at is not None:
            raise DomainError(ErrorCode.VOUCHER_USED, f"voucher {vid} was already used", "voucherIds")
        if v.expires_at <= now:
            raise DomainError(ErrorCode.VOUCHER_EXPIRED, f"voucher {vid} has expired", "voucherIds")
        vouchers.append(v)
    return vouchers


def plan_split(account: Account, amount_fen: int, vouchers: list[Voucher]) -> Split:
    """Vouchers in the order chosen, each capped at what is still payable; then the balance."""
    split = Split()
    left = amount_fen
    used = []
    for v in vouchers:
        if left == 0:
            break  # a voucher that would cover nothing is not consumed
        take = min(v.amount_fen, left)
        split.voucher += take
        left -= take
        used.append(v.id)
    split.voucher_ids = tuple(used)
    if left > account.available_fen:
        raise DomainError(
            ErrorCode.INSUFFICIENT_BALANCE,
            f"{format_fen(left)} is due after vouchers but the available balance is {format_fen(account.available_fen)}",
        )
    for name in ("gift", "income", "cash"):
        take = min(max(getattr(account, f"{name}_fen"), 0), left)
        setattr(split, name, take)
        left -= take
    assert left == 0
    return split


async def collect(account: Account, split: Split, *, order_id: int, kind: str, at: datetime) -> None:
    """Move the money of a planned split and mark the vouchers used, in the caller's transaction."""
    await ledger.post(
        account,
        kind,
        [
            Posting("GIFT", -split.gift),
            Posting("INCOME", -split.income),
            Posting("CASH", -split.cash),
            Posting("PROMOTIONS", -split.voucher),
            Posting("REVENUE", split.total),
        ],
        at=at,
        order_id=order_id,
    )
    if split.voucher_ids:
        await Voucher.filter(id__in=list(split.voucher_ids)).update(used_at=at, used_on_order_id=order_id)
