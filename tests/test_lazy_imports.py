"""Heavy libraries load only in the functions that use them, never with the CLI itself."""

from __future__ import annotations

import subprocess
import sys


def modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return set(done.stdout.split())


def test_the_cli_and_inspect_do_not_import_polars() -> None:
    loaded = modules_after("from curate.cli.main import app; import curate.inspect, curate.checks.runner")
    assert "curate.cli.main" in loaded and "curate.inspect" in loaded
    assert "polars" not in loaded
