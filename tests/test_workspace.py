"""Workspaces: init refuses to overwrite, find walks up, settings and store open together."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from curate.errors import UsageError
from curate.settings import DEFAULT_TOML
from curate.store import LATEST
from curate.workspace import find_workspace, init_workspace


def test_init_makes_settings_and_a_migrated_store(tmp_path: Path) -> None:
    with init_workspace(tmp_path / "ws") as ws:
        assert (tmp_path / "ws" / "curate.toml").read_text() == DEFAULT_TOML
        assert ws.db_path == tmp_path / "ws" / ".curate" / "curate.db"
        assert ws.db_path.is_file()
        assert ws.store.schema_version == LATEST
        assert ws.settings.max_synthetic_share == 0.30


def test_init_refuses_an_existing_workspace_and_changes_nothing(tmp_path: Path) -> None:
    init_workspace(tmp_path).close()
    (tmp_path / "curate.toml").write_text('rubric = "mine.yaml"\n')
    with pytest.raises(UsageError, match="already a workspace"):
        init_workspace(tmp_path)
    assert (tmp_path / "curate.toml").read_text() == 'rubric = "mine.yaml"\n'


def test_init_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        init_workspace(tmp_path / "f")


def test_find_walks_up_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    init_workspace(tmp_path).close()
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    with find_workspace(deep) as ws:
        assert ws.root == tmp_path
    monkeypatch.chdir(deep)
    with find_workspace() as ws:
        assert ws.root == tmp_path


def test_find_outside_a_workspace_says_run_init(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"No workspace here\. Run `curate init` first\."):
        find_workspace(tmp_path)


def test_source_keys_are_relative_inside_and_absolute_outside(tmp_path: Path) -> None:
    with init_workspace(tmp_path / "ws") as ws:
        assert ws.source_key(tmp_path / "ws" / "data" / "a.jsonl") == "data/a.jsonl"
        outside = ws.source_key(tmp_path / "elsewhere.jsonl")
        assert outside == (tmp_path / "elsewhere.jsonl").as_posix() and os.path.isabs(outside)


def test_status_carries_the_limit_from_settings(tmp_path: Path) -> None:
    init_workspace(tmp_path).close()
    (tmp_path / "curate.toml").write_text("max_synthetic_share = 0.1\n")
    with find_workspace(tmp_path) as ws:
        s = ws.status()
        assert s["max_synthetic_share"] == 0.1 and s["workspace"] == str(tmp_path)
