"""Habits the architecture rules out (issue 9), checked on the source text so a regression is a
failing test, not a review comment: import cycles, literal error codes, oversized modules, wall
clock reads outside the clock module, web frameworks inside the domain."""
import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "graphql_schema", "workers")
MAX_LINES = 400


def modules() -> dict[str, Path]:
    found = {}
    for root in PACKAGES:
        for path in (REPO / root).rglob("*.py"):
            name = ".".join(path.relative_to(REPO).with_suffix("").parts)
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


@pytest.mark.xfail(strict=True, reason="known debt (issue 9, open): app.cli <-> app.embedded, and "
                   "app.domain.packages.service <-> app.domain.renewals.flags")
def test_no_import_cycles():
    known = modules()
    graph = {name: imports_of(path, known) - {name} for name, path in known.items()}
    assert cycles(graph) == []


def test_cycle_detector_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_domain_imports_no_web_or_queue_framework():
    offenders = []
    for name, path in modules().items():
        if name.startswith("app.domain"):
            text = path.read_text(encoding="utf-8")
            offenders += [f"{name}: {m}" for m in re.findall(r"^\s*(?:from|import) (strawberry|starlette|arq)\b", text, re.M)]
    assert offenders == []


def test_error_codes_come_from_the_enum():
    literal = re.compile(r'\b(?:DomainError|ApiError)\(\s*"[A-Z][A-Z0-9_]+"')
    offenders = [f"{p.relative_to(REPO)}:{n}" for p in modules().values()
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if literal.search(line)]
    assert offenders == []


@pytest.mark.xfail(strict=True, reason="known debt (issue 9, open): app/embedded.py holds the process supervisor")
def test_modules_stay_small():
    big = {str(p.relative_to(REPO)): n for p in modules().values()
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert big == {}


@pytest.mark.xfail(strict=True, reason="known debt (issue 9, open): start-up waits in app/embedded.py use time.monotonic")
def test_only_the_clock_module_reads_the_wall_clock():
    reads = re.compile(r"datetime\.(?:now|utcnow|today)\(|\btime\.(?:time|monotonic|perf_counter)\(|date\.today\(")
    offenders = [f"{p.relative_to(REPO)}:{n}" for name, p in modules().items() if name != "app.clock"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if reads.search(line)]
    assert offenders == []
