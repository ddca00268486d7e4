"""Importing files: provenance, tags, idempotent re-import, stored rejects, crash and
concurrency safety."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from importer_helpers import write_chat_file

from curate.errors import UnreadableInput, UsageError
from curate.importer import import_files, importer_version, parse_tags
from curate.workspace import Workspace, init_workspace

PY = sys.executable


@pytest.fixture
def ws(tmp_path: Path):
    w = init_workspace(tmp_path / "ws")
    yield w
    w.close()


def test_import_fills_provenance_and_tags(ws: Workspace) -> None:
    (ws.root / "data").mkdir()
    path = ws.root / "data" / "chat.jsonl"
    write_chat_file(path, 8)
    summary = import_files(ws, [path], origin="synthetic", tags={"batch": "b1", "difficulty": "x"})
    assert summary.as_dict()["added"] == 8
    records = list(ws.store.iter_records())
    first = records[0]
    prov = first.provenance
    assert (prov.origin, prov.source_file, prov.source_line) == ("synthetic", "data/chat.jsonl", 1)
    assert prov.source_format == "openai-jsonl"
    assert (prov.importer, prov.importer_version) == ("curate-ft", importer_version())
    assert prov.imported_at and prov.imported_at.endswith("+00:00")
    # meta fields become tags (meta is kept as it was); --tag values win
    assert first.tags == {"category": "spark", "difficulty": "x", "batch": "b1"}
    assert first.meta["category"] == "spark"
    assert [r.provenance.source_line for r in records] == list(range(1, 9))
    assert ws.store.count_by("tag:category") == {"spark": 2, "sql": 2, "kafka": 2, "dbt": 2}
    assert ws.store.status()["by_origin"] == {"real": 0, "synthetic": 8}


def test_reimport_adds_nothing_and_says_so(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "chat.jsonl"
    good, bad = write_chat_file(path, 60, bad_every=7)
    first = import_files(ws, [path])
    f = first.files[0]
    assert (f.read, f.added, f.existing, f.rejected) == (60, len(good), 0, len(bad))
    assert f.reasons == {"example_missing_assistant_message": 4, "invalid_json": 4}
    again = import_files(ws, [path]).files[0]
    assert (again.read, again.added, again.existing, again.rejected) == (60, 0, len(good), len(bad))
    s = ws.store.status()
    assert s["records"] == len(good)
    assert s["rejects"]["total"] == len(bad)  # not stored twice
    assert {r.line for r in ws.store.iter_rejects()} == bad
    assert s["imports"] == {"files": 1, "runs": 2, "unfinished": 0, "identical_rows": 0}
    log = ws.store.imports()
    assert [i.status for i in log] == ["done", "done"]
    assert log[0].sha256 == log[1].sha256 == f.sha256


def test_the_same_rows_in_another_file_are_existing(ws: Workspace, tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_chat_file(a, 5)
    write_chat_file(b, 8)
    import_files(ws, [a])
    f = import_files(ws, [b]).files[0]
    assert (f.added, f.existing) == (3, 5)
    rid = next(ws.store.iter_ids())
    assert [src.rsplit("/", 1)[-1] for src, _ in ws.store.occurrences(rid)] == [
        "a.jsonl",
        "b.jsonl",
    ]
    assert ws.store.count(f"source={b.name}") == 8


def test_rows_repeated_within_one_command_are_duplicates_not_existing(
    ws: Workspace, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_chat_file(a, 6)
    rows = a.read_bytes().splitlines()
    # a: 6 rows, then rows 1 and 2 again, and row 1 a third time (across batches of 4)
    lines = [*rows, rows[0], rows[1], rows[0]]
    a.write_bytes(b"\n".join(lines) + b"\n")
    b.write_bytes(b"\n".join([rows[3], rows[4]]) + b"\n")  # b repeats rows a already had
    summary = import_files(ws, [a, b], batch_size=4)
    fa, fb = summary.files
    assert (fa.read, fa.added, fa.duplicates, fa.existing, fa.rejected) == (9, 6, 3, 0, 0)
    assert (fb.read, fb.added, fb.duplicates, fb.existing, fb.rejected) == (2, 0, 2, 0, 0)
    totals = summary.as_dict()
    assert {k: totals[k] for k in ("read", "added", "duplicates", "existing")} == {
        "read": 11, "added": 6, "duplicates": 5, "existing": 0
    }
    log = {i.path: i for i in ws.store.imports()}
    assert (log[fa.path].read, log[fa.path].duplicates, log[fa.path].existing) == (9, 3, 0)
    assert ws.store.status()["imports"]["identical_rows"] == 5
    # a later command finds them all in the workspace: existing, not duplicates
    again = import_files(ws, [a]).files[0]
    assert (again.added, again.duplicates, again.existing) == (0, 0, 9)
    assert ws.store.status()["imports"]["identical_rows"] == 5


def test_bad_inputs_import_nothing(ws: Workspace, tmp_path: Path) -> None:
    good = tmp_path / "ok.jsonl"
    write_chat_file(good, 3)
    with pytest.raises(UnreadableInput, match="does not exist"):
        import_files(ws, [good, tmp_path / "missing.jsonl"])
    with pytest.raises(UnreadableInput, match="is a folder"):
        import_files(ws, [tmp_path])
    with pytest.raises(UsageError, match="Unknown format 'nope'"):
        import_files(ws, [good], fmt="nope")
    with pytest.raises(UsageError, match="Unknown origin"):
        import_files(ws, [good], origin="made-up")
    assert ws.store.count() == 0


def test_parse_tags() -> None:
    assert parse_tags(["a=1", " b = two words "]) == {"a": "1", "b": "two words"}
    assert parse_tags(["empty="]) == {"empty": ""}
    for bad in ("novalue", "=x"):
        with pytest.raises(UsageError, match="is not KEY=VALUE"):
            parse_tags([bad])


def test_an_empty_file_imports_nothing(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    f = import_files(ws, [path]).files[0]
    assert (f.read, f.added, f.rejected) == (0, 0, 0)
    assert ws.store.imports()[0].status == "done"


IMPORT_SCRIPT = """
import sys
from curate.importer import import_files
from curate.workspace import open_workspace
ws = open_workspace(sys.argv[1])
import_files(ws, [sys.argv[2]], batch_size=int(sys.argv[3]))
"""


def _rows_stored(db: Path, source: str) -> int:
    conn = sqlite3.connect(db, timeout=10)
    try:
        n = conn.execute(
            "SELECT (SELECT count(*) FROM occurrences WHERE source_file = ?)"
            " + (SELECT count(*) FROM rejects WHERE source = ?)",
            (source, source),
        ).fetchone()[0]
    except sqlite3.OperationalError:
        n = 0
    finally:
        conn.close()
    return int(n)


def test_killed_imports_rerun_to_every_row_exactly_once(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    rows = 4000
    good, bad = write_chat_file(path, rows, bad_every=23)
    source = ws.source_key(path)
    rng = random.Random(1234)
    cmd = [PY, "-c", IMPORT_SCRIPT, str(ws.root), str(path), "100"]
    mid_import_kills = 0
    for _ in range(4):
        stored = _rows_stored(ws.db_path, source)
        if stored >= rows:
            break
        # kill at a random point once the store holds this many rows
        target = rng.randint(stored + 1, stored + (rows - stored) // 3)
        proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if _rows_stored(ws.db_path, source) >= target:
                break
            time.sleep(0.002)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        after = _rows_stored(ws.db_path, source)
        mid_import_kills += after < rows
        assert after >= stored  # committed batches survive the kill
    assert mid_import_kills >= 2
    assert ws.store.status()["imports"]["unfinished"] == 1

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    conn = sqlite3.connect(ws.db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    record_lines = [
        r[0]
        for r in conn.execute(
            "SELECT source_line FROM occurrences WHERE source_file = ?", (source,)
        )
    ]
    reject_lines = [
        r[0] for r in conn.execute("SELECT line FROM rejects WHERE source = ?", (source,))
    ]
    assert sorted(record_lines) == sorted(good)  # every row exactly once ...
    assert sorted(reject_lines) == sorted(bad)  # ... as a record or as a reject
    assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == len(good)
    assert conn.execute("SELECT count(*) FROM review_state").fetchone()[0] == len(good)
    # the import log's counters were committed with the rows they count
    added = conn.execute("SELECT sum(added) FROM imports").fetchone()[0]
    assert added == len(good)
    last = conn.execute(
        "SELECT status, read, added + existing + rejected FROM imports ORDER BY id DESC LIMIT 1"
    ).fetchone()
    assert last == ("done", rows, rows)
    conn.close()
    assert ws.store.status()["imports"]["unfinished"] == 0


REVIEW_SCRIPT = """
import json, sys, time
from curate.store import Store
store = Store(sys.argv[1])
decisions = while_running = 0
deadline = time.monotonic() + 60
while store.count() == 0 and time.monotonic() < deadline:
    time.sleep(0.005)
