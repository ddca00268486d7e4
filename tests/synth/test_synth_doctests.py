"""The examples in the synth and provider modules' docstrings run."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "curate.providers.pricing",
    "curate.providers.ratelimit",
    "curate.synth.budget",
    "curate.synth.dedupe",
    "curate.synth.template",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
