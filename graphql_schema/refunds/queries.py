import strawberry
from strawberry.types import Info

from app.domain.refunds import service as refunds
from graphql_schema.enums import RefundStatus
from graphql_schema.ids import own_account, parse_id
from graphql_schema.pagination import MAX_PAGE, check_first
from graphql_schema.permissions import require
from graphql_schema.query import domain_field
from graphql_schema.refunds.types import Refund, refund_of


@strawberry.type
class RefundsQuery:
    @domain_field(
        description="The account's refunds, newest first. Operators see every account's, or one "
        "account's with `accountId`; `status: PENDING_REVIEW` is the review queue."
    )
    async def refunds(
        self,
        info: Info,
        status: RefundStatus | None = None,
        account_id: strawberry.ID | None = None,
        first: int | None = MAX_PAGE,
    ) -> list[Refund]:
        caller = require(info, "CUSTOMER", "PARTNER", "OPERATOR", scope="orders:read")
        first = check_first(MAX_PAGE if first is None else first)
        if caller.is_operator:
            account = None if account_id is None else parse_id(account_id, "account", "accountId")
        else:
            account = own_account(caller, account_id)
        rows = await refunds.listing(account, status=status.value if status else None, first=first)
        return [refund_of(r, r.order) for r in rows]
