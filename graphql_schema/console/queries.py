"""What the console (UI-1) needs to know about its caller, and the operators' account finder."""

from typing import Annotated

import strawberry
from strawberry.types import Info

from app.domain.accounts import search
from app.settings import get_settings
from graphql_schema.accounts.types import Account, account_of
from graphql_schema.enums import Role
from graphql_schema.pagination import check_first
from graphql_schema.permissions import operator
from graphql_schema.query import domain_field


@strawberry.type
class Viewer:
    role: Role
    account_id: strawberry.ID | None
    scopes: list[str]
    simulated_clock: bool = strawberry.field(description="CLOCK_MODE=simulated: operators may advanceClock.")
    sandbox_payments: bool = strawberry.field(description="PAYMENTS_MODE=sandbox: customers may topUp.")


@strawberry.type
class ConsoleQuery:
    @strawberry.field(description="Who the token is (null without a valid token), and the server's modes.")
    def viewer(self, info: Info) -> Viewer | None:
        caller = info.context.caller
        if caller is None:
            return None
        s = get_settings()
        return Viewer(
            role=Role(caller.role),
            account_id=strawberry.ID(str(caller.account_id)) if caller.account_id else None,
            scopes=sorted(caller.scopes),
            simulated_clock=s.clock_mode == "simulated",
            sandbox_payments=s.payments_mode == "sandbox",
        )

    @domain_field(description="Operators: accounts whose id is `search` or whose name contains it, newest first.")
    async def accounts(
        self,
        info: Info,
        search_text: Annotated[str | None, strawberry.argument(name="search")] = None,
        first: int = 20,
    ) -> list[Account]:
        operator(info)
        return [account_of(a) for a in await search.search(search_text, check_first(first))]
