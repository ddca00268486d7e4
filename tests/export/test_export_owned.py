"""Export replaces only what curate wrote: never the workspace, never a file it did not list."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from curate.cli.main import app
from curate.errors import UsageError
from curate.export import export_workspace
from curate.export.owned import MARKER, write_marker


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with its sha256."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.as_posix().endswith(("-shm", "-wal", ".curate/lock"))
    }  # SQLite's shared memory and the workspace lock change as commands run


def cli(cwd: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.chdir(cwd)
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_stray_manifest_in_the_workspace_deletes_nothing(
    fixed: tuple[Any, dict], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, _ = fixed
    (ws.root / "manifest.json").write_text("{}")
    before = tree(ws.root)
    code, text = cli(ws.root, monkeypatch, "export", "--format", "trl", "--out", ".")
    assert code == 2
    assert "is a workspace" in text and "nothing was written or removed" in text
    assert "Traceback" not in text and "Policy" not in text  # refused before planning
    assert tree(ws.root) == before
    assert [p.name for p in ws.root.parent.iterdir()] == ["ws"]  # no hidden folder either


def test_the_workspace_its_parents_and_its_state_folder_are_never_targets(
    fixed: tuple[Any, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, _ = fixed
    before = tree(tmp_path)
    for out in (".", "..", "../..", ".curate", ".curate/exports", str(ws.root)):
        code, text = cli(ws.root, monkeypatch, "export", "--format", "trl", "--out", out)
        assert code == 2, (out, text)
        assert "nothing was written or removed" in " ".join(text.split()), out
    assert tree(tmp_path) == before
    with pytest.raises(UsageError, match="workspace folder or contains it"):
        export_workspace(ws, "trl", tmp_path)
    assert tree(tmp_path) == before


def test_a_folder_whose_manifest_curate_did_not_write_is_refused(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    out = tmp_path / "other"
    out.mkdir()
    (out / "train.jsonl").write_text('{"a": 1}\n')
    for manifest in ("{}", '{"tool": "someone-else", "files": {}}', "not json"):
        (out / "manifest.json").write_text(manifest)
        before = tree(out)
        with pytest.raises(UsageError, match="manifest.json"):
            export_workspace(ws, "trl", out)
        assert tree(out) == before


def test_a_file_added_to_an_earlier_export_is_never_removed(
    fixed: tuple[Any, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, _ = fixed
    out = tmp_path / "sft"
    export_workspace(ws, "trl", out)
    (out / "notes.md").write_text("why this cut was made")
    (out / "adapter").mkdir()
    (out / "adapter" / "adapter_model.safetensors").write_bytes(b"\0" * 64)
    before = tree(out)
    with pytest.raises(UsageError) as err:
        export_workspace(ws, "trl", out)
    message = str(err.value)
    assert "its manifest does not list ('adapter/', 'notes.md')" in message
    assert "nothing was written or removed" in message
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sft", "ws"]
    code, text = cli(ws.root, monkeypatch, "export", "-f", "trl", "--out", str(out), "--json")
    assert code == 2 and "'notes.md'" in text and "Traceback" not in text
    assert tree(out) == before


def test_a_changed_export_file_is_refused_and_a_whole_one_is_replaced(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, ids = fixed
    out = tmp_path / "sft"
    export_workspace(ws, "trl", out)
    card = (out / "README.md").read_text()
    (out / "README.md").write_text(card + "\nEdited by hand.\n")
    before = tree(out)
    with pytest.raises(UsageError, match=r"changed since curate wrote them \('README.md'\)"):
        export_workspace(ws, "trl", out)
    assert tree(out) == before
    (out / "README.md").write_text(card)  # whole again: it may be replaced
    ws.store.record_decision([ids["good"][0]], "reject", "tester")
    result = export_workspace(ws, "trl", out)
    assert json.loads((out / "manifest.json").read_text()) == result.manifest
    assert tree(out) != before and MARKER not in tree(out)


def test_a_link_as_target_is_refused(fixed: tuple[Any, dict], tmp_path: Path) -> None:
    ws, _ = fixed
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(UsageError, match="is a link"):
        export_workspace(ws, "trl", tmp_path / "link")
    assert (tmp_path / "link").is_symlink()


def test_only_leftovers_of_a_dead_export_are_cleaned(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    out = tmp_path / "sft"
    dead = tmp_path / ".sft.tmp-dead"
    live = tmp_path / ".sft.tmp-live"
    unmarked = tmp_path / ".sft.tmp-unmarked"
    other = tmp_path / ".other.tmp-dead"
    for folder in (dead, live, unmarked, other):
        folder.mkdir()
        (folder / "train.jsonl").write_text("{}\n")
    for folder in (dead, other):
        write_marker(folder, out)
        info = json.loads((folder / MARKER).read_text())
        (folder / MARKER).write_text(json.dumps(info | {"pid": dead_pid()}))
    write_marker(live, out)  # this test's own process: alive
    export_workspace(ws, "trl", out)
    assert not dead.exists()
    assert live.is_dir() and unmarked.is_dir() and other.is_dir()


def test_an_earlier_export_left_aside_by_a_cut_swap_comes_back(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    out = tmp_path / "sft"
    export_workspace(ws, "trl", out)
    (out / "notes.md").write_text("mine")  # not ours: the export must refuse, not drop it
    aside = tmp_path / ".sft.old-cut"
    aside.mkdir()
    write_marker(aside, out)
    info = json.loads((aside / MARKER).read_text())
    (aside / MARKER).write_text(json.dumps(info | {"pid": dead_pid()}))
    os.replace(out, aside / "sft")  # killed between moving it aside and the swap
    with pytest.raises(UsageError, match="notes.md"):
        export_workspace(ws, "trl", out)
    assert (out / "notes.md").read_text() == "mine" and not aside.exists()


SLOW_EXPORT = """
import sys, time
import curate.export.run as r
real = r.verify_file

def slow(*args, **kwargs):
    print("writing", flush=True)
    time.sleep(60)  # killed here: the split files are written, the manifest is not
    return real(*args, **kwargs)

r.verify_file = slow
from curate.cli.main import run
sys.argv = ["curate", "export", "--format", "trl", "--out", {out!r}]
run()
"""


def test_a_sigkilled_export_leaves_hidden_folders_the_next_run_removes(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    out = tmp_path / "sft"
    export_workspace(ws, "trl", out)
    before = tree(out)
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(SLOW_EXPORT.format(out=str(out)))],
        cwd=ws.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = iter(proc.stdout.readline, "")  # the policy first, then the marker line
    assert "writing\n" in lines, proc.stderr.read() if proc.stderr else ""
    hidden = [p for p in tmp_path.iterdir() if p.name.startswith(".sft.tmp-")]
    assert len(hidden) == 1 and (hidden[0] / "train.jsonl").is_file()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    time.sleep(0.05)
    assert tree(out) == before  # the earlier export is untouched
    assert (hidden[0] / MARKER).is_file()
    export_workspace(ws, "trl", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sft", "ws"]
    assert MARKER not in tree(out)
