from datetime import datetime

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from app.domain.accounts.models import Account as AccountRow
from app.domain.accounts.models import Application as ApplicationRow
from app.domain.accounts.models import Voucher as VoucherRow
from app.domain.packages import read as packages_read
from graphql_schema.enums import AccountStatus, AccountType, AppStatus
from graphql_schema.errors import UserError
from graphql_schema.packages.types import PackageSubscription, package_of
from graphql_schema.scalars import Money, money


@strawberry.type
class Balance:
    cash: Money
    income: Money
    gift: Money
    available: Money


@strawberry.type
class Voucher:
    id: strawberry.ID
    amount: Money
    expires_at: datetime
    used_at: datetime | None


def voucher_of(v: VoucherRow) -> Voucher:
    return Voucher(id=strawberry.ID(str(v.id)), amount=money(v.amount_fen), expires_at=v.expires_at, used_at=v.used_at)


@strawberry.type
class Account:
    row: strawberry.Private[AccountRow]
    id: strawberry.ID
    name: str
    type: AccountType
    real_name_verified: bool
    status: AccountStatus
    arrears_since: datetime | None
    suspended_at: datetime | None
    refund_review_required: bool = strawberry.field(description="F-2: refunds of this account wait for review.")

    @strawberry.field
    def balance(self) -> Balance:
        r = self.row
        return Balance(
            cash=money(r.cash_fen), income=money(r.income_fen), gift=money(r.gift_fen), available=money(r.available_fen)
        )

    @strawberry.field
    async def vouchers(self) -> list[Voucher]:
        rows = await VoucherRow.filter(account_id=self.row.payer_id).order_by("id")
        return [voucher_of(v) for v in rows]


def account_of(row: AccountRow) -> Account:
    return Account(
        row=row,
        id=strawberry.ID(str(row.id)),
        name=row.name,
        type=AccountType(row.type),
        real_name_verified=row.real_name_verified,
        status=AccountStatus(row.status),
        arrears_since=row.arrears_since,
        suspended_at=row.suspended_at,
        refund_review_required=row.refund_review_required,
    )


def _latest_package_loader() -> DataLoader:
    async def load(ids: list[int]):
        latest = await packages_read.latest_by_app(list(ids))
        return [latest.get(i) for i in ids]

    return DataLoader(load_fn=load)


@strawberry.type
class Application:
    sdk_app_id: int
    name: str
    status: AppStatus
    trials_used: int

    @strawberry.field(description="P-2: the current package, else the most recent with its final status, else null.")
    async def package(self, info: Info) -> PackageSubscription | None:
        row = await info.context.loader("latest_package", _latest_package_loader).load(self.sdk_app_id)
        return package_of(row) if row else None


def application_of(row: ApplicationRow) -> Application:
    return Application(
        sdk_app_id=row.sdk_app_id, name=row.name, status=AppStatus(row.status), trials_used=row.trials_used
    )


@strawberry.type
class ApplicationPayload:
    application: Application | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AccountPayload:
    account: Account | None = None
    token: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TokenPayload:
    token: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VoucherPayload:
    voucher: Voucher | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
