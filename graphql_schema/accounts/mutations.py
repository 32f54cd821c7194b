import strawberry
from strawberry.types import Info

from app import clock
from app.domain.accounts import banning
from app.domain.accounts import service as accounts
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError, NotFound
from graphql_schema.accounts.types import (
    AccountPayload,
    ApplicationPayload,
    TokenPayload,
    account_of,
    application_of,
)
from graphql_schema.enums import AccountType, Role
from graphql_schema.ids import parse_id
from graphql_schema.mutation import payload_mutation
from graphql_schema.permissions import acting_account, customer_side, operator


@strawberry.input
class CreateAccountInput:
    name: str
    type: AccountType | None = AccountType.OWNER
    owner_id: strawberry.ID | None = None
    real_name_verified: bool | None = True


@strawberry.type
class AccountsMutation:
    @payload_mutation
    async def create_application(self, info: Info, name: str) -> ApplicationPayload:
        caller = customer_side(info, "packages:write")
        app = await accounts.create_application(acting_account(caller), name, await clock.now())
        return ApplicationPayload(application=application_of(app))

    @payload_mutation(description="Operators: a new account and a CUSTOMER token for it.")
    async def create_account(self, info: Info, input: CreateAccountInput) -> AccountPayload:
        operator(info)
        owner_id = None
        if input.owner_id is not None:
            try:
                owner_id = parse_id(input.owner_id, "account", "ownerId")
            except NotFound:  # a malformed id names no account, like an unknown one: INVALID_OWNER
                raise DomainError(
                    ErrorCode.INVALID_OWNER, "sub-users and collaborators need an OWNER account", "ownerId"
                )
        account, token = await accounts.create_account(
            name=input.name,
            type=(input.type or AccountType.OWNER).value,
            owner_id=owner_id,
            real_name_verified=input.real_name_verified is not False,
            now=await clock.now(),
        )
        return AccountPayload(account=account_of(account), token=token)

    @payload_mutation
    async def issue_token(
        self, info: Info, role: Role, account_id: strawberry.ID | None = None, scopes: list[str] | None = None
    ) -> TokenPayload:
        operator(info)
        acc = parse_id(account_id, "account", "accountId") if account_id is not None else None
        token = await accounts.issue_token(account_id=acc, role=role.value, scopes=scopes, now=await clock.now())
        return TokenPayload(token=token)

    @payload_mutation
    async def set_real_name_verified(self, info: Info, account_id: strawberry.ID, verified: bool) -> AccountPayload:
        operator(info)
        account = await accounts.set_real_name_verified(
            parse_id(account_id, "account", "accountId"), verified, await clock.now()
        )
        return AccountPayload(account=account_of(account))

    @payload_mutation(description="S-6: operators ban an account for a content violation, for ever.")
    async def ban_account(self, info: Info, account_id: strawberry.ID, reason: str) -> AccountPayload:
        operator(info)
        account = await banning.ban(parse_id(account_id, "account", "accountId"), reason, await clock.now())
        return AccountPayload(account=account_of(account))
