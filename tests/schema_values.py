"""Operations and argument values built from the exported schema.graphql (graphql-core's parsed
schema), for the H-3 tests: every Query and Mutation field, a plain valid value for each input type,
and Hypothesis strategies of hostile ones (huge ints, NUL and lone surrogates, odd decimals and
dates, long lists). New fields of schema.graphql are covered without touching this file."""

import json
from dataclasses import dataclass
from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    build_schema,
    get_named_type,
)
from hypothesis import strategies as st

SCHEMA = build_schema((Path(__file__).resolve().parents[1] / "schema.graphql").read_text())
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class Operation:
    kind: str  # "query" | "mutation"
    name: str
    field: GraphQLField

    def document(self, given: set[str]) -> str:
        """The operation with each argument in `given` passed as a variable of its declared type."""
        names = [a for a in self.field.args if a in given]
        header = f"({', '.join(f'${a}: {self.field.args[a].type}' for a in names)})" if names else ""
        call = f"({', '.join(f'{a}: ${a}' for a in names)})" if names else ""
        return f"{self.kind}{header} {{ {self.name}{call}{selection(self.field.type)} }}"

    def inline(self, values: dict) -> str:
        """The operation with the arguments written inline as GraphQL literals."""
        args = ", ".join(f"{a}: {literal(v, self.field.args[a].type)}" for a, v in values.items())
        return f"{self.kind} {{ {self.name}{f'({args})' if args else ''}{selection(self.field.type)} }}"


def operations() -> list[Operation]:
    found = []
    for kind, root in (("query", SCHEMA.query_type), ("mutation", SCHEMA.mutation_type)):
        found += [Operation(kind, name, field) for name, field in root.fields.items()]
    return found


