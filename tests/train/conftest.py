"""Fixtures for the trainer's tests: small export directories and single-threaded torch."""

from __future__ import annotations

from pathlib import Path

import pytest
from train_exports import write_export


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tiny models run fastest on one thread, and the test machine is shared."""
    try:
        import torch
    except ImportError:  # pragma: no cover
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def sft_export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export-sft")


@pytest.fixture
def pref_export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "export-pref", kind="preference")
