import strawberry
from strawberry.types import Info

from app import clock
from app.domain import commands
from app.domain.packages import commands as placing
from app.domain.packages import service as packages
from graphql_schema.catalog.types import EditionCode
from graphql_schema.enums import RenewScope
from graphql_schema.ids import parse_id
from graphql_schema.mutation import payload_mutation
from graphql_schema.orders.types import OrderPayload, PackagePayload
from graphql_schema.packages.payloads import order_payload
from graphql_schema.packages.types import package_of
from graphql_schema.permissions import customer_side


@strawberry.input
class PurchaseInput:
    sdk_app_id: int
    edition: EditionCode
    months: int
    accept_agreements: bool
    idempotency_key: str
    auto_renew: bool | None = False
    voucher_ids: list[strawberry.ID] | None = None


@strawberry.input
class RenewInput:
    sdk_app_id: int
    months: int
    idempotency_key: str
    scope: RenewScope | None = RenewScope.FULL
    voucher_ids: list[strawberry.ID] | None = None


def voucher_ids_of(ids: list[strawberry.ID] | None) -> tuple[int, ...]:
    """Parsing only: the list's limit is the command's own rule (commands.check_vouchers)."""
    values = ids or []
    commands.check_vouchers(values)  # before parsing a thousand ids, as a list too long should be
    return tuple(parse_id(v, "voucher", "voucherIds") for v in values)


@strawberry.type
class PackagesMutation:
    @payload_mutation(description="T-1…T-4: a 7-day TRIAL edition for the application.")
    async def start_trial(self, info: Info, sdk_app_id: int) -> PackagePayload:
        caller = customer_side(info, "packages:write")
        package = await packages.start_trial(caller, sdk_app_id, at=await clock.now())
        return PackagePayload(package=package_of(package))

    @payload_mutation(description="B-1…B-8: buy an edition for an application with no active paid package.")
    async def purchase_package(self, info: Info, input: PurchaseInput) -> OrderPayload:
        caller = customer_side(info, "packages:write")
        command = commands.PurchasePackage(
            sdk_app_id=input.sdk_app_id,
            edition=input.edition.value,
            months=input.months,
            auto_renew=bool(input.auto_renew),
            accept_agreements=input.accept_agreements,
            voucher_ids=voucher_ids_of(input.voucher_ids),
        )
        return order_payload(await placing.purchase(caller, command, key=input.idempotency_key, at=await clock.now()))

    @payload_mutation(description="R-1: extend FULL, RTC_ONLY or IM_ONLY by whole months at current prices.")
    async def renew_package(self, info: Info, input: RenewInput) -> OrderPayload:
        caller = customer_side(info, "packages:write")
        command = commands.RenewPackage(
            sdk_app_id=input.sdk_app_id,
            months=input.months,
            scope=(input.scope or RenewScope.FULL).value,
            voucher_ids=voucher_ids_of(input.voucher_ids),
        )
        return order_payload(await placing.renew(caller, command, key=input.idempotency_key, at=await clock.now()))

    @payload_mutation(description="R-2: auto-renew at expiry for `months` months.")
    async def set_auto_renew(
        self, info: Info, sdk_app_id: int, enabled: bool, months: int | None = 1
    ) -> PackagePayload:
        caller = customer_side(info, "packages:write")
        package = await packages.set_auto_renew(
            caller, sdk_app_id=sdk_app_id, enabled=enabled, months=1 if months is None else months, at=await clock.now()
        )
        return PackagePayload(package=package_of(package))
