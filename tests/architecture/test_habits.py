"""Habits the architecture rules out (issue 9), checked on the source text so a regression is a
failing test, not a review comment: import cycles, literal error codes, oversized modules, wall
clock reads outside the clock module, web frameworks inside the domain."""

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "graphql_schema", "workers")
MAX_LINES = 400


def modules(repo: Path = REPO) -> dict[str, Path]:
    found = {}
    for root in PACKAGES:
        for path in (repo / root).rglob("*.py"):
            name = ".".join(path.relative_to(repo).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """Every module of ours that `path` imports, at module level or inside a function alike:
    an import deferred into a function still ties the two modules together."""

    def resolve(name: str) -> str | None:
        while name and name not in known:
            name = name.rpartition(".")[0]
        return name or None

    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {m for a in node.names if (m := resolve(a.name))}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {m for a in node.names if (m := resolve(f"{node.module}.{a.name}") or resolve(node.module))}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def import_cycles(known: dict[str, Path]) -> list[list[str]]:
    return cycles({name: imports_of(path, known) - {name} for name, path in known.items()})


def oversized(known: dict[str, Path], repo: Path = REPO) -> dict[str, int]:
    return {
        str(p.relative_to(repo)): n
        for p in known.values()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }


CLOCK_READS = re.compile(
    r"datetime\.(?:now|utcnow|today)\(|\btime\.(?:time|monotonic|perf_counter)(?:_ns)?\(|date\.today\("
    r"|^\s*from time import .*\b(?:time|monotonic|perf_counter)\b"
)


def clock_reads(known: dict[str, Path], repo: Path = REPO) -> list[str]:
    return [
        f"{p.relative_to(repo)}:{n}"
        for name, p in known.items()
        if name != "app.clock"
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if CLOCK_READS.search(line)
    ]


def test_no_import_cycles():
    assert import_cycles(modules()) == []


def test_cycle_detector_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_checks_catch_each_habit_in_a_tree_that_has_it(tmp_path: Path):
    """The three checks below pass on our tree; on a small tree with a cycle hidden in a function,
    a module of MAX_LINES + 1 lines and clock reads outside app/clock.py, each one must speak."""
    (tmp_path / "app").mkdir()
    files = {
        "app/__init__.py": "",
        "app/clock.py": "import time\n\ndef monotonic():\n    return time.perf_counter()\n",
        "app/a.py": "from app import b\n",
        "app/b.py": "def f():\n    from app.a import g\n    return g\n",
        "app/big.py": "x = 1\n" * (MAX_LINES + 1),
        "app/timing.py": "import time\nfrom time import monotonic\n\nstarted = time.monotonic()\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    known = modules(tmp_path)
    assert import_cycles(known) == [["app.a", "app.b"]]
    assert oversized(known, tmp_path) == {"app/big.py": MAX_LINES + 1}
    assert clock_reads(known, tmp_path) == ["app/timing.py:2", "app/timing.py:4"]


def test_the_domain_imports_no_web_or_queue_framework():
    offenders = []
    for name, path in modules().items():
        if name.startswith("app.domain"):
            text = path.read_text(encoding="utf-8")
            offenders += [
                f"{name}: {m}" for m in re.findall(r"^\s*(?:from|import) (strawberry|starlette|arq)\b", text, re.M)
            ]
    assert offenders == []


def test_error_codes_come_from_the_enum():
    literal = re.compile(r'\b(?:DomainError|ApiError)\(\s*"[A-Z][A-Z0-9_]+"')
    offenders = [
        f"{p.relative_to(REPO)}:{n}"
        for p in modules().values()
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert offenders == []


def test_modules_stay_small():
    assert oversized(modules()) == {}


def test_only_the_clock_module_reads_the_wall_clock():
    assert clock_reads(modules()) == []


def test_nothing_imports_the_composition_root():
    """app.cli wires the commands together; a module importing it back would tie the domain or the
    servers to the command line (issue 9: the composition root is visibly separate)."""
    known = modules()
    assert sorted(name for name, path in known.items() if "app.cli" in imports_of(path, known) - {name}) == [
        "app.__main__"
    ]
