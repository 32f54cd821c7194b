"""Usage read for the console's usage page (UI-2)."""

from datetime import date

import strawberry
from strawberry.types import Info

from app import clock
from app.domain.accounts import service as accounts
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.usage import daily
from graphql_schema.permissions import require
from graphql_schema.query import domain_field

MAX_DAYS = 92


@strawberry.type
class UsageDay:
    day: date = strawberry.field(description="An Asia/Shanghai calendar day.")
    standard_minutes: int
    included_minutes: int = strawberry.field(description="Taken from the package month's allowance (M-2).")
    billable_minutes: int = strawberry.field(description="Billed postpaid at the overage rate (M-3).")


@strawberry.type
class UsageQuery:
    @domain_field(description="Standard minutes per day for one app, the last `days` days (1-92), oldest first.")
    async def usage_daily(self, info: Info, sdk_app_id: int, days: int = 30) -> list[UsageDay]:
        caller = require(info, "CUSTOMER", "PARTNER", "OPERATOR", scope="account:read")
        if not 1 <= days <= MAX_DAYS:
            raise DomainError(ErrorCode.INVALID_INPUT, f"days must be 1-{MAX_DAYS}", "days")
        if not caller.is_operator:
            await accounts.get_application(caller, sdk_app_id)  # NOT_FOUND for another account's app (H-2)
        rows = await daily.daily(sdk_app_id, days, await clock.now())
        return [
            UsageDay(
                day=r.day,
                standard_minutes=r.standard_minutes,
                included_minutes=r.included_minutes,
                billable_minutes=r.billable_minutes,
            )
            for r in rows
        ]
