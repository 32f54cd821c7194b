"""The console's own unit tests (Vitest: quote display, money formatting, CSV export) as part of `make test`."""
import shutil
import subprocess

import pytest

from app import console_static


def test_UI2_console_unit_tests_pass(console_build):
    npx = shutil.which("npx")
    if npx is None:
        pytest.fail("the console's unit tests need Node.js and npm")
    proc = subprocess.run([npx, "vitest", "run"], cwd=console_static.CONSOLE_DIR, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "passed" in proc.stdout