def selection(type_) -> str:
    """A small selection set: `errors { code field message }` on payloads, else `__typename`."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return ""
    parts = ["__typename"]
    if "errors" in named.fields:
        parts.append("errors { code field message }")
    for name in ("accepted", "id"):
        if name in named.fields:
            parts.append(name)
    return " { " + " ".join(parts) + " }"


def literal(value, type_) -> str:
    """`value` (JSON-like) as a GraphQL literal of `type_`: enums bare, strings JSON-escaped (a valid
    GraphQL string, lone surrogates as \\uXXXX), lists and input objects recursively."""
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    if value is None:
        return "null"
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        return "[" + ", ".join(literal(v, type_.of_type) for v in items) + "]"
    if isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{k}: {literal(v, type_.fields[k].type)}" for k, v in value.items() if k in type_.fields)
            + "}"
        )
    if isinstance(type_, GraphQLEnumType) and isinstance(value, str) and value.isidentifier():
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


# ---- plain values: what a well-behaved client sends -----------------------------------------------

PLAIN_SCALARS = {
    "Int": 1,
    "String": "plain",
    "ID": "1",
    "Boolean": True,
    "Decimal": "1.00",
    "DateTime": "2027-01-10T00:00:00Z",
    "Float": 1.0,
}


def plain(type_):
    if isinstance(type_, GraphQLNonNull):
        return plain(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [plain(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {name: plain(f.type) for name, f in type_.fields.items() if isinstance(f.type, GraphQLNonNull)}
    return PLAIN_SCALARS.get(type_.name, "plain")


def required_args(field: GraphQLField) -> dict:
    return {name: plain(arg.type) for name, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)}


# ---- hostile values ---------------------------------------------------------------------------------

HOSTILE_INTS = [INT_MAX + 1, INT_MIN - 1, 2**63, -(2**63) - 1, 10**30, -1, 0, 101, 1001, INT_MAX, INT_MIN]
HOSTILE_TEXT = [
    "",
    " ",
    "a\x00b",
    "\x00",
    "\ud800",
    "x\udfffy",
    "\ud83d",
    "x" * 201,
    "y" * 5000,
    "1",
    "-1",
    "9" * 40,
    "null",
    "' OR 1=1 --",
    "%s%n",
    "\u202e",
    "😀",
    "rk_customer_x",
]
HOSTILE_DECIMALS = [
    "1e2",
    "1E2",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    " 1",
    "1 ",
    "1.001",
    "-1",
    "0",
    "0.00",
    "+1",
    "1,000",
    "１００",
    "٣",
    ".5",
    "5.",
    "0x10",
    "1_000",
    "9" * 30,
    "",
    "\x00",
    "\ud800",
    "100",
    "0.01",
    "12.5",
]
HOSTILE_DATES = [
    "not-a-date",
    "2027-02-30T00:00:00Z",
    "",
    "2027-01-10T00:00:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2027-13-01T00:00:00Z",
    "2027-01-10T25:00:00Z",
    "\x00",
    "\ud800",
    "2027-01-10T00:00:00Z",
    "2027-01-11T00:00:00+08:00",
    "1969-12-31T23:59:59Z",
    "20270110",
]


UNSTORABLE = ["a\x00b", "\x00", "\ud800", "x\udfffy", "\ud83d"]


def _ints():
    return st.one_of(
        st.sampled_from(HOSTILE_INTS), st.integers(INT_MIN, INT_MAX), st.integers(min_value=-(2**70), max_value=2**70)
    )


def _texts(ids: list[str]):
    return st.one_of(st.sampled_from(UNSTORABLE), st.sampled_from(HOSTILE_TEXT + ids), st.text(max_size=30))


def mostly_plain(type_, ids: list[str], depth: int):
    """Usually the plain value, else a hostile one: most requests then carry one bad value among
    good ones, so the bad one reaches the code that must refuse it."""
    return st.one_of(st.just(plain(type_)), st.just(plain(type_)), hostile(type_, ids, depth))


def hostile(type_, ids: list[str], depth: int = 0):
    """Values for `type_`, mostly of the right shape and often hostile; sometimes of a wrong one."""
    if isinstance(type_, GraphQLNonNull):
        inner = hostile(type_.of_type, ids, depth)
        return st.one_of(inner, st.none()) if depth == 0 else inner  # null for a non-null: coercion error
    nullable = type_
    if isinstance(nullable, GraphQLList):
        item = mostly_plain(nullable.of_type, ids, depth + 1)
        base = st.one_of(st.lists(item, max_size=4), st.builds(lambda v: [v] * 1001, item))
    elif isinstance(nullable, GraphQLInputObjectType):
        required = {
            n: mostly_plain(f.type, ids, depth + 1)
            for n, f in nullable.fields.items()
            if isinstance(f.type, GraphQLNonNull)
        }
        optional = {
            n: mostly_plain(f.type, ids, depth + 1)
            for n, f in nullable.fields.items()
            if not isinstance(f.type, GraphQLNonNull)
        }
        base = st.fixed_dictionaries(required, optional=optional)
    elif isinstance(nullable, GraphQLEnumType):
        base = st.one_of(st.sampled_from(list(nullable.values)), st.sampled_from(["", "nope", "\x00"]))
    else:
        base = _scalar(nullable, ids)
    return st.one_of(base, st.none()) if depth and not isinstance(type_, GraphQLNonNull) else base


def _scalar(type_: GraphQLScalarType, ids: list[str]):
    name = type_.name
    if name == "Int":
        return st.one_of(_ints(), st.sampled_from(["1", 1.5, True]))
    if name == "Boolean":
        return st.one_of(st.booleans(), st.sampled_from(["true", 1]))
    if name == "Decimal":
        return st.one_of(
            st.sampled_from(HOSTILE_DECIMALS),
            st.text(alphabet="0123456789.-eE+ ", max_size=8),
            st.sampled_from([100, 1e2, 0.5, True]),
        )
    if name == "DateTime":
        return st.one_of(st.sampled_from(HOSTILE_DATES), st.text(max_size=12), st.just(1_800_000_000))
    if name == "ID":
        return st.one_of(st.sampled_from(ids or ["1"]), _texts(ids), _ints())
    return _texts(ids)
