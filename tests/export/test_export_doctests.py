"""The doctest examples of the split and export modules run (they document the behaviour)."""

from __future__ import annotations

import doctest
import importlib
import subprocess
import sys

import pytest

MODULES = [
    "curate.split",
    "curate.split.ratios",
    "curate.split.run",
    "curate.export.guard",
    "curate.export.stats",
    "curate.export.verify",
    "curate.export.run",
    "curate.export.llama_factory",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0


def test_split_and_export_import_without_optional_dependencies() -> None:
    code = (
        "import sys, curate.export, curate.split, curate.cli.export, curate.cli.split; "
        "curate.export.all_targets(); "
        "print(sorted(m for m in ('torch', 'transformers', 'trl', 'textual', 'datasets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
