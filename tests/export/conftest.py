"""Fixtures for the export tests: the fixed workspace of export_helpers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from export_helpers import build

from curate.workspace import Workspace


@pytest.fixture
def fixed(tmp_path: Path) -> Iterator[tuple[Workspace, dict[str, Any]]]:
    ws, ids = build(tmp_path / "ws")
    yield ws, ids
    ws.close()
