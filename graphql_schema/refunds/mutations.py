import strawberry
from strawberry.types import Info

from app import clock
from app.domain import commands
from app.domain.refunds import commands as refunding
from app.domain.refunds import service as refunds
from graphql_schema.accounts.types import AccountPayload, account_of
from graphql_schema.ids import parse_id
from graphql_schema.mutation import payload_mutation
from graphql_schema.permissions import customer_side, operator
from graphql_schema.refunds.types import RefundPayload, refund_of


async def refund_payload(refund_id: int) -> RefundPayload:
    refund = await refunds.get(refund_id)
    return RefundPayload(refund=refund_of(refund, refund.order))


@strawberry.type
class RefundsMutation:
    @payload_mutation(description="F-1…F-4: the 5-day no-reason refund of a purchase or renewal.")
    async def request_refund(self, info: Info, order_id: strawberry.ID, idempotency_key: str) -> RefundPayload:
        caller = customer_side(info, "refunds:write")
        command = commands.RequestRefund(order_id=parse_id(order_id, "order", "orderId"))
        return await refund_payload(
            await refunding.request_refund(caller, command, key=idempotency_key, at=await clock.now())
        )

    @payload_mutation(description="F-2, operators: approve (and execute) or reject a refund waiting for review.")
    async def review_refund(
        self, info: Info, refund_id: strawberry.ID, approve: bool, note: str | None = None
    ) -> RefundPayload:
        operator(info)
        refund = await refunds.review(
            parse_id(refund_id, "refund", "refundId"), approve=approve, note=note, at=await clock.now()
        )
        return await refund_payload(refund.id)

    @payload_mutation(description="F-2, operators: make the account's refund requests wait for review.")
    async def set_refund_review(self, info: Info, account_id: strawberry.ID, required: bool) -> AccountPayload:
        operator(info)
        account = await refunds.set_review_required(
            parse_id(account_id, "account", "accountId"), required, at=await clock.now()
        )
        return AccountPayload(account=account_of(account))
