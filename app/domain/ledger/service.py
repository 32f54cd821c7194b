"""The only code that moves money (B-7).

Books: a customer's wallet CASH / INCOME / GIFT (the sub-balances of A-4), and house books
REVENUE, FUNDING (money arriving from outside: top-ups, operator credits) and PROMOTIONS
(voucher value spent). Every transaction's entries sum to zero; the account row's sub-balance
columns move in the same database transaction, so balance = Σ entries at every instant.
Callers hold the account's row lock (app/domain/locks.py).
"""

from dataclasses import dataclass
from datetime import datetime

from tortoise import connections

from app.domain.accounts.models import Account
from app.domain.ledger.models import LedgerTransaction

WALLET_BOOKS = {"CASH": "cash_fen", "INCOME": "income_fen", "GIFT": "gift_fen"}
HOUSE_BOOKS = ("REVENUE", "FUNDING", "PROMOTIONS")


POST_SQL = """
WITH t AS (
  INSERT INTO ledger_transaction (kind, account_id, order_id, memo, created_at)
  VALUES ($1, $2, $3, $4, $5) RETURNING id
), e AS (
  INSERT INTO ledger_entry (transaction_id, account_id, book, amount_fen)
  SELECT t.id, $2, u.book, u.amount FROM t, unnest($6::text[], $7::bigint[]) AS u(book, amount)
), w AS (
  UPDATE account SET cash_fen = cash_fen + $8, income_fen = income_fen + $9, gift_fen = gift_fen + $10
  WHERE id = $2 AND ($8::bigint <> 0 OR $9::bigint <> 0 OR $10::bigint <> 0)
)
SELECT id FROM t"""


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
    deltas = {column: 0 for column in WALLET_BOOKS.values()}
    for p in postings:
        if p.book in WALLET_BOOKS:
            deltas[WALLET_BOOKS[p.book]] += p.amount_fen
    # One statement, one round trip: the transaction row, its entries and the wallet columns.
    rows = await connections.get("default").execute_query_dict(
        POST_SQL,
        [
            kind,
            account.id,
            order_id,
            memo,
            at,
            [p.book for p in postings],
            [p.amount_fen for p in postings],
            deltas["cash_fen"],
            deltas["income_fen"],
            deltas["gift_fen"],
        ],
    )
    for column, delta in deltas.items():
        setattr(account, column, getattr(account, column) + delta)
    tx = LedgerTransaction(
        id=rows[0]["id"], kind=kind, account_id=account.id, order_id=order_id, memo=memo, created_at=at
    )
    tx._saved_in_db = True
    return tx
