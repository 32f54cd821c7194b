"""The only code that moves money (B-7).

Books: a customer's wallet CASH / INCOME / GIFT (the sub-balances of A-4), and house books
REVENUE, FUNDING (money arriving from outside: top-ups, operator credits) and PROMOTIONS
(voucher value spent). Every transaction's entries sum to zero; the account row's sub-balance
columns move in the same database transaction, so balance = Σ entries at every instant.
Callers hold the account's row lock (app/domain/locks.py).
"""
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F

from app.domain.accounts.models import Account
from app.domain.ledger.models import LedgerEntry, LedgerTransaction

WALLET_BOOKS = {"CASH": "cash_fen", "INCOME": "income_fen", "GIFT": "gift_fen"}
HOUSE_BOOKS = ("REVENUE", "FUNDING", "PROMOTIONS")


@dataclass(frozen=True)
class Posting:
    book: str
    amount_fen: int


async def post(
    account: Account,
    kind: str,
    postings: list[Posting],
    *,
    at: datetime,
    order_id: int | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """Write one balanced transaction for `account` and move its wallet columns with it."""
    postings = [p for p in postings if p.amount_fen != 0]
    if sum(p.amount_fen for p in postings) != 0:
        raise AssertionError(f"unbalanced ledger transaction {kind}: {postings}")
    for p in postings:
        if p.book not in WALLET_BOOKS and p.book not in HOUSE_BOOKS:
            raise AssertionError(f"unknown book {p.book}")
    tx = await LedgerTransaction.create(kind=kind, account_id=account.id, order_id=order_id, memo=memo, created_at=at)
    await LedgerEntry.bulk_create(
        [LedgerEntry(transaction_id=tx.id, account_id=account.id, book=p.book, amount_fen=p.amount_fen) for p in postings]
    )
    deltas = {}
    for p in postings:
        if p.book in WALLET_BOOKS:
            column = WALLET_BOOKS[p.book]
            deltas[column] = deltas.get(column, 0) + p.amount_fen
    if deltas:
        await Account.filter(id=account.id).update(**{c: F(c) + d for c, d in deltas.items()})
        for column, delta in deltas.items():
            setattr(account, column, getattr(account, column) + delta)
    return tx
