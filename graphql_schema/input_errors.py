"""H-3 at the door: a value that fails GraphQL coercion is a GraphQL error that names the argument
or variable and the reason; only what is truly unexpected is masked, and then logged.

Three pieces, wired in `schema.py`:
- `NamedValuesOfCorrectTypeRule` replaces graphql-core's rule for inline literals, whose messages
  give the reason ("Int cannot represent non 32-bit signed integer value: 2147483648") but not the
  argument; variables already get "Variable '$a' has invalid value: …" from graphql-core.
- `should_mask` tells a coercion failure (no path: it happened before any resolver ran) from an
  exception raised while resolving, and logs every error it masks with its stack trace.
- `validation_rules` swaps the rule in and `add_codes` gives coercion errors an `extensions.code`
  (BAD_USER_INPUT, or the code the scalar chose, e.g. INVALID_AMOUNT for a non-string Decimal);
  `mask_unexpected` hides the rest. graphql_schema/pipeline.py calls them for every operation.
"""

import logging
from typing import Any

from graphql import GraphQLError
from graphql.language import ArgumentNode, FieldNode, ValueNode, VisitorAction
from graphql.language.visitor import SKIP
from graphql.pyutils import print_path_list
from graphql.utilities.validate_input_value import validate_input_literal
from graphql.validation import ValuesOfCorrectTypeRule
from strawberry.extensions import MaskErrors

from app.domain.errors import DomainError
from graphql_schema.errors import ApiError

logger = logging.getLogger(__name__)

BAD_USER_INPUT = "BAD_USER_INPUT"
# What a scalar's parse raises for a bad client value (our scalars raise GraphQLError; graphql-core
# wraps anything else); seen only on errors without a path, i.e. before execution.
_COERCION_ERRORS = (GraphQLError, ValueError, TypeError, OverflowError)


class NamedValuesOfCorrectTypeRule(ValuesOfCorrectTypeRule):
    """ValuesOfCorrectTypeRule whose messages start with the argument (and field) they are about."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._fields: list[str] = []
        self._argument: str | None = None

    def enter_field(self, node: FieldNode, *_args: Any) -> None:
        self._fields.append(node.name.value)

    def leave_field(self, node: FieldNode, *_args: Any) -> None:
        self._fields.pop()

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._argument = node.name.value

    def leave_argument(self, node: ArgumentNode, *_args: Any) -> None:
        self._argument = None

    def is_valid_value_node(self, node: ValueNode, input_type: Any) -> VisitorAction:
        if not input_type:
            return SKIP
        if self._argument is not None:
            where = f"Argument '{self._argument}'" + (f" of '{self._fields[-1]}'" if self._fields else "")
        else:
            where = "Default value"

        def on_error(error: GraphQLError, path: list[str | int]) -> None:
            error.message = f"{where} has invalid value{print_path_list(path)}: {error.message}"
            self.report_error(error)

        validate_input_literal(node, input_type, on_error, None, None, self.context.hide_suggestions)
        return SKIP


def _is_coercion_error(error: GraphQLError) -> bool:
    return error.path is None and isinstance(error.original_error, _COERCION_ERRORS)


def should_mask(error: GraphQLError) -> bool:
    """Hide unexpected exceptions only; validation, coercion, limiter and typed errors keep their
    message. A masked error is logged with its stack trace (the client only sees "Internal error.")."""
    original = error.original_error
    if original is None or isinstance(original, (ApiError, DomainError)) or _is_coercion_error(error):
        return False
    logger.error(
        "unexpected error at %s: %s",
        ".".join(map(str, error.path or [])) or "(operation)",
        error.message,
        exc_info=(type(original), original, original.__traceback__),
    )
    return True


# The library's masking of one error (its hook is not used: see graphql_schema/pipeline.py).
_MASKER = MaskErrors(should_mask_error=should_mask, error_message="Internal error.")


def mask_unexpected(result: Any) -> None:
    """Replace every unexpected error of `result` by "Internal error." (logged by should_mask)."""
    errors = getattr(result, "errors", None)
    if errors:
        result.errors = [_MASKER.anonymise_error(e) if should_mask(e) else e for e in errors]


def _code_of(error: GraphQLError) -> str:
    inner = error.original_error
    while isinstance(inner, GraphQLError):  # "Variable '$a' has invalid value" wraps the scalar's error
        if inner.extensions and "code" in inner.extensions:
            return inner.extensions["code"]
        inner = inner.original_error
    return BAD_USER_INPUT


def validation_rules(rules: tuple, extra: tuple) -> tuple:
    """The operation's rules with graphql-core's literal rule replaced by the one naming the
    argument, and the schema's extra rules (the H-3 depth and alias limiters) added."""
    return (*(NamedValuesOfCorrectTypeRule if rule is ValuesOfCorrectTypeRule else rule for rule in rules), *extra)


def add_codes(result: Any) -> None:
    """Coercion errors get an `extensions.code` (BAD_USER_INPUT, or the scalar's own)."""
    for error in getattr(result, "errors", None) or ():
        if error.extensions and "code" in error.extensions:
            continue
        if _is_coercion_error(error) or _is_literal_error(error):
            error.extensions = {**(error.extensions or {}), "code": _code_of(error)}


def _is_literal_error(error: GraphQLError) -> bool:
    return error.path is None and " has invalid value" in error.message
