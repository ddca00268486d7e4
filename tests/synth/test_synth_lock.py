"""The workspace lock: one holder, named; released on exit; waits when asked to."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from curate.store.lock import WorkspaceBusy, WorkspaceLock


def test_a_second_holder_is_refused_with_the_first_named(tmp_path: Path) -> None:
    first = WorkspaceLock(tmp_path, "curate synth --topic x -n 5")
    with first.hold():
        holder = first.holder()
        assert holder is not None and holder.pid == os.getpid()
        assert holder.command == "curate synth --topic x -n 5" and holder.since
        with pytest.raises(WorkspaceBusy) as info:
            WorkspaceLock(tmp_path, "curate import data.jsonl").acquire()
        text = str(info.value)
        assert f"pid {os.getpid()}" in text and '"curate synth --topic x -n 5"' in text
        assert info.value.exit_code == 2 and info.value.holder == holder
    assert first.holder() is None  # released: the file names nobody
    with WorkspaceLock(tmp_path, "curate import data.jsonl") as second:
        assert second.held


def test_a_file_naming_a_dead_process_does_not_block(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    pid = int(dead.stdout)
    (tmp_path / "lock").write_text(
        json.dumps({"pid": pid, "command": "curate synth", "since": "x"})
    )
    with WorkspaceLock(tmp_path, "curate synth -n 1") as lock:
        assert lock.holder() is not None and lock.holder().pid == os.getpid()  # type: ignore[union-attr]


def test_a_holder_in_another_process_blocks_until_it_exits(tmp_path: Path) -> None:
    code = (
        "import sys, time; from curate.store.lock import WorkspaceLock; "
        f"l = WorkspaceLock({str(tmp_path)!r}, 'curate export').acquire(); "
        "print('held', flush=True); time.sleep(float(sys.argv[1]))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, "1.0"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        with pytest.raises(WorkspaceBusy, match=f"pid {proc.pid}"):
            WorkspaceLock(tmp_path, "curate synth").acquire(wait=0.2)
        start = time.monotonic()
        lock = WorkspaceLock(tmp_path, "curate synth").acquire(wait=30)
        assert time.monotonic() - start < 30 and lock.held
        lock.release()
    finally:
        proc.kill()
        proc.wait()


def test_only_one_of_many_threads_holds_it_at_a_time(tmp_path: Path) -> None:
    inside = 0
    most = 0
    guard = threading.Lock()

    def work() -> None:
        nonlocal inside, most
        with WorkspaceLock(tmp_path, "t").hold(wait=30):
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)
            with guard:
                inside -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1
