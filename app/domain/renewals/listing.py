"""R-7: the renewal list — the caller's paid packages (ACTIVE or EXPIRED) by expiry, then SDKAppID.

One SQL statement per page whatever the page size (keyset pagination on (expiry, sdkAppId)),
so an account with thousands of apps pages as fast as one with three.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise import connections

from app.domain.codes import ErrorCode, RenewFlag
from app.domain.errors import DomainError
from app.domain.packages.models import Package

MIN_DAYS, MAX_DAYS = 1, 366
EXPIRY = "LEAST(rtc_expires_at, COALESCE(im_expires_at, rtc_expires_at))"
# Current paid packages only: a package closed by a later purchase keeps EXPIRED but has ended_at.
BASE = f"""SELECT *, {EXPIRY} AS list_expiry FROM package
WHERE account_id = $1 AND status IN ('ACTIVE', 'EXPIRED') AND edition <> 'TRIAL' AND ended_at IS NULL"""
FLAG_SQL: dict[str, str] = {  # keyed by RenewFlag, a StrEnum: the filter gives its str
    RenewFlag.AUTO_RENEW: "auto_renew",
    RenewFlag.MANUAL_RENEW: "NOT auto_renew AND renew_flag <> 'NO_RENEW'",
    RenewFlag.NO_RENEW: "NOT auto_renew AND renew_flag = 'NO_RENEW'",
}


@dataclass(frozen=True)
class Filter:
    expiring_within_days: int | None = None
    expired: bool | None = None
    flag: str | None = None

    def check(self) -> None:
        days = self.expiring_within_days
        if days is not None and not MIN_DAYS <= days <= MAX_DAYS:
            raise DomainError(
                ErrorCode.INVALID_FILTER,
                f"expiringWithinDays is from {MIN_DAYS} to {MAX_DAYS}",
                "filter.expiringWithinDays",
            )
        if self.flag is not None and self.flag not in FLAG_SQL:
            raise DomainError(ErrorCode.INVALID_FILTER, "flag is AUTO_RENEW, MANUAL_RENEW or NO_RENEW", "filter.flag")


@dataclass(frozen=True)
class Cursor:
    expires_at: datetime
    sdk_app_id: int


async def page(account_id: int, f: Filter, *, first: int, after: Cursor | None, now: datetime) -> list[Package]:
    """Up to `first` + 1 packages (the extra one says whether there is a next page)."""
    f.check()
    args: list[object]
    sql, args = [BASE], [account_id]

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.expiring_within_days is not None:  # now < expiresAt ≤ now + N × 24 h
        sql.append(f"AND {EXPIRY} > {arg(now)} AND {EXPIRY} <= {arg(now + timedelta(days=f.expiring_within_days))}")
    if f.expired is True:
        sql.append(f"AND {EXPIRY} <= {arg(now)}")
    elif f.expired is False:
        sql.append(f"AND {EXPIRY} > {arg(now)}")
    if f.flag is not None:
        sql.append(f"AND {FLAG_SQL[f.flag]}")
    if after is not None:
        sql.append(f"AND ({EXPIRY}, application_id) > ({arg(after.expires_at)}, {arg(after.sdk_app_id)})")
    sql.append(f"ORDER BY list_expiry, application_id LIMIT {arg(first + 1)}")
    rows = await connections.get("default").execute_query_dict(" ".join(sql), args)
    columns = set(Package._meta.db_fields)
    return [Package._init_from_db(**{k: v for k, v in row.items() if k in columns}) for row in rows]


async def renewal_prices_fen(code_sets: list[tuple[str, ...]], at: datetime) -> list[int]:
    """R-7 `renewalPrice`: one month, FULL, at the prices in effect at `at`, for many packages at
    once (one price read for the whole page)."""
    from app.domain.catalog.prices import monthly_prices_fen

    prices = await monthly_prices_fen({code for codes in code_sets for code in codes}, at)
    return [sum(prices[code] for code in codes) for codes in code_sets]
