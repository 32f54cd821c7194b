"""Access rules of H-1, applied at the door: resolvers call these before any domain service."""

from strawberry.types import Info

from app.domain.accounts.caller import Caller
from graphql_schema.errors import forbidden, unauthenticated


def caller_of(info: Info) -> Caller:
    caller = info.context.caller
    if caller is None:
        raise unauthenticated()
    return caller


def require(info: Info, *roles: str, scope: str | None = None) -> Caller:
    """CUSTOMER always acts on its own account; PARTNER needs `scope`; others as listed."""
    caller = caller_of(info)
    if caller.role not in roles:
        raise forbidden()
    if caller.role == "PARTNER" and (scope is None or scope not in caller.scopes):
        raise forbidden(f"this operation without the '{scope}' scope" if scope else "this operation")
    return caller


def customer_side(info: Info, scope: str) -> Caller:
    """An account's own caller: a customer (or its sub-user) or a partner with `scope`."""
    return require(info, "CUSTOMER", "PARTNER", scope=scope)


def acting_account(caller: Caller) -> int:
    """The account a customer-side caller acts on. CUSTOMER and PARTNER tokens always belong to one
    (accounts.issue_token), so a caller without one is not customer-side: FORBIDDEN."""
    if caller.account_id is None:
        raise forbidden()
    return caller.account_id


def operator(info: Info) -> Caller:
    return require(info, "OPERATOR")


def customer_side_any(info: Info, *scopes: str) -> Caller:
    """`customer_side` for a read that serves several writes: a partner needs one of `scopes`."""
    caller = caller_of(info)
    if caller.role not in ("CUSTOMER", "PARTNER"):
        raise forbidden()
    if caller.role == "PARTNER" and not caller.scopes & set(scopes):
        raise forbidden(f"this operation without the {' or '.join(repr(s) for s in scopes)} scope")
    return caller


def signed_in(info: Info, partner_scope: str) -> Caller:
    """Any role; a partner needs `partner_scope` (a read services and operators make too)."""
    caller = caller_of(info)
    if caller.role == "PARTNER" and partner_scope not in caller.scopes:
        raise forbidden(f"this operation without the '{partner_scope}' scope")
    return caller
