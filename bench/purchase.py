"""Issue 3 item 10: purchasePackage through the real server vs a bare purchase-shaped SQL transaction.

Both sides run at the same client concurrency against the same accounts (so the account row
lock serialises the same way) and with the same number of database connections (the server's
DB_POOL_SIZE equals the baseline's asyncpg pool). The baseline runs before and after the server
measurement; the mean of the two is the reference. Goal: server rate ≥ 0.25 × baseline rate.

    .venv/bin/python -m bench.purchase [--purchases 300] [--concurrency 50] [--accounts 10]
"""

import argparse
import asyncio
import json
import statistics
import uuid
from datetime import UTC, datetime

import asyncpg

from bench import common

GOAL = 0.25
PRICE_FEN = 165326  # BASIC, 1 month, first order (B-1): what the server charges each of these purchases
PURCHASE = """mutation($input: PurchaseInput!) { purchasePackage(input: $input) {
  order { id kind status sdkAppId edition months amount { amount }
    paid { voucher { amount } gift { amount } income { amount } cash { amount } }
    lines { description months amount { amount } campaign } createdAt }
  package { id status edition rtc { code startsAt expiresAt } im { code startsAt expiresAt } expiresAt autoRenew }
  errors { code field message } } }"""

# The minimum a purchase must write, as one transaction: lock the payer, create the package and
# the order, one balanced ledger transaction of 5 entries, move the balance, append the event.
LOCK = "SELECT * FROM account WHERE id = $1 FOR UPDATE"
INSERT_PACKAGE = """INSERT INTO package (application_id, account_id, edition, status, rtc_code, rtc_anchor, rtc_months,
  rtc_expires_at, im_code, im_anchor, im_months, im_expires_at, started_at, auto_renew, auto_renew_months,
  allowance_month, allowance_granted, allowance_used, next_due_at, created_at, renew_flag)
VALUES ($1, $2, 'BASIC', 'ACTIVE', 'RTC_PREMIUM', $3, 1, $4, 'IM_PRO', $3, 1, $4, $3, false, 1, 0, 380000, 0, $5, $3,
  'MANUAL_RENEW')
RETURNING id"""
INSERT_ORDER = """INSERT INTO billing_order (account_id, placed_by_id, sdk_app_id, package_id, kind, status, edition,
  months, amount_fen, paid_voucher_fen, paid_gift_fen, paid_income_fen, paid_cash_fen, lines, details, created_at)
VALUES ($1, $1, $2, $3, 'PURCHASE', 'PAID', 'BASIC', 1, $4, 0, 0, 0, $4, $5, $6, $7) RETURNING id"""
INSERT_LEDGER_TX = """INSERT INTO ledger_transaction (kind, account_id, order_id, memo, created_at)
VALUES ('PURCHASE', $1, $2, '', $3) RETURNING id"""
INSERT_ENTRIES = """INSERT INTO ledger_entry (transaction_id, account_id, book, amount_fen) VALUES
  ($1, $2, 'GIFT', 0), ($1, $2, 'INCOME', 0), ($1, $2, 'CASH', -$3::bigint), ($1, $2, 'PROMOTIONS', 0),
  ($1, $2, 'REVENUE', $3::bigint)"""
UPDATE_ACCOUNT = "UPDATE account SET cash_fen = cash_fen - $2 WHERE id = $1"
# The event with its per-account sequence number (W-2), in one statement as the product writes it.
INSERT_EVENT = """WITH seq AS (
  INSERT INTO event_sequence (account_id, last_sequence) VALUES ($1, 1)
  ON CONFLICT (account_id) DO UPDATE SET last_sequence = event_sequence.last_sequence + 1
  RETURNING last_sequence)
INSERT INTO event (account_id, sdk_app_id, type, data, occurred_at, sequence)
SELECT $1, $2, 'PACKAGE_PURCHASED', $3, $4, last_sequence FROM seq"""


def add_month(at: datetime) -> datetime:
    month = at.month % 12 + 1
    year = at.year + (1 if at.month == 12 else 0)
    day = min(at.day, 28)
    return at.replace(year=year, month=month, day=day)


async def bare_purchase(pool: asyncpg.Pool, account_id: int, sdk_app_id: int) -> None:
    at = datetime.now(UTC)
    expiry = add_month(at)
    async with pool.acquire() as conn:
        async with conn.transaction():
            await conn.fetchrow(LOCK, account_id)
            package_id = await conn.fetchval(
                INSERT_PACKAGE, sdk_app_id, account_id, at, expiry, expiry - (expiry - at) / 4
            )
            lines = json.dumps(
                [{"description": "BASIC, 1 month", "months": 1, "amountFen": PRICE_FEN, "campaign": "FIRST_ORDER"}]
            )
            details = json.dumps({"periodStart": at.isoformat(), "periodEnd": expiry.isoformat()})
            order_id = await conn.fetchval(
                INSERT_ORDER, account_id, sdk_app_id, package_id, PRICE_FEN, lines, details, at
            )
            tx_id = await conn.fetchval(INSERT_LEDGER_TX, account_id, order_id, at)
            await conn.execute(INSERT_ENTRIES, tx_id, account_id, PRICE_FEN)
            await conn.execute(UPDATE_ACCOUNT, account_id, PRICE_FEN)
            data = json.dumps(
                {
                    "orderId": str(order_id),
                    "packageId": str(package_id),
                    "edition": "BASIC",
                    "months": 1,
                    "amount": "1653.26",
                    "expiresAt": expiry.isoformat(),
                }
            )
            await conn.execute(INSERT_EVENT, account_id, sdk_app_id, data, at)


