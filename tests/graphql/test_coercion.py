"""graphql_schema/coercion.py answers exactly what graphql-core's own variable coercion answers,
for every input type of the schema and values good and bad (issue 10: the fast path may not
change a single coerced value)."""

import random

from graphql import (
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    Undefined,
    is_enum_type,
    is_input_object_type,
    is_input_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution import values
from graphql.utilities.coerce_input_value import coerce_input_value as library_coerce

from graphql_schema import coercion
from graphql_schema.schema import schema

LEAVES = [
    1,
    0,
    -7,
    "1",
    "AUDIO",
    "x",
    "",
    1.5,
    2.0,
    True,
    2**40,
    "12.34",
    "1e2",
    "2027-01-01T00:00:00+00:00",
    "2027-01-01",
    "not a date",
    [1],
    {"a": 1},
]


def value_for(type_, rng: random.Random, depth: int = 0):
    """A value shaped like `type_` most of the time, with a wrong part now and then."""
    if rng.random() < 0.08:
        return rng.choice([None, *LEAVES])
    if is_non_null_type(type_):
        return value_for(type_.of_type, rng, depth)
    if is_list_type(type_):
        if rng.random() < 0.2:
            return value_for(type_.of_type, rng, depth + 1)  # a list of one
        return [value_for(type_.of_type, rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if is_input_object_type(type_):
        out = {}
        for name, field in type_.fields.items():
            if rng.random() < 0.9:
                out[name] = value_for(field.type, rng, depth + 1)
        if rng.random() < 0.05:
            out["notAField"] = 1
        return out
    if is_enum_type(type_) and rng.random() < 0.7:
        return rng.choice(list(type_.values))
    return rng.choice(LEAVES)


def input_types():
    for named in schema._schema.type_map.values():
        if is_input_type(named) and not named.name.startswith("__"):
            yield named
            yield GraphQLNonNull(named)
            yield GraphQLList(GraphQLNonNull(named))


def same(a, b) -> bool:
    return (a is Undefined and b is Undefined) or (a is not Undefined and b is not Undefined and a == b)


def test_H3_every_input_type_coerces_to_the_same_value_as_graphql_core():
    rng = random.Random(10)
    checked = undefined = 0
    for type_ in input_types():
        for _ in range(60):
            value = value_for(type_, rng)
            expected, got = library_coerce(value, type_), coercion.coerce_input_value(value, type_)
            assert same(expected, got), (str(type_), value, expected, got)
            checked += 1
            undefined += expected is Undefined
    # Both kinds of answer were exercised, many times
    assert checked > 2000 and 200 < undefined < checked - 200


def test_the_usage_batch_is_coerced_to_the_same_values():
    usage = schema._schema.type_map["UsageEventInput"]
    batch = [
        {
            "eventId": f"e-{i}",
            "sdkAppId": 1400000000 + i,
            "kind": "VIDEO_HD",
            "minutes": i,
            "occurredAt": "2027-01-01T00:00:00+08:00",
        }
        for i in range(50)
    ]
    type_ = GraphQLNonNull(GraphQLList(GraphQLNonNull(usage)))
    assert coercion.coerce_input_value(batch, type_) == library_coerce(batch, type_)
    batch[7]["minutes"] = "seven"
    assert coercion.coerce_input_value(batch, type_) is Undefined


def test_the_nesting_check_is_skipped_only_for_types_that_cannot_nest_too_deeply():
    shallow = GraphQLList(GraphQLList(GraphQLInt))
    assert coercion.type_depth(shallow) == 2
    assert coercion.input_is_nested_too_deeply([[1]], shallow) is False
    # A type that refers to itself can nest without bound: the library's walk decides.
    node = GraphQLInputObjectType("Node", lambda: {"next": GraphQLInputField(node), "v": GraphQLInputField(GraphQLInt)})
    assert coercion.type_depth(node) == float("inf")
    deep: dict = {"v": 1}
    for _ in range(300):
        deep = {"next": deep}
    assert coercion.input_is_nested_too_deeply(deep, node) is True
    assert coercion.input_is_nested_too_deeply({"next": {"v": 1}}, node) is False


def test_the_schema_installs_the_fast_path():
    assert values.coerce_input_value is coercion.coerce_input_value
    assert values.input_is_nested_too_deeply is coercion.input_is_nested_too_deeply
