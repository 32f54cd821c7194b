import strawberry
from strawberry.types import Info

from app import clock
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.domain.packages import service as packages
from graphql_schema.catalog.types import EditionCode
from graphql_schema.enums import RenewScope
from graphql_schema.errors import user_errors
from graphql_schema.ids import parse_id
from graphql_schema.orders.types import OrderPayload, PackagePayload
from graphql_schema.packages.payloads import place_order
from graphql_schema.packages.types import package_of
from graphql_schema.permissions import customer_side

MAX_LIST = 1000


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


def voucher_ids_of(ids: list[strawberry.ID] | None) -> list[int]:
    ids = ids or []
    if len(ids) > MAX_LIST:
        raise DomainError(ErrorCode.LIST_TOO_LONG, f"at most {MAX_LIST} vouchers", "voucherIds")
    return [parse_id(v, "voucher", "voucherIds") for v in ids]


@strawberry.type
class PackagesMutation:
    @strawberry.mutation(description="T-1…T-4: a 7-day TRIAL edition for the application.")
    async def start_trial(self, info: Info, sdk_app_id: int) -> PackagePayload:
        caller = customer_side(info, "packages:write")
        try:
            package = await packages.start_trial(caller, sdk_app_id, at=await clock.now())
        except DomainError as e:
            return PackagePayload(errors=user_errors(e))
        return PackagePayload(package=package_of(package))

    @strawberry.mutation(description="B-1…B-8: buy an edition for an application with no active paid package.")
    async def purchase_package(self, info: Info, input: PurchaseInput) -> OrderPayload:
        caller = customer_side(info, "packages:write")
        try:
            vouchers = voucher_ids_of(input.voucher_ids)
        except DomainError as e:
            return OrderPayload(errors=user_errors(e))
        now = await clock.now()
        request = {"sdkAppId": input.sdk_app_id, "edition": input.edition.value, "months": input.months,
                   "autoRenew": bool(input.auto_renew), "acceptAgreements": input.accept_agreements,
                   "voucherIds": vouchers}
        return await place_order(
            caller, mutation="purchasePackage", key=input.idempotency_key, request=request, now=now,
            perform=lambda: packages.purchase(
                caller, sdk_app_id=input.sdk_app_id, edition=input.edition.value, months=input.months,
                auto_renew=bool(input.auto_renew), accept_agreements=input.accept_agreements,
                voucher_ids=vouchers, at=now,
            ),
        )

    @strawberry.mutation(description="R-1: extend FULL, RTC_ONLY or IM_ONLY by whole months at current prices.")
    async def renew_package(self, info: Info, input: RenewInput) -> OrderPayload:
        caller = customer_side(info, "packages:write")
        scope = (input.scope or RenewScope.FULL).value
        try:
            vouchers = voucher_ids_of(input.voucher_ids)
        except DomainError as e:
            return OrderPayload(errors=user_errors(e))
        now = await clock.now()
        request = {"sdkAppId": input.sdk_app_id, "months": input.months, "scope": scope, "voucherIds": vouchers}
        return await place_order(
            caller, mutation="renewPackage", key=input.idempotency_key, request=request, now=now,
            perform=lambda: packages.renew(caller, sdk_app_id=input.sdk_app_id, months=input.months, scope=scope,
                                           voucher_ids=vouchers, at=now),
        )

    @strawberry.mutation(description="R-2: auto-renew at expiry for `months` months.")
    async def set_auto_renew(self, info: Info, sdk_app_id: int, enabled: bool, months: int | None = 1) -> PackagePayload:
        caller = customer_side(info, "packages:write")
        try:
            package = await packages.set_auto_renew(caller, sdk_app_id=sdk_app_id, enabled=enabled,
                                                    months=1 if months is None else months, at=await clock.now())
        except DomainError as e:
            return PackagePayload(errors=user_errors(e))
        return PackagePayload(package=package_of(package))
