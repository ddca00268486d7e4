"""One writer at a time: every command that changes a workspace holds its lock, in real processes.

The overlap never depends on timing: the first command is either a helper process holding the
lock through the library, or a real ``curate import -`` whose standard input is still open
(it holds the lock while it waits for the rest of its rows).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from curate.importer import import_files
from curate.store.lock import WorkspaceBusy, WorkspaceLock
from curate.workspace import init_workspace, open_workspace

HOLD = (
    "import sys; from curate.workspace import open_workspace; "
    "lock = open_workspace(sys.argv[1]).lock(sys.argv[2]).acquire(); "
    "print('held', flush=True); sys.stdin.readline()"
)


def env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "400", "NO_COLOR": "1"}


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "curate.cli.main", *args]


def run(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli(*args), cwd=root, env=env(), input=stdin, capture_output=True, text=True, timeout=120
    )


def rows(start: int, stop: int) -> list[str]:
    """Alpaca JSONL rows, one per line; row ``i`` is the same in every file."""
    return [
        json.dumps(
            {
                "instruction": f"Explain step {i} of tuning a Kafka consumer group.",
                "input": "",
                "output": f"Step {i}: measure the lag first, then change one setting at a time.",
            }
        )
        + "\n"
        for i in range(start, stop)
    ]


def with_bad(lines: list[str]) -> list[str]:
    """``lines`` plus one row that cannot be read (rejected with a reason code)."""
    return [*lines, '{"instruction": "no answer", "input": "", "output": ""}\n']


def status(root: Path) -> dict:
    done = run(root, "status", "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def named_holder(root: Path) -> dict | None:
    try:
        return json.loads((root / ".curate" / "lock").read_text() or "null")
    except (OSError, ValueError):
        return None


def wait_for_holder(root: Path, pid: int, timeout: float = 60) -> dict:
    """Return once the lock file names ``pid`` (that process holds the lock)."""
    deadline = time.monotonic() + timeout
    while True:
        holder = named_holder(root)
        if holder and holder.get("pid") == pid:
            return holder
        assert time.monotonic() < deadline, "the first command never took the lock"
        time.sleep(0.02)


def one_line(text: str) -> str:
    return " ".join(text.split())


def assert_refused(done: subprocess.CompletedProcess[str], holder_cmd: str, pid: int) -> None:
    """Exit 2, one sentence naming the holder and how to queue, no traceback."""
    err = one_line(done.stderr)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f'The workspace is busy: "{holder_cmd}" (pid {pid}, since' in err, err
    assert "--wait SECONDS" in err and "Traceback" not in done.stderr
    assert done.stderr.count("Error:") == 1


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    ws = init_workspace(tmp_path / "ws")
    ws.close()
    yield ws.root


@contextlib.contextmanager
def held(root: Path, command: str) -> Iterator[subprocess.Popen[str]]:
    """A helper process holding ``root``'s lock as ``command`` until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root), command],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        if proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.write("\n")
                proc.stdin.close()
        proc.wait(timeout=30)


