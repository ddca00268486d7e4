"""`--engine ray` on a real local Ray (two CPUs): the same answers and files as the local
engine, also when a Ray worker is killed mid-run. No part of Ray is replaced."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from curate.pipeline import PipelinePlan, run_pipeline
from tests.pipeline.planted import write_shards

ray = pytest.importorskip("ray", reason="needs ray[data]: pip install 'curate-ft[ray]'")
pytestmark = pytest.mark.slow
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
VARIES = ("created", "engine", "timings")
TASKS = ("MapBatches", "FlatMap", "Shuffle", "Join", "Filter", "Project", "Sort")


@pytest.fixture(scope="module")
def local_ray() -> Any:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def rows(out: Path) -> list[dict]:
    return [r for p in sorted(out.glob("records-*.parquet")) for r in pq.read_table(p).to_pylist()]


def same(a: dict, b: dict, left: Path, right: Path) -> None:
    """The same records (checks, clusters, splits) and equal manifests but for time and
    engine: counts, settings and every file's sha256."""
    assert rows(left) == rows(right)
    a, b = dict(a), dict(b)
    for k in VARIES:
        a.pop(k), b.pop(k)
    assert a == b


def test_both_engines_write_the_same_files(local_ray: Any, tmp_path: Path) -> None:
    planted = write_shards(tmp_path / "in", n=120, shards=3)
    inputs = [str(tmp_path / "in" / "*.jsonl"), str(SAMPLES / "defects" / "*.jsonl"),
              str(SAMPLES / "alpaca.json"), str(SAMPLES / "chat.parquet")]
    local = run_pipeline(PipelinePlan(inputs, tmp_path / "local"))
    on_ray = run_pipeline(PipelinePlan(inputs, tmp_path / "ray", engine="ray"))
    same(local, on_ray, tmp_path / "local", tmp_path / "ray")
    assert on_ray["engine"] == "ray"
    assert on_ray["counts"]["duplicates"] == planted["exact"] + planted["near"]
    counts = on_ray["counts"]
    assert counts["read"] == counts["records"] + counts["rejected"]


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _task_workers() -> list[int]:
    """Ray worker processes running a pipeline task (``ray::MapBatches(...)`` ...) under this test."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
        except OSError:
            continue
        if not cmd.startswith("ray::") or not any(op in cmd for op in TASKS):
            continue  # an idle worker or one of Ray's own agents
        pid, parent = int(entry.name), int(entry.name)
        for _ in range(6):  # worker -> raylet -> ... -> this test process
            parent = _ppid(parent)
            if parent in (0, 1) or parent == me:
                break
        if parent == me:
            found.append(pid)
    return found


def _kill_a_worker(stop: threading.Event, killed: list[int]) -> None:
    """Kill one Ray worker process while it runs a task of the pipeline."""
    while not stop.is_set() and not killed:
        for pid in _task_workers():
            try:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                return
            except ProcessLookupError:
                continue
        time.sleep(0.2)


def test_a_killed_worker_changes_no_answer(local_ray: Any, tmp_path: Path) -> None:
    write_shards(tmp_path / "in", n=150, shards=4)
    inputs = [str(tmp_path / "in")]
    local = run_pipeline(PipelinePlan(inputs, tmp_path / "local"))
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_a_worker, args=(stop, killed), daemon=True)
    time.sleep(0)
    killer.start()
    try:
        on_ray = run_pipeline(PipelinePlan(inputs, tmp_path / "ray", engine="ray"))
    finally:
        stop.set()
        killer.join(10)
    assert killed, "no Ray worker was running to kill"
    same(local, on_ray, tmp_path / "local", tmp_path / "ray")
