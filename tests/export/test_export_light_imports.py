"""Split and export need none of the optional heavy dependencies."""

from __future__ import annotations

import subprocess
import sys


def test_split_and_export_import_without_optional_dependencies() -> None:
    code = (
        "import sys, curate.export, curate.split, curate.cli.export, curate.cli.split; "
        "curate.export.all_targets(); "
        "print(sorted(m for m in ('torch', 'transformers', 'trl', 'textual', 'datasets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
