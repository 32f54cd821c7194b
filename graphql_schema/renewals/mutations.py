"""R-6 `setRenewFlag`, R-8 `renewPackages`, R-9 `alignExpiry`, F-5 `cancelRenewal`."""

import strawberry
from strawberry.types import Info

from app import clock
from app.domain import commands
from app.domain.renewals import commands as renewals
from app.domain.renewals import flags
from graphql_schema.enums import RenewFlag, RenewScope
from graphql_schema.errors import UserError
from graphql_schema.ids import parse_id
from graphql_schema.mutation import payload_mutation
from graphql_schema.orders.types import Order, PackagePayload, order_of
from graphql_schema.packages.mutations import voucher_ids_of
from graphql_schema.packages.types import PackageSubscription, package_of
from graphql_schema.permissions import customer_side
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


def batch_payload(batch: renewals.Batch) -> BatchOrderPayload:
    return BatchOrderPayload(
        orders=[order_of(o) for o in batch.orders], packages=[package_of(p) for p in batch.packages]
    )


@strawberry.type
class RenewalsMutation:
    @payload_mutation(description="R-6: AUTO_RENEW (months 1–36), MANUAL_RENEW (reminders) or NO_RENEW.")
    async def set_renew_flag(
        self, info: Info, sdk_app_id: int, flag: RenewFlag, months: int | None = 1
    ) -> PackagePayload:
        caller = customer_side(info, "packages:write")
        package = await flags.set_renew_flag(
            caller, sdk_app_id=sdk_app_id, flag=flag.value, months=1 if months is None else months, at=await clock.now()
        )
        return PackagePayload(package=package_of(package))

    @payload_mutation(description="R-8: renew 1–100 packages at once, all or nothing; one RENEWAL order each.")
    async def renew_packages(self, info: Info, input: BatchRenewInput) -> BatchOrderPayload:
        caller = customer_side(info, "packages:write")
        vouchers = voucher_ids_of(input.voucher_ids)
        items = tuple(
            commands.RenewItem(i.sdk_app_id, i.months, (i.scope or RenewScope.FULL).value) for i in input.items
        )
        command = commands.RenewPackages(items=items, voucher_ids=vouchers)
        return batch_payload(
            await renewals.renew_packages(caller, command, key=input.idempotency_key, at=await clock.now())
        )

    @payload_mutation(description="R-9: extend each package to the next 00:00 Asia/Shanghai on `day` (1–28).")
    async def align_expiry(self, info: Info, input: AlignExpiryInput) -> BatchOrderPayload:
        caller = customer_side(info, "packages:write")
        command = commands.AlignExpiry(sdk_app_ids=tuple(input.sdk_app_ids), day=input.day)
        return batch_payload(
            await renewals.align_expiry(caller, command, key=input.idempotency_key, at=await clock.now())
        )

    @payload_mutation(description="F-5: cancel a renewal whose added period has not started; money back at once.")
    async def cancel_renewal(self, info: Info, order_id: strawberry.ID, idempotency_key: str) -> RefundPayload:
        caller = customer_side(info, "refunds:write")
        command = commands.CancelRenewal(order_id=parse_id(order_id, "order", "orderId"))
        return await refund_payload(
            await renewals.cancel_renewal(caller, command, key=idempotency_key, at=await clock.now())
        )
