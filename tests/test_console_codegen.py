"""UI-3: the console's operation types are generated from the committed schema.graphql, and its build
type-checks them, so a schema change that breaks the console breaks its build."""

import json
from pathlib import Path

CONSOLE = Path(__file__).resolve().parents[1] / "console"


def test_UI3_codegen_reads_the_committed_schema_and_the_build_type_checks():
    assert "../schema.graphql" in (CONSOLE / "codegen.ts").read_text(encoding="utf-8")
    build = json.loads((CONSOLE / "package.json").read_text(encoding="utf-8"))["scripts"]["build"]
    assert "codegen" in build and "tsc" in build and "vite build" in build
