"""B-7 proof: every transaction sums to zero and every account's sub-balances equal its entries."""

from tortoise import connections

UNBALANCED = """
SELECT t.id, t.kind, COALESCE(SUM(e.amount_fen), 0) AS total, COUNT(e.id) AS n
FROM ledger_transaction t LEFT JOIN ledger_entry e ON e.transaction_id = t.id
GROUP BY t.id, t.kind HAVING COALESCE(SUM(e.amount_fen), 0) <> 0 OR COUNT(e.id) = 0
"""

DRIFT = """
SELECT a.id, a.cash_fen, a.income_fen, a.gift_fen,
       COALESCE(SUM(e.amount_fen) FILTER (WHERE e.book = 'CASH'), 0) AS cash,
       COALESCE(SUM(e.amount_fen) FILTER (WHERE e.book = 'INCOME'), 0) AS income,
       COALESCE(SUM(e.amount_fen) FILTER (WHERE e.book = 'GIFT'), 0) AS gift
FROM account a LEFT JOIN ledger_entry e ON e.account_id = a.id
GROUP BY a.id
HAVING a.cash_fen <> COALESCE(SUM(e.amount_fen) FILTER (WHERE e.book = 'CASH'), 0)
    OR a.income_fen <> COALESCE(SUM(e.amount_fen) FILTER (WHERE e.book = 'INCOME'), 0)
    OR a.gift_fen <> COALESCE(SUM(e.amount_fen) FILTER (WHERE e.book = 'GIFT'), 0)
"""

ORDER_MISMATCH = """
SELECT o.id FROM billing_order o
WHERE o.paid_voucher_fen + o.paid_gift_fen + o.paid_income_fen + o.paid_cash_fen <> o.amount_fen
"""


async def problems() -> list[str]:
    conn = connections.get("default")
    found = []
    for row in await conn.execute_query_dict(UNBALANCED):
        found.append(f"transaction {row['id']} ({row['kind']}) sums to {row['total']} over {row['n']} entries")
    for row in await conn.execute_query_dict(DRIFT):
        found.append(
            f"account {row['id']}: columns cash/income/gift {row['cash_fen']}/{row['income_fen']}/{row['gift_fen']}"
            f" but entries {row['cash']}/{row['income']}/{row['gift']}"
        )
    for row in await conn.execute_query_dict(ORDER_MISMATCH):
        found.append(f"order {row['id']}: payment split does not add up to its amount")
    return found
