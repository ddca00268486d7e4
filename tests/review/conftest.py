"""Fixtures for the review tests: a small workspace and the app built by the factory."""

from __future__ import annotations

from pathlib import Path

import pytest
from review_helpers import make_workspace


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
