"""The schema against the clients' contract (contract.graphql, a copy of ../shared/contract.graphql
kept in the repository so that a fresh clone anywhere can run it) and the committed export.

The contract may be extended, never renamed, removed or changed: every type, field (with its exact
type, nullability included), argument (type, and default where the contract gives one), input
field, enum value and scalar of the contract must exist in ours. What is not built yet is listed in
NOT_YET_BUILT, and a second test keeps that list honest.
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

# Parts of the contract that no issue has built yet. Each later issue empties its part of this list.
# Names: "Type.X" for a whole missing type (its members are then not listed), "X.field" for a field
# or input field, "X.field(arg)" for an argument, "Enum.VALUE" for an enum value.
NOT_YET_BUILT: set[str] = set()


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
    unexpected = sorted(missing - NOT_YET_BUILT)
    problems = [f"missing: {m}" for m in unexpected] + [f"differs: {w}" for w in wrong]
    assert not problems, (
        f"the schema breaks {CONTRACT} (add what is missing, or, for work of a later issue only, "
        "list it in NOT_YET_BUILT):\n  " + "\n  ".join(problems)
    )


def test_contract_not_yet_built_list_is_current():
    missing, _ = differences()
    stale = sorted(NOT_YET_BUILT - missing)
    assert not stale, (
        "these NOT_YET_BUILT entries are in the schema now (or name nothing the contract lacks in ours): "
        "remove them from NOT_YET_BUILT in tests/graphql/test_contract.py:\n  " + "\n  ".join(stale)
    )


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
