"""H-4 query cost: computed from the validated document before execution, charged to the
caller's token bucket (app.rate_limit), reported in `extensions.cost`.

Cost rules (docs/decisions.md, "Issue 14"): every field whose type is an object, interface or
union costs 1; scalars and enums cost 0. A field with a `first` argument (the connections, and
lists paged by `first`) multiplies everything below it by that `first` — the given value, or
the argument's default when not given. A list without `first` multiplies by 1. Fragments count
where they are spread; the branches of an interface or union all count (an upper bound).
"""

import logging
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_composite_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from redis.exceptions import RedisError

from app import rate_limit, redis_conn
from app.domain.accounts.service import hash_token
from app.domain.codes import ErrorCode
from app.settings import get_settings

METERED_ROLES = ("CUSTOMER", "PARTNER")
log = logging.getLogger("roomkit.cost")


def _first(node: FieldNode, field_def, variables: dict, var_defaults: dict) -> int:
    value = None
    for arg in node.arguments or ():
        if arg.name.value == "first":
            if isinstance(arg.value, IntValueNode):
                value = int(arg.value.value)
            elif isinstance(arg.value, VariableNode):
                name = arg.value.name.value
                value = variables.get(name, var_defaults.get(name))
    if value is None:
        default = field_def.args["first"].default_value
        value = default if isinstance(default, int) else 1
    return max(0, int(value))


class _Walk:
    def __init__(self, schema: GraphQLSchema, fragments: dict, variables: dict, var_defaults: dict) -> None:
        self.schema, self.fragments, self.variables, self.var_defaults = schema, fragments, variables, var_defaults

    def field_def(self, parent, name: str):
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        fields = getattr(parent, "fields", None)
        return fields.get(name) if fields else None

    def cost(self, selection_set: SelectionSetNode | None, parent, multiplier: int, seen: frozenset) -> int:
        if selection_set is None or parent is None:
            return 0
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                field_def = self.field_def(parent, node.name.value)
                if field_def is None:
                    continue  # __typename (a scalar), or a field validation already refused
                named = get_named_type(field_def.type)
                if not is_composite_type(named):
                    continue
                total += multiplier
                below = multiplier
                if "first" in field_def.args:
                    below *= _first(node, field_def, self.variables, self.var_defaults)
                total += self.cost(node.selection_set, named, below, seen)
            elif isinstance(node, InlineFragmentNode):
                on = self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
                total += self.cost(node.selection_set, on, multiplier, seen)
            elif isinstance(node, FragmentSpreadNode):
                name = node.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                on = self.schema.get_type(fragment.type_condition.name.value)
                total += self.cost(fragment.selection_set, on, multiplier, seen | {name})
        return total


def query_cost(schema: GraphQLSchema, document, operation_name: str | None, variables: dict | None) -> int:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    if operation_name:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if not operations:
        return 0
    operation = operations[0]
    var_defaults = {}
    for definition in operation.variable_definitions or ():
        if isinstance(definition.default_value, IntValueNode):
            var_defaults[definition.variable.name.value] = int(definition.default_value.value)
    root = schema.get_root_type(operation.operation)
    return _Walk(schema, fragments, variables or {}, var_defaults).cost(operation.selection_set, root, 1, frozenset())


def token_of(context) -> str | None:
    """The bearer token of the request (HTTP header, or the WebSocket's connection_init)."""
    value = None
    connection = getattr(context, "connection", None)
    if connection is not None:
        value = connection.headers.get("authorization")
    params = getattr(context, "connection_params", None) or {}
    value = params.get("Authorization") or params.get("authorization") or value
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def meter(ec: Any) -> rate_limit.Throttle | None:
    """Charge a CUSTOMER or PARTNER token's bucket for the document (SERVICE, OPERATOR and anonymous
    callers pass free). A refusal becomes the operation's result, so no resolver runs."""
    caller = getattr(ec.context, "caller", None)
    token = token_of(ec.context) if caller is not None and caller.role in METERED_ROLES else None
    if token is None or ec.graphql_document is None:
        return None
    settings = get_settings()
    cost = query_cost(ec.schema._schema, ec.graphql_document, ec.operation_name, ec.variables)
    capacity, rate = settings.rate_limit_bucket, settings.rate_limit_restore_rate
    try:
        throttle = await rate_limit.take(redis_conn.get(), hash_token(token), cost, capacity, rate)
    except (RedisError, OSError):  # fail open: Redis down must not take the API down with it
        log.warning("query cost not metered: Redis unavailable", exc_info=True)
        return None
    refusal = _refusal(throttle)
    if refusal is not None:
        ec.result = ExecutionResult(data=None, errors=[refusal])
    return throttle


def _refusal(throttle: rate_limit.Throttle) -> GraphQLError | None:
    if throttle.cost > throttle.capacity:
        return GraphQLError(
            f"This query costs {throttle.cost} points; no query may cost more than {throttle.capacity}.",
            extensions={
                "code": ErrorCode.QUERY_TOO_COSTLY.value,
                "cost": throttle.cost,
                "maximumAvailable": throttle.capacity,
            },
        )
    if not throttle.taken:
        return GraphQLError(
            f"This query costs {throttle.cost} points and {int(throttle.available)} are available; "
            f"retry in {throttle.retry_after} s.",
            extensions={
                "code": ErrorCode.RATE_LIMITED.value,
                "retryAfter": throttle.retry_after,
                "cost": throttle.cost,
            },
        )
    return None
