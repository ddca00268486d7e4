"""The examples in the io, api and token modules' docstrings run and pass."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "curate.io.read",
    "curate.io.write",
    "curate.io.containers",
    "curate.io.spool",
    "curate.api",
    "curate.tokens",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
