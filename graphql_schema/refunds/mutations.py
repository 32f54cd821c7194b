import strawberry
from strawberry.types import Info

from app import clock
from app.domain import idempotency
from app.domain.errors import DomainError
from app.domain.refunds import service as refunds
from graphql_schema.accounts.types import AccountPayload, account_of
from graphql_schema.errors import user_errors
from graphql_schema.ids import parse_id
from graphql_schema.permissions import acting_account, customer_side, operator
from graphql_schema.refunds.types import RefundPayload, refund_of


async def refund_payload(refund_id: int) -> RefundPayload:
    refund = await refunds.get(refund_id)
    return RefundPayload(refund=refund_of(refund, refund.order))


@strawberry.type
class RefundsMutation:
    @strawberry.mutation(description="F-1…F-4: the 5-day no-reason refund of a purchase or renewal.")
    async def request_refund(self, info: Info, order_id: strawberry.ID, idempotency_key: str) -> RefundPayload:
        caller = customer_side(info, "refunds:write")
        try:
            order = parse_id(order_id, "order", "orderId")
            now = await clock.now()

            async def action() -> dict:
                refund = await refunds.request(caller, order, at=now)
                return {"refundId": str(refund.id)}

            result = await idempotency.run_once(account_id=acting_account(caller), mutation="requestRefund",
                                                key=idempotency_key, request={"orderId": order}, now=now,
                                                action=action)
        except DomainError as e:
            return RefundPayload(errors=user_errors(e))
        return await refund_payload(int(result["refundId"]))

    @strawberry.mutation(description="F-2, operators: approve (and execute) or reject a refund waiting for review.")
    async def review_refund(
        self, info: Info, refund_id: strawberry.ID, approve: bool, note: str | None = None
    ) -> RefundPayload:
        operator(info)
        try:
            refund = await refunds.review(parse_id(refund_id, "refund", "refundId"), approve=approve, note=note,
                                          at=await clock.now())
        except DomainError as e:
            return RefundPayload(errors=user_errors(e))
        return await refund_payload(refund.id)

    @strawberry.mutation(description="F-2, operators: make the account's refund requests wait for review.")
    async def set_refund_review(self, info: Info, account_id: strawberry.ID, required: bool) -> AccountPayload:
        operator(info)
        try:
            account = await refunds.set_review_required(parse_id(account_id, "account", "accountId"), required,
                                                        at=await clock.now())
        except DomainError as e:
            return AccountPayload(errors=user_errors(e))
        return AccountPayload(account=account_of(account))
