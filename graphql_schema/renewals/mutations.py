"""R-6 `setRenewFlag`, R-8 `renewPackages`, R-9 `alignExpiry`, F-5 `cancelRenewal`."""
from collections.abc import Awaitable, Callable

import strawberry
from strawberry.types import Info

from app import clock
from app.domain import idempotency
from app.domain.accounts.caller import Caller
from app.domain.errors import DomainError
from app.domain.orders.models import Order as OrderRow
from app.domain.packages.models import Package
from app.domain.renewals import align, cancel, flags, renew_batch
from app.domain.renewals.batch import BatchRefused
from graphql_schema.enums import RenewFlag, RenewScope
from graphql_schema.errors import UserError, user_errors
from graphql_schema.ids import parse_id
from graphql_schema.orders.types import Order, PackagePayload, order_of
from graphql_schema.packages.mutations import voucher_ids_of
from graphql_schema.packages.types import PackageSubscription, package_of
from graphql_schema.permissions import acting_account, customer_side
from graphql_schema.refunds.mutations import refund_payload
from graphql_schema.refunds.types import RefundPayload


@strawberry.input
class BatchRenewItem:
    sdk_app_id: int
    months: int
    scope: RenewScope | None = RenewScope.FULL


@strawberry.input
class BatchRenewInput:
    items: list[BatchRenewItem]
    idempotency_key: str
    voucher_ids: list[strawberry.ID] | None = None


@strawberry.input
class AlignExpiryInput:
    sdk_app_ids: list[int]
    day: int
    idempotency_key: str


@strawberry.type
class BatchOrderPayload:
    orders: list[Order] = strawberry.field(default_factory=list)
    packages: list[PackageSubscription] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


def errors_of(e: DomainError) -> list[UserError]:
    if isinstance(e, BatchRefused):
        return [UserError(code=x.code, field=x.field, message=x.message) for x in e.errors]
    return user_errors(e)


async def run_batch(
    caller: Caller, *, mutation: str, key: str, request: dict, now,
    perform: Callable[[], Awaitable[tuple[list[OrderRow], list[Package]]]],
) -> BatchOrderPayload:
    """B-8 for a whole batch: one key, one stored result (the orders and packages it touched)."""
    fresh: dict = {}

    async def action() -> dict:
        fresh["orders"], fresh["packages"] = await perform()
        return {"orderIds": [str(o.id) for o in fresh["orders"]],
                "packageIds": [str(p.id) for p in fresh["packages"]]}

    try:
        result = await idempotency.run_once(account_id=acting_account(caller), mutation=mutation, key=key,
                                            request=request, now=now, action=action)
    except DomainError as e:
        return BatchOrderPayload(errors=errors_of(e))
    if fresh:
        orders, packages = fresh["orders"], fresh["packages"]
    else:  # a replay: the stored result, as things stand now
        by_id = {o.id: o for o in await OrderRow.filter(id__in=[int(i) for i in result["orderIds"]])}
        orders = [by_id[int(i)] for i in result["orderIds"]]
        pkgs = {p.id: p for p in await Package.filter(id__in=[int(i) for i in result["packageIds"]])}
        packages = [pkgs[int(i)] for i in result["packageIds"]]
    return BatchOrderPayload(orders=[order_of(o) for o in orders], packages=[package_of(p) for p in packages])


@strawberry.type
class RenewalsMutation:
    @strawberry.mutation(description="R-6: AUTO_RENEW (months 1–36), MANUAL_RENEW (reminders) or NO_RENEW.")
    async def set_renew_flag(self, info: Info, sdk_app_id: int, flag: RenewFlag, months: int | None = 1
                             ) -> PackagePayload:
        caller = customer_side(info, "packages:write")
        try:
            package = await flags.set_renew_flag(caller, sdk_app_id=sdk_app_id, flag=flag.value,
                                                 months=1 if months is None else months, at=await clock.now())
        except DomainError as e:
            return PackagePayload(errors=user_errors(e))
        return PackagePayload(package=package_of(package))

    @strawberry.mutation(description="R-8: renew 1–100 packages at once, all or nothing; one RENEWAL order each.")
    async def renew_packages(self, info: Info, input: BatchRenewInput) -> BatchOrderPayload:
        caller = customer_side(info, "packages:write")
        try:
            vouchers = voucher_ids_of(input.voucher_ids)
        except DomainError as e:
            return BatchOrderPayload(errors=user_errors(e))
        items = [renew_batch.Item(i.sdk_app_id, i.months, (i.scope or RenewScope.FULL).value) for i in input.items]
        now = await clock.now()
        request = {"items": [[i.sdk_app_id, i.months, i.scope] for i in items], "voucherIds": vouchers}

        async def perform():
            done = await renew_batch.renew_all(caller, items, voucher_ids=vouchers, at=now)
            return [o for o, _ in done], [p for _, p in done]

        return await run_batch(caller, mutation="renewPackages", key=input.idempotency_key, request=request,
                               now=now, perform=perform)

    @strawberry.mutation(description="R-9: extend each package to the next 00:00 Asia/Shanghai on `day` (1–28).")
    async def align_expiry(self, info: Info, input: AlignExpiryInput) -> BatchOrderPayload:
        caller = customer_side(info, "packages:write")
        now = await clock.now()
        request = {"sdkAppIds": input.sdk_app_ids, "day": input.day}
        return await run_batch(
            caller, mutation="alignExpiry", key=input.idempotency_key, request=request, now=now,
            perform=lambda: align.align(caller, input.sdk_app_ids, input.day, at=now),
        )

    @strawberry.mutation(description="F-5: cancel a renewal whose added period has not started; money back at once.")
    async def cancel_renewal(self, info: Info, order_id: strawberry.ID, idempotency_key: str) -> RefundPayload:
        caller = customer_side(info, "refunds:write")
        try:
            order = parse_id(order_id, "order", "orderId")
            now = await clock.now()

            async def action() -> dict:
                refund = await cancel.cancel(caller, order, at=now)
                return {"refundId": str(refund.id)}

            result = await idempotency.run_once(account_id=acting_account(caller), mutation="cancelRenewal",
                                                key=idempotency_key, request={"orderId": order}, now=now,
                                                action=action)
        except DomainError as e:
            return RefundPayload(errors=user_errors(e))
        return await refund_payload(int(result["refundId"]))
