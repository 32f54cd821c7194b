"""IDs travel as strings; a malformed one is simply not found (H-2)."""

from app.domain.errors import NotFound


def parse_id(value: str | int | None, what: str, field: str) -> int:
    try:
        parsed = int(str(value))
    except (TypeError, ValueError):
        raise NotFound(what, field)
    if parsed <= 0 or parsed >= 2**63:
        raise NotFound(what, field)
    return parsed


def own_account(caller, value: str | int | None, field: str = "accountId") -> int:
    """H-3 (decided: NOT_FOUND, as H-2): a customer or partner may name only the account it acts
    for (or the sub-user's own id); any other account id is NOT_FOUND, exactly like one that does
    not exist, and is never silently read as the caller's own."""
    if value is not None and parse_id(value, "account", field) not in (caller.account_id, caller.actor_account_id):
        raise NotFound("account", field)
    return caller.account_id


async def own_app_filter(caller, sdk_app_id: int | None) -> None:
    """The same rule for an app filter (`orders(sdkAppId:)`, `events(sdkAppId:)`): another account's
    app is NOT_FOUND rather than an empty page, exactly like an app that does not exist."""
    if sdk_app_id is not None:
        from app.domain.accounts import service as accounts

        await accounts.get_application(caller, sdk_app_id)