async def baseline(accounts: list[int], apps: list[int], concurrency: int, pool_size: int, warmup: int) -> dict:
    pool = await common.pg_pool(pool_size)
    try:
        warm, measured = apps[:warmup], apps[warmup:]
        await common.drive(len(warm), concurrency, lambda i: bare_purchase(pool, accounts[i % len(accounts)], warm[i]))
        run = await common.drive(
            len(measured),
            concurrency,
            lambda i: bare_purchase(pool, accounts[(warmup + i) % len(accounts)], measured[i]),
        )
    finally:
        await pool.close()
    return run.summary("transactions")


async def main(args: argparse.Namespace) -> dict:
    await common.fresh_environment()
    n, warmup, c = args.purchases, args.warmup, args.concurrency
    async with common.Server("purchase", db_pool_size=args.db_pool) as server:
        async with common.client(server, c) as http:
            owners = await asyncio.gather(*(common.new_account(http, f"bench-{i}") for i in range(args.accounts)))
            account_ids = [a for a, _ in owners]
            tokens = {a: t for a, t in owners}
            for a in account_ids:  # plenty for every purchase, the server's and the baseline's
                await common.credit(http, a, "100000000.00", f"fund-{a}")
            per_account = -(-(n + warmup) // args.accounts)
            conn = await common.pg_connect()
            try:
                # Interleaved, so app i belongs to account i % accounts on every side.
                api_apps = await common.insert_apps(conn, account_ids, per_account, "api")
                sql_before = await common.insert_apps(conn, account_ids, per_account, "sql1")
                sql_after = await common.insert_apps(conn, account_ids, per_account, "sql2")
            finally:
                await conn.close()
            owner_of = {app: account_ids[i % len(account_ids)] for i, app in enumerate(api_apps)}

            print(f"baseline (before): {n} bare purchase transactions, concurrency {c}, pool {args.db_pool}")
            before = await baseline(account_ids, sql_before[: n + warmup], c, args.db_pool, warmup)

            run_id = uuid.uuid4().hex[:8]

            async def buy(app: int) -> list:
                variables = {
                    "input": {
                        "sdkAppId": app,
                        "edition": "BASIC",
                        "months": 1,
                        "acceptAgreements": True,
                        "idempotencyKey": f"{run_id}-{app}",
                        "autoRenew": False,
                    }
                }
                data = await common.gql(http, PURCHASE, variables, tokens[owner_of[app]])
                return data["purchasePackage"]["errors"]

            print(f"server: {warmup} warm-up + {n} purchasePackage mutations, concurrency {c}")
            await common.drive(warmup, c, lambda i: buy(api_apps[i]), server)
            measured_apps = api_apps[warmup : warmup + n]
            run = await common.drive(n, c, lambda i: buy(measured_apps[i]), server)
            failures = [e for e in run.results if e]

            print(f"baseline (after): {n} bare purchase transactions")
            after = await baseline(account_ids, sql_after[: n + warmup], c, args.db_pool, warmup)
        launch = server.notes()

    api = run.summary("purchases")
    base_rate = statistics.fmean([before["transactions_per_second"], after["transactions_per_second"]])
    ratio = api["purchases_per_second"] / base_rate
    figures = {
        "parameters": {
            "purchases": n,
            "warmup": warmup,
            "concurrency": c,
            "accounts": args.accounts,
            "db_pool": args.db_pool,
            "edition": "BASIC",
            "months": 1,
        },
        "server": {**api, "failed": len(failures), "first_failures": failures[:3]},
        "bare_sql_before": before,
        "bare_sql_after": after,
        "bare_sql_transactions_per_second": round(base_rate, 2),
        "ratio": round(ratio, 4),
        "goal": f">= {GOAL}",
        "verdict": common.verdict(ratio, GOAL),
        "server_launch": launch,
    }
    path = common.write_results("purchase", figures)
    print(
        f"purchasePackage: {api['purchases_per_second']:.1f}/s (p50 {api['latency_ms']['p50']} ms, "
        f"server CPU {api.get('server_cpu_utilisation')}, {api.get('server_cpu_ms_per_op')} ms CPU per purchase), "
        f"failed {len(failures)}"
    )
    print(
        f"bare SQL purchase: {before['transactions_per_second']:.1f}/s before, "
        f"{after['transactions_per_second']:.1f}/s after"
    )
    print(f"ratio {ratio:.3f} (goal >= {GOAL}): {figures['verdict']}  -> {path}")
    return figures


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.purchase", description=__doc__.splitlines()[0])
    p.add_argument("--purchases", type=int, default=300, help="measured purchases (and bare transactions)")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--concurrency", type=int, default=50)
    p.add_argument("--accounts", type=int, default=10, help="funded accounts the apps are spread over")
    p.add_argument("--db-pool", type=int, default=10, help="DB connections: server DB_POOL_SIZE and baseline pool")
    return p


if __name__ == "__main__":
    common.use_uvloop()
    asyncio.run(main(parser().parse_args()))
