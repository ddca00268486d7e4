"""A run killed with SIGKILL resumes by sending exactly the requests never answered."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeserver import PLANTED_KEY, FakeServer
from synth_helpers import ledger_rows, server_key

from curate.workspace import Workspace

N = 10


def synth_cmd(server: FakeServer) -> list[str]:
    return [
        sys.executable,
        "-m",
        "curate.cli.main",
        "synth",
        "--topic",
        "Kafka ops",
        "-n",
        str(N),
        "--provider",
        "openai",
        "--base-url",
        server.openai_url,
        "--allow-over-ratio",
        "--concurrency",
        "3",
    ]


def answered(ledger: Path) -> int:
    if not ledger.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=1)
        try:
            row = conn.execute("SELECT count(*) FROM requests WHERE raw IS NOT NULL").fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError:  # the table is not there yet
        return 0
    return int(row[0])


@pytest.mark.parametrize("kill_after", [2, 6])
def test_sigkill_then_rerun_sends_exactly_the_missing_requests(
    workspace: Workspace, kill_after: int
) -> None:
    env = {**os.environ, "OPENAI_API_KEY": PLANTED_KEY}
    ledger = workspace.state_dir / "ledger.sqlite"
    with FakeServer(latency=0.25) as server:
        proc = subprocess.Popen(
            synth_cmd(server),
            cwd=workspace.root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while answered(ledger) < kill_after and proc.poll() is None:
            assert time.monotonic() < deadline, "the run never got going"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        bought = {server_key(r) for r in ledger_rows(workspace.state_dir, "raw IS NOT NULL")}
        assert kill_after <= len(bought) < N
        first_run = server.counts()
        server.reset_log()
        server.latency = 0.0
        done = subprocess.run(synth_cmd(server), cwd=workspace.root, env=env, capture_output=True)
        assert done.returncode == 0, done.stderr.decode()
        second_run = server.counts()
    rows = ledger_rows(workspace.state_dir)
    planned = {server_key(r) for r in rows}
    assert len(planned) == N
    assert set(second_run) == planned - bought  # exactly the missing ones
    assert all(count == 1 for count in second_run.values())
    assert all(first_run[k] == 1 for k in bought)  # nothing answered was bought twice
    assert {r["status"] for r in rows} == {"parsed"}
    assert workspace.store.count("origin=synthetic") == N
