"""U-1…U-4 at the door: `upgradePackage` and the `upgradeQuote` that prices it the same way."""

import strawberry
from strawberry.types import Info

from app import clock
from app.domain import commands
from app.domain.packages import commands as placing
from app.domain.packages import upgrade
from graphql_schema.catalog.types import EditionCode, Quote, quote_of
from graphql_schema.mutation import payload_mutation
from graphql_schema.orders.types import OrderPayload
from graphql_schema.packages.payloads import order_payload
from graphql_schema.permissions import customer_side, customer_side_any
from graphql_schema.query import domain_field

QUOTE_SCOPES = ("orders:read", "packages:write")


@strawberry.input
class UpgradeInput:
    sdk_app_id: int
    target_edition: EditionCode
    idempotency_key: str


@strawberry.type
class UpgradeQuery:
    @domain_field(description="U-3: the lines and total that upgradePackage would charge now.")
    async def upgrade_quote(self, info: Info, sdk_app_id: int, target_edition: EditionCode) -> Quote:
        caller = customer_side_any(info, *QUOTE_SCOPES)
        plan = await upgrade.quote(caller, sdk_app_id, target_edition.value, await clock.now())
        return quote_of(plan.lines)


@strawberry.type
class UpgradeMutation:
    @payload_mutation(
        description="U-1…U-4: move an active paid package to a higher edition at once; "
        "expiries stay, the rest of the period is charged pro rata."
    )
    async def upgrade_package(self, info: Info, input: UpgradeInput) -> OrderPayload:
        caller = customer_side(info, "packages:write")
        command = commands.UpgradePackage(sdk_app_id=input.sdk_app_id, target_edition=input.target_edition.value)
        return order_payload(
            await placing.upgrade_package(caller, command, key=input.idempotency_key, at=await clock.now())
        )