while time.monotonic() < deadline:
    running = store.imports()[0].status == "running"
    ids = [i for i in store.select_ids("state=pending")][:10]
    if ids:
        store.record_decision(ids, "approve" if decisions % 3 else "reject", "rev")
        decisions += 1
        while_running += running
        if decisions % 7 == 0:
            store.undo_last("rev")
    if not running:
        break
print(json.dumps({"decisions": decisions, "while_running": while_running}))
"""


def test_an_import_and_a_reviewer_write_at_once(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    good, _ = write_chat_file(path, 6000)
    ws.store.start_import("placeholder", "real")  # so the reviewer sees a log from the start
    ws.store.finish_import(1)
    reviewer = subprocess.Popen(
        [PY, "-c", REVIEW_SCRIPT, str(ws.db_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    importer = subprocess.run(
        [PY, "-c", IMPORT_SCRIPT, str(ws.root), str(path), "50"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    out, err = reviewer.communicate(timeout=120)
    assert importer.returncode == 0, importer.stderr
    assert reviewer.returncode == 0, err
    assert "locked" not in importer.stderr + err
    result = json.loads(out)
    assert result["while_running"] > 0  # the two really overlapped
    assert ws.store.count() == len(good)
    states = {rid: "pending" for rid in ws.store.select_ids()}
    for event in ws.store.history():
        states[event.record_id] = event.state_after
    assert states == {rid: ws.store.review_state(rid) for rid in states}
    decided = ws.store.count("state!=pending")
    assert decided > 0
