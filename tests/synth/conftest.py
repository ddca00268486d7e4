"""Fixtures for synth tests: a scripted LLM server on 127.0.0.1 and a fresh workspace."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakeserver import FakeServer  # noqa: E402

from curate.workspace import Workspace, init_workspace  # noqa: E402


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as s:
        yield s


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[Workspace]:
    ws = init_workspace(tmp_path / "ws")
    try:
        yield ws
    finally:
        ws.close()
