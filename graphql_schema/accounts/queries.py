import strawberry
from strawberry.types import Info

from app.domain.accounts import service as accounts
from app.domain.errors import DomainError
from graphql_schema.accounts.types import Account, Application, account_of, application_of
from graphql_schema.permissions import acting_account, customer_side


@strawberry.type
class AccountsQuery:
    @strawberry.field(description="The caller's account (the owner's, for sub-users and collaborators).")
    async def me(self, info: Info) -> Account:
        caller = customer_side(info, "account:read")
        return account_of(await accounts.get_account(acting_account(caller)))

    @strawberry.field
    async def applications(self, info: Info) -> list[Application]:
        caller = customer_side(info, "account:read")
        return [application_of(a) for a in await accounts.list_applications(acting_account(caller))]

    @strawberry.field
    async def application(self, info: Info, sdk_app_id: int) -> Application | None:
        caller = customer_side(info, "account:read")
        try:
            return application_of(await accounts.get_application(caller, sdk_app_id))
        except DomainError:
            return None
