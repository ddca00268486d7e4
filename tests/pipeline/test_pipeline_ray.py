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


def _kill_a_worker(stop: threading.Event, killed: list[int]) -> None:
    """Kill one Ray worker process (a task runner, not the driver or raylet) once it runs."""
    from ray.util.state import list_workers

    while not stop.is_set() and not killed:
        for w in list_workers(filters=[("worker_type", "=", "WORKER")], limit=100):
            pid = w.get("pid") if isinstance(w, dict) else getattr(w, "pid", None)
            alive = w.get("is_alive") if isinstance(w, dict) else getattr(w, "is_alive", False)
            if pid and alive and pid != os.getpid():
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                except ProcessLookupError:
                    continue
                return
        time.sleep(0.5)


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
