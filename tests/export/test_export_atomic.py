"""Atomic exports: a failure or a crash mid-export never leaves a complete-looking folder."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import curate.export.run as export_run
from curate.errors import UsageError
from curate.export import export_workspace


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def boom(*args: Any, **kwargs: Any) -> str:
    raise OSError(28, "No space left on device")


def test_failure_after_the_data_files_leaves_nothing(
    fixed: tuple[Any, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, _ = fixed
    out = tmp_path / "exports" / "sft"
    monkeypatch.setattr(export_run, "render_card", boom)  # the card comes after the split files
    with pytest.raises(OSError):
        export_workspace(ws, "trl", out)
    assert not out.exists()
    assert list((tmp_path / "exports").iterdir()) == []  # no temp folder left either


def test_a_failed_export_keeps_the_earlier_one(
    fixed: tuple[Any, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, ids = fixed
    out = tmp_path / "sft"
    export_workspace(ws, "trl", out)
    before = digest(out)
    ws.store.record_decision([ids["good"][0]], "reject", "tester")  # the next export differs
    monkeypatch.setattr(export_run, "render_card", boom)
    with pytest.raises(OSError):
        export_workspace(ws, "trl", out)
    assert digest(out) == before
    monkeypatch.undo()
    export_workspace(ws, "trl", out)  # replacing an earlier export works
    assert digest(out) != before and (out / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sft", "ws"]


def test_a_crash_leaves_only_a_hidden_incomplete_folder(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    script = textwrap.dedent(
        f"""
        import os
        import curate.export.run as r
        from curate.export import export_workspace
        from curate.workspace import open_workspace

        r.render_card = lambda *a, **k: os._exit(9)  # the process dies: no cleanup runs
        export_workspace(open_workspace({str(ws.root)!r}), "trl", {str(tmp_path / "out")!r})
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 9, proc.stderr
    assert not (tmp_path / "out").exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".out.tmp-")]
    assert len(leftovers) == 1
    names = {p.name for p in leftovers[0].iterdir()}
    assert "train.jsonl" in names and "manifest.json" not in names


def test_a_folder_with_other_files_is_not_overwritten(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not empty"):
        export_workspace(ws, "trl", out)
    assert (out / "notes.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file"):
        export_workspace(ws, "trl", tmp_path / "file")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert export_workspace(ws, "trl", empty).files["train"] == "train.jsonl"
