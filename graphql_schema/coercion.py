"""Variable coercion with the type dispatch done once per type instead of once per value.

graphql-core coerces request variables with `coerce_input_value`, which asks `is_non_null_type`,
`is_list_type`, `is_input_object_type` of the type again for every value it visits, and first
walks the whole value once more (`input_is_nested_too_deeply`) to refuse inputs nested past its
recursion limit. A `recordUsage` batch is 1,000 input objects of five fields: those two walks were
about a third of the API's CPU for the batch.

`install()` replaces both, in `graphql.execution.values` only (the variable path), by:
- `coerce_input_value`: a closure per input type, built on first use and kept, that runs the
  same steps as graphql-core 3.3's function in the same order (null checks, list-of-one, unknown
  and required fields, defaults through `coerce_default_value`, `out_name`, OneOf, `out_type`,
  the leaf type's own `coerce_input_value`), and returns the same value or `Undefined`;
- `input_is_nested_too_deeply`: answered False without walking when the type itself cannot nest
  deeper than the limit (no input type of ours refers to itself); other types keep the walk.
An invalid value still comes back `Undefined`, and graphql-core then explains it with its own
`validate_input_value`, so error messages are the library's own.
"""

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLInputObjectType,
    GraphQLInputType,
    Undefined,
    is_enum_type,
    is_input_object_type,
    is_list_type,
    is_non_null_type,
    is_required_input_field,
)
from graphql.execution import values
from graphql.language.parser import MAX_NESTING_DEPTH
from graphql.pyutils import is_iterable
from graphql.type import assert_leaf_type
from graphql.utilities.coerce_input_value import coerce_default_value

Coercer = Callable[[Any], Any]
# id(type) → (type, coercer); the type is kept so its id is never reused by another object
_coercers: dict[int, tuple[GraphQLInputType, Coercer]] = {}
_depths: dict[int, tuple[GraphQLInputType, float]] = {}
_original_nesting_check = values.input_is_nested_too_deeply


def coercer(type_: GraphQLInputType) -> Coercer:
    found = _coercers.get(id(type_))
    if found is None:
        found = _coercers[id(type_)] = (type_, _build(type_))
    return found[1]


def coerce_input_value(input_value: Any, type_: GraphQLInputType) -> Any:
    return coercer(type_)(input_value)


def _build(type_: GraphQLInputType) -> Coercer:
    if is_non_null_type(type_):
        of_type = type_.of_type

        def non_null(value: Any) -> Any:
            if value is None or value is Undefined:
                return Undefined
            return coercer(of_type)(value)

        return non_null
    if is_list_type(type_):
        item_type = type_.of_type

        def list_of(value: Any) -> Any:
            if value is None or value is Undefined:
                return None
            item = coercer(item_type)
            if not is_iterable(value):  # a non-list value is a list of one
                coerced = item(value)
                return Undefined if coerced is Undefined else [coerced]
            out: list[Any] = []
            append = out.append
            for element in value:
                coerced = item(element)
                if coerced is Undefined:
                    return Undefined
                append(coerced)
            return out

        return list_of
    if is_input_object_type(type_):
        return _input_object(type_)
    leaf = assert_leaf_type(type_)
    if is_enum_type(leaf):
        return _enum(leaf)

    def leaf_value(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        try:
            return leaf.coerce_input_value(value)
        except Exception:  # noqa: BLE001 - as graphql-core: an invalid leaf is no value
            return Undefined

    return leaf_value


def _enum(leaf: Any) -> Coercer:
    """An enum's value for a name is always the same object (strawberry's wrapped member): kept
    per name once it has been coerced, so a batch does not build the member 1,000 times."""
    known: dict[str, Any] = {}

    def enum_value(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if type(value) is str:
            found = known.get(value, Undefined)
            if found is not Undefined:
                return found
        try:
            coerced = leaf.coerce_input_value(value)
        except Exception:  # noqa: BLE001 - as graphql-core: an invalid leaf is no value
            return Undefined
        if type(value) is str and coerced is not Undefined:
            known[value] = coerced  # bounded: only the enum's own names coerce
        return coerced

    return enum_value


def _input_object(type_: GraphQLInputObjectType) -> Coercer:
    plan: list[tuple[str, str, Any, bool]] = []  # (name, out name, field, required), on first use

    def input_object(value: Any) -> Any:
        if value is None or value is Undefined:
            return None
        if not isinstance(value, dict):
            return Undefined
        fields = type_.fields
        if not plan:
            plan.extend((n, f.out_name or n, f, is_required_input_field(f)) for n, f in fields.items())
        defined = 0
        for name, field_value in value.items():
            if field_value is Undefined:
                continue
            defined += 1
            if name not in fields:
                return Undefined
        out: dict[str, Any] = {}
        for name, out_name, field, required in plan:
            field_value = value.get(name, Undefined)
            if field_value is Undefined:
                if required:
                    return Undefined
                default = coerce_default_value(field)
                if default is not Undefined:
                    out[out_name] = default
            else:
                coerced = coercer(field.type)(field_value)
                if coerced is Undefined:
                    return Undefined
                out[out_name] = coerced
        if type_.is_one_of:
            keys = list(out)
            if defined != 1 or len(keys) != 1 or out[keys[0]] is None:
                return Undefined
        return type_.out_type(out)

    return input_object


def type_depth(type_: GraphQLInputType, visiting: frozenset[int] = frozenset()) -> float:
    """How deep `input_is_nested_too_deeply` can count for values of this type (inf: it refers
    to itself)."""
    found = _depths.get(id(type_))
    if found is not None:
        return found[1]
    if id(type_) in visiting:
        return float("inf")
    inner = visiting | {id(type_)}
    if is_non_null_type(type_):
        depth = type_depth(type_.of_type, inner)
    elif is_list_type(type_):
        depth = 1 + type_depth(type_.of_type, inner)
    elif is_input_object_type(type_):
        fields = type_.fields.values()
        depth = 1 + max((type_depth(f.type, inner) for f in fields), default=0)
    else:
        depth = 0
    if not visiting:  # only whole answers are kept (a partial one depends on the walk)
        _depths[id(type_)] = (type_, depth)
    return depth


def input_is_nested_too_deeply(value: Any, type_: GraphQLInputType) -> bool:
    if type_depth(type_) <= MAX_NESTING_DEPTH:
        return False
    return _original_nesting_check(value, type_)


def install() -> None:
    values.coerce_input_value = coerce_input_value
    values.input_is_nested_too_deeply = input_is_nested_too_deeply
