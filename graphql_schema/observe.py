"""What the request log and metrics need from the GraphQL layer (O-1, O-2): the operation name,
the caller, the outcome; and the logging of GraphQL errors (unexpected ones with their stack
trace — the request id comes with every line from the request's context)."""

import logging
from typing import Any

import strawberry
from graphql import GraphQLError

from app import logs
from app.domain.errors import DomainError
from graphql_schema.errors import ApiError

log = logging.getLogger("roomkit.graphql")


def unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, (ApiError, DomainError))


def outcome_of(errors) -> str:
    """ "ok", or the first error's code: extensions.code, INTERNAL_ERROR for a masked exception,
    GRAPHQL_VALIDATION_FAILED for a document the server refused (bounded label values)."""
    if not errors:
        return "ok"
    error = errors[0]
    if unexpected(error):
        return "INTERNAL_ERROR"
    code = (error.extensions or {}).get("code")
    if code:
        return str(code)
    original = error.original_error
    if isinstance(original, DomainError):
        return str(original.code)
    if isinstance(original, ApiError):
        return str(original.extensions.get("code"))
    return "GRAPHQL_VALIDATION_FAILED"


def record(ec: Any, outcome: str | None, thrown: GraphQLError | None) -> None:
    """The operation, caller and outcome into the request's log fields (app.logs.RequestLog)."""
    fields = logs.current()
    if fields is None:
        return
    try:
        fields["operation"] = ec.operation_name
    except Exception:  # noqa: BLE001  (no parsable operation)
        fields["operation"] = None
    caller = getattr(ec.context, "caller", None)
    fields["role"] = caller.role if caller is not None else "ANONYMOUS"
    fields["account"] = caller.account_id if caller is not None else None
    if thrown is not None:
        fields["outcome"] = outcome_of([thrown])
    elif outcome is not None:
        fields["outcome"] = outcome
    else:  # refused before execution (validation, limiters)
        fields["outcome"] = outcome_of(getattr(ec.result, "errors", None)) if ec.result is not None else "ok"


class ObservedSchema(strawberry.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        for error in errors:
            if unexpected(error):
                log.error(
                    "unexpected GraphQL error: %s",
                    error.message,
                    exc_info=error.original_error,
                    extra={"path": error.path},
                )
            else:
                log.info("GraphQL error: %s", error.message, extra={"code": (error.extensions or {}).get("code")})
