"""The schema against the clients' contract (contract.graphql, a copy of ../shared/contract.graphql
kept in the repository so that a fresh clone anywhere can run it) and the committed export.

The contract may be extended, never renamed, removed or changed: every type, field (with its exact
type, nullability included), argument (type, and default where the contract gives one), input
field, enum value and scalar of the contract must exist in ours. Every part of the contract is
built; a second test shows the comparison catches each kind of break.
"""

from pathlib import Path

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    print_ast,
)
from strawberry.printer import print_schema

from graphql_schema.schema import schema

REPO = Path(__file__).resolve().parents[2]
CONTRACT = REPO / "contract.graphql"
SHARED_CONTRACT = REPO.parent / "shared" / "contract.graphql"  # the source of truth, beside the workspace
EXPORTED = REPO / "schema.graphql"


def printed_schema() -> str:
    return print_schema(schema)


def _type_name(t) -> str:
    return str(t)  # graphql-core prints wrapped types as in SDL: "[String!]!"


def _default(value) -> str | None:
    """The default as printed in SDL (both schemas are built from SDL, so the literal is kept)."""
    node = value.ast_node.default_value if value.ast_node is not None else None
    return None if node is None else print_ast(node)


def _compare_members(label: str, mine: dict, theirs: dict, what: str, missing: set[str], wrong: list[str]) -> None:
    """Arguments of a field, or fields of an input type: each of the contract's must exist with its
    type and default, and ours may add none that a client would be forced to send."""
    for name, their in theirs.items():
        our = mine.get(name)
        if our is None:
            missing.add(label.format(name))
            continue
        if _type_name(our.type) != _type_name(their.type):
            wrong.append(f"{label.format(name)}: type {our.type}, contract has {their.type}")
        default = _default(their)
        if default is not None and _default(our) != default:
            wrong.append(f"{label.format(name)}: default {_default(our)}, contract has {default}")
    for name, our in mine.items():
        if name not in theirs and str(our.type).endswith("!") and _default(our) is None:
            wrong.append(f"{label.format(name)}: a required {what} the contract does not have")


def contract_differences(ours: GraphQLSchema, contract: GraphQLSchema) -> tuple[set[str], list[str]]:
    """(missing names, mismatches): what of the contract ours lacks, and what it has differently."""
    missing: set[str] = set()
    wrong: list[str] = []
    for name, theirs in contract.type_map.items():
        if name.startswith("__"):
            continue
        mine = ours.type_map.get(name)
        if mine is None:
            missing.add(f"Type.{name}")
            continue
        if type(mine) is not type(theirs):
            wrong.append(f"{name}: is {type(mine).__name__}, contract has {type(theirs).__name__}")
            continue
        if isinstance(theirs, (GraphQLObjectType, GraphQLInterfaceType)):
            for fname, tfield in theirs.fields.items():
                mfield = mine.fields.get(fname)
                if mfield is None:
                    missing.add(f"{name}.{fname}")
                    continue
                if _type_name(mfield.type) != _type_name(tfield.type):
                    wrong.append(f"{name}.{fname}: type {mfield.type}, contract has {tfield.type}")
                _compare_members(f"{name}.{fname}({{}})", mfield.args, tfield.args, "argument", missing, wrong)
            if isinstance(theirs, GraphQLObjectType):
                for iface in theirs.interfaces:
                    if iface.name not in {i.name for i in mine.interfaces}:
                        wrong.append(f"{name}: does not implement {iface.name}")
        elif isinstance(theirs, GraphQLInputObjectType):
            _compare_members(f"{name}.{{}}", mine.fields, theirs.fields, "input field", missing, wrong)
        elif isinstance(theirs, GraphQLEnumType):
            for value in theirs.values:
                if value not in mine.values:
                    missing.add(f"{name}.{value}")
        elif isinstance(theirs, GraphQLUnionType):
            for member in theirs.types:
                if member.name not in {m.name for m in mine.types}:
                    missing.add(f"{name}|{member.name}")
    for op in ("query", "mutation", "subscription"):
        theirs_root, mine_root = getattr(contract, f"{op}_type"), getattr(ours, f"{op}_type")
        if theirs_root is not None and mine_root is not None and theirs_root.name != mine_root.name:
            wrong.append(f"{op} root type is {mine_root.name}, contract has {theirs_root.name}")
        if theirs_root is not None and mine_root is None and f"Type.{theirs_root.name}" not in missing:
            wrong.append(f"{theirs_root.name} exists but is not the schema's {op} root type")
    return missing, wrong


def differences() -> tuple[set[str], list[str]]:
    return contract_differences(build_schema(printed_schema()), build_schema(CONTRACT.read_text(encoding="utf-8")))


def test_contract_schema_covers_shared_contract():
    missing, wrong = differences()
    problems = [f"missing: {m}" for m in sorted(missing)] + [f"differs: {w}" for w in wrong]
    assert not problems, f"the schema breaks {CONTRACT}:\n  " + "\n  ".join(problems)


CONTRACT_SAMPLE = """
type Query { order(id: ID!): Order  orders(first: Int = 20): [Order!]! }
type Order { id: ID!  status: OrderStatus!  amount: Money! }
type Money { amount: String! }
enum OrderStatus { PAID REFUNDED }
input PayInput { orderId: ID!  note: String }
type Mutation { pay(input: PayInput!): Order }
"""


def test_the_comparison_catches_every_kind_of_break():
    """The check above passes on a complete schema; this proves it would not pass on a broken one."""
    ours = build_schema(CONTRACT_SAMPLE)
    assert contract_differences(ours, build_schema(CONTRACT_SAMPLE)) == (set(), [])
    broken = (
        CONTRACT_SAMPLE.replace("  amount: Money! }", " }")  # a field removed
        .replace("status: OrderStatus!", "status: OrderStatus")  # nullability loosened
        .replace("REFUNDED", "CANCELLED")  # an enum value renamed
        .replace("note: String", "memo: String")  # an input field renamed
        .replace("orders(first: Int = 20)", "orders(first: Int = 50)")
    )  # a default changed
    missing, wrong = contract_differences(build_schema(broken), build_schema(CONTRACT_SAMPLE))
    report = " | ".join(sorted(missing) + sorted(wrong))
    for part in ("Order.amount", "OrderStatus.REFUNDED", "PayInput.note"):
        assert any(part in m for m in missing), (part, report)
    assert any("Order.status" in w for w in wrong), report
    assert any("orders" in w and "first" in w for w in wrong) or any("orders(first)" in m for m in missing), report


def test_schema_graphql_is_current():
    assert EXPORTED.exists(), "schema.graphql is missing: run `make schema` and commit it"
    committed = EXPORTED.read_text(encoding="utf-8")
    assert committed.rstrip("\n") == printed_schema().rstrip("\n"), (
        "schema.graphql is stale: the schema changed since the last export; run `make schema` and commit it"
    )


def test_contract_copy_matches_shared_contract():
    """The committed copy is the shared contract, byte for byte, wherever the shared one is beside us."""
    if not SHARED_CONTRACT.exists():
        import pytest

        pytest.skip("no ../shared/contract.graphql beside this clone: the committed copy is all there is")
    assert CONTRACT.read_text(encoding="utf-8") == SHARED_CONTRACT.read_text(encoding="utf-8"), (
        "contract.graphql differs from ../shared/contract.graphql: copy the shared one over it"
    )
