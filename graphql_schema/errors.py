"""How refusals reach clients: domain refusals as payload `errors`, access failures as GraphQL
errors with `extensions.code` (contract: UNAUTHENTICATED, FORBIDDEN)."""

import strawberry

from app.domain.codes import ErrorCode
from app.domain.errors import DomainError


class ApiError(Exception):
    """Raised in resolvers; never masked, shown with its code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.extensions = {"code": code}


def unauthenticated() -> ApiError:
    return ApiError(
        ErrorCode.UNAUTHENTICATED,
        "a valid bearer token is required: the 'Authorization: Bearer <token>' header, "
        'or {"Authorization": "Bearer <token>"} in a WebSocket\'s connection_init',
    )


def forbidden(what: str = "this operation") -> ApiError:
    return ApiError(ErrorCode.FORBIDDEN, f"the caller's role or scopes do not allow {what}")


def from_domain(error: DomainError) -> ApiError:
    """For fields whose type has no `errors` list (queries)."""
    return ApiError(error.code, error.message)


@strawberry.type
class UserError:
    code: str
    field: str | None
    message: str


def user_errors(error: DomainError) -> list[UserError]:
    return [UserError(code=e.code, field=e.field, message=e.message) for e in error.refusals()]