@contextlib.contextmanager
def importing(root: Path, first: list[str]) -> Iterator[subprocess.Popen[str]]:
    """A real ``curate import - --json`` that has read ``first`` and waits for more rows,
    holding the lock; the caller writes the rest to its stdin and closes it."""
    proc = subprocess.Popen(
        cli("import", "-", "--json"),
        cwd=root,
        env=env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdin is not None
        proc.stdin.writelines(first)
        proc.stdin.flush()
        wait_for_holder(root, proc.pid)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def finish(proc: subprocess.Popen[str], rest: list[str]) -> dict:
    """Write the rest of the first import's rows, close its input; its --json summary."""
    out, err = proc.communicate("".join(rest), timeout=120)
    assert proc.returncode in (0, 1), err
    return json.loads(out)


def balanced(summary: dict) -> None:
    for f in summary["files"]:
        assert f["read"] == f["added"] + f["duplicates"] + f["existing"] + f["rejected"], f


def still_waiting(proc: subprocess.Popen[str], seconds: float = 1.0) -> None:
    """``proc`` has not ended within ``seconds`` (a queued command waits for the holder)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=seconds)
    assert proc.poll() is None, "the queued command ended while the lock was held"


# -- import against import ------------------------------------------------------------------


def test_a_second_import_is_refused_naming_the_first_then_queues_to_the_serial_result(
    root: Path, tmp_path: Path
) -> None:
    first_rows = with_bad(rows(0, 3000))
    second = tmp_path / "b.jsonl"
    second.write_text("".join(with_bad(rows(2000, 4000))))  # 1000 rows the first file holds
    with importing(root, first_rows[:1500]) as first:
        before = status(root)
        refused = run(root, "import", str(second))
        assert_refused(refused, "curate import - --json", first.pid)
        assert status(root) == before  # nothing written: no records, rejects or import runs
        queued = subprocess.Popen(
            cli("import", str(second), "--wait", "120", "--json"),
            cwd=root,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        still_waiting(queued)
        assert named_holder(root)["pid"] == first.pid  # type: ignore[index]
        one = finish(first, first_rows[1500:])
        out, err = queued.communicate(timeout=120)
        assert queued.returncode == 1, err  # one row rejected, as in the serial run
        two = json.loads(out)
    for summary in (one, two):
        balanced(summary)
    assert (one["files"][0]["added"], one["files"][0]["rejected"]) == (3000, 1)
    b = two["files"][0]
    assert (b["read"], b["added"], b["existing"], b["duplicates"], b["rejected"]) == (
        2001, 1000, 1000, 0, 1,
    )

    serial = init_workspace(tmp_path / "serial")
    serial.close()
    done = run(serial.root, "import", "-", "--json", stdin="".join(first_rows))
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["files"][0] == one["files"][0] | {
        "import_id": json.loads(done.stdout)["files"][0]["import_id"]
    }
    assert run(serial.root, "import", str(second)).returncode == 1
    ours, theirs = status(root), status(serial.root)
    for key in ("workspace", "checks"):
        ours.pop(key), theirs.pop(key)
    assert ours == theirs
    with open_workspace(root) as a, open_workspace(serial.root) as s:
        assert set(a.store.select_ids([])) == set(s.store.select_ids([]))


# -- the other writing commands while an import runs ----------------------------------------


def test_approve_all_and_export_wait_for_a_running_import(root: Path, tmp_path: Path) -> None:
    lines = rows(0, 400)
    run(root, "import", "-", stdin="".join(lines[:100]))
    with importing(root, lines[100:250]) as first:
        before = status(root)
        approve = run(root, "approve", "--all")
        assert_refused(approve, "curate import - --json", first.pid)
        export = run(root, "export", "--format", "trl", "--out", str(tmp_path / "out"))
        assert_refused(export, "curate import - --json", first.pid)
        assert status(root) == before and not (tmp_path / "out").exists()
        queued = subprocess.Popen(
            cli("approve", "--all", "--wait", "120", "--json"),
            cwd=root,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        still_waiting(queued)
        balanced(finish(first, lines[250:]))
        out, err = queued.communicate(timeout=120)
    assert queued.returncode == 0, err
    assert json.loads(out)["changed"] == 400  # it approved what the import had added
    assert status(root)["by_review_state"]["approved"] == 400
    assert run(root, "split").returncode == 0
    done = run(root, "export", "--format", "trl", "--out", str(tmp_path / "out"), "--skip-checks")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert sum(f["rows"] for f in manifest["files"].values()) == 400


WRITERS = [
    ("import", ["import", "more.jsonl"]),
    ("approve by id", ["approve", "ID"]),
    ("reject where", ["reject", "--where", "origin=real"]),
    ("undo", ["undo"]),
    ("dedupe", ["dedupe"]),
    ("dedupe against", ["dedupe", "--against", "bench.jsonl"]),
    ("split", ["split"]),
    ("validate", ["validate"]),
    ("export", ["export", "--format", "alpaca", "--out", "exported", "--skip-checks"]),
]


@pytest.mark.parametrize(("label", "args"), WRITERS, ids=[w[0] for w in WRITERS])
def test_each_writing_command_refuses_while_another_holds_the_workspace(
    root: Path, label: str, args: list[str]
) -> None:
    (root / "more.jsonl").write_text("".join(rows(50, 60)))
    (root / "bench.jsonl").write_text("".join(rows(0, 5)))
    assert run(root, "import", "-", stdin="".join(rows(0, 20))).returncode == 0
    assert run(root, "approve", "--where", "origin=real").returncode == 0  # undo has a target
    assert run(root, "split").returncode == 0  # export has splits
    with open_workspace(root) as ws:
        some_id = ws.store.select_ids([])[0]
    args = [some_id if a == "ID" else a for a in args]
    with held(root, "curate import huge.jsonl") as holder:
        before = status(root)
        done = run(root, *args)
        assert_refused(done, "curate import huge.jsonl", holder.pid)
        assert status(root) == before, label
        assert not (root / "exported").exists()
        queued = subprocess.Popen(
            cli(*args, "--wait", "120"), cwd=root, env=env(), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True,
        )
        still_waiting(queued, 0.5)
    out, err = queued.communicate(timeout=120)
    assert queued.returncode in (0, 1), err  # 1: dedupe --against found what it looked for
    assert named_holder(root) is None  # released: the file names nobody


READERS = [
    ["status"],
    ["inspect", "data.jsonl"],
    ["validate", "data.jsonl"],
    ["undo", "--dry-run"],
    ["export", "--help"],
]


def test_read_only_commands_run_while_the_workspace_is_held(root: Path) -> None:
    (root / "data.jsonl").write_text("".join(rows(0, 10)))
    assert run(root, "import", "data.jsonl").returncode == 0
    with held(root, "curate export --format trl --out x"):
        for args in READERS:
            done = run(root, *args)
            assert done.returncode == 0, (args, done.stderr)


def test_every_writing_command_offers_wait_in_its_help(root: Path) -> None:
    for command in ("import", "approve", "reject", "undo", "dedupe", "split", "export",
                    "validate", "synth"):
        done = run(root, command, "--help")
        assert "--wait" in done.stdout, command


# -- the library ----------------------------------------------------------------------------


def test_library_entry_points_refuse_a_busy_workspace(root: Path) -> None:
    from curate.checks.annotate import validate_workspace, workspace_rubric
    from curate.dedup import dedupe_workspace
    from curate.export import export_workspace
    from curate.split import split_workspace

    (root / "data.jsonl").write_text("".join(rows(0, 10)))
    with held(root, "curate dedupe") as holder, open_workspace(root) as ws:
        calls = [
            lambda: import_files(ws, [root / "data.jsonl"]),
            lambda: dedupe_workspace(ws),
            lambda: split_workspace(ws),
            lambda: validate_workspace(ws, workspace_rubric(ws)),
            lambda: export_workspace(ws, "trl", root.parent / "out", include_unapproved=True),
        ]
        for call in calls:
            with pytest.raises(WorkspaceBusy, match=f"pid {holder.pid}") as info:
                call()
            assert info.value.exit_code == 2
        assert ws.store.count() == 0 and not (root.parent / "out").exists()


def test_stages_inside_a_held_lock_run_without_deadlock_and_keep_the_outer_holder(
    root: Path,
) -> None:
    from curate.dedup import dedupe_workspace
    from curate.export import export_workspace
    from curate.split import split_workspace

    (root / "data.jsonl").write_text("".join(rows(0, 30)))
    seen: list[str] = []

    def note(*_: object) -> None:
        holder = named_holder(root)
        seen.append(holder["command"] if holder else "")

    with open_workspace(root) as ws, ws.lock("nightly build").hold(wait=5):
        summary = import_files(ws, [root / "data.jsonl"], progress=note)
        dedupe_workspace(ws, progress=note)
        split_workspace(ws)
        export_workspace(ws, "trl", root.parent / "out", include_unapproved=True, skip_checks=True)
        busy: list[BaseException] = []
        other = threading.Thread(target=lambda: _catch(busy, lambda: split_workspace(ws)))
        other.start()
        other.join()
        note()
    assert summary.total("added") == 30 and (root.parent / "out" / "manifest.json").exists()
    assert seen and set(seen) == {"nightly build"}  # inner stages never renamed the holder
    assert len(busy) == 1 and isinstance(busy[0], WorkspaceBusy)  # another thread waits its turn
    assert named_holder(root) is None


def _catch(into: list[BaseException], fn: object) -> None:
    try:
        fn()  # type: ignore[operator]
    except BaseException as exc:  # noqa: BLE001 - handed to the test
        into.append(exc)


def test_a_plain_lock_is_not_reentrant_but_a_library_stage_is(tmp_path: Path) -> None:
    outer = WorkspaceLock(tmp_path, "outer").acquire()
    try:
        with pytest.raises(WorkspaceBusy):
            WorkspaceLock(tmp_path, "inner").acquire()
        inner = WorkspaceLock(tmp_path, "inner").acquire(reentrant=True)
        assert inner.held
        inner.release()
        assert outer.held and named_holder_at(tmp_path)["command"] == "outer"  # type: ignore[index]
    finally:
        outer.release()
    assert named_holder_at(tmp_path) is None


def named_holder_at(state_dir: Path) -> dict | None:
    try:
        return json.loads((state_dir / "lock").read_text() or "null")
    except (OSError, ValueError):
        return None
