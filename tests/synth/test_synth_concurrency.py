"""Two real `curate synth` processes on one workspace: the lock keeps guard and ledger whole."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeserver import PLANTED_KEY, FakeServer
from synth_helpers import real_records

from curate.synth.guard import count_usable
from curate.workspace import Workspace


def synth_cmd(server: FakeServer, topic: str, n: int, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "curate.cli.main",
        "synth",
        "--topic",
        topic,
        "-n",
        str(n),
        "--provider",
        "openai",
        "--base-url",
        server.openai_url,
        "--concurrency",
        "3",
        *extra,
    ]


def env() -> dict[str, str]:
    return {**os.environ, "OPENAI_API_KEY": PLANTED_KEY, "COLUMNS": "200"}


def wait_until_sending(server: FakeServer, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Return once ``proc``'s first request reached the server (the run is under way)."""
    deadline = time.monotonic() + timeout
    while server.total == 0:
        assert proc.poll() is None, "the first run ended before it sent anything"
        assert time.monotonic() < deadline, "the first run never sent a request"
        time.sleep(0.01)


def settle(proc: subprocess.Popen, seconds: float = 20) -> None:
    """Give ``proc`` up to ``seconds`` to end (a refused run ends at once; one that waits
    for the workspace, or that sends its own requests to the held server, does not)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=seconds)


def holder(state_dir: Path) -> dict | None:
    """Who the lock file names (None when it names nobody)."""
    try:
        return json.loads((state_dir / "lock").read_text() or "null")
    except (OSError, ValueError):
        return None


def test_a_second_run_refuses_naming_the_first_and_the_guard_holds(
    workspace: Workspace,
) -> None:
    workspace.store.add_records(real_records(35))  # 30% of (35 + 15): 15 synthetic fit
    with FakeServer(latency=0.1) as server:
        server.hold()  # the first run's answers wait until the second has had its turn
        first = subprocess.Popen(
            synth_cmd(server, "Kafka ops", 15),
            cwd=workspace.root,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_until_sending(server, first)
        named = holder(workspace.state_dir)
        second = subprocess.Popen(
            synth_cmd(server, "Terraform", 15),
            cwd=workspace.root,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        settle(second)
        server.release()
        second_out, second_err = second.communicate(timeout=120)
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
        assert second.returncode == 2, second_out
        assert server.total == 15
        assert named is not None and named["pid"] == first.pid
        assert "curate synth --topic 'Kafka ops' -n 15" in named["command"]
        message = " ".join(second_err.split())
        assert "The workspace is busy" in message and f"pid {first.pid}" in message
        assert "curate synth --topic 'Kafka ops' -n 15" in message and "since 20" in message
        assert "--wait" in message and "Traceback" not in message
        assert server.total == 15
        real, synthetic = count_usable(workspace.store)
        assert (real, synthetic) == (35, 15)  # 30%: at the limit, not over it
        after = subprocess.run(
            synth_cmd(server, "Terraform", 15),
            cwd=workspace.root,
            env=env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert after.returncode == 2 and "over the limit of 30%" in after.stderr
        assert server.total == 15
    assert (workspace.state_dir / "lock").read_text() == ""  # released: names nobody


@pytest.mark.parametrize("wait", [False, True])
def test_identical_runs_buy_each_answer_once(workspace: Workspace, wait: bool) -> None:
    with FakeServer(latency=0.1) as server:
        server.hold()
        cmd = synth_cmd(server, "Kafka ops", 15, "--allow-over-ratio", "--json")
        first = subprocess.Popen(
            cmd, cwd=workspace.root, env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        wait_until_sending(server, first)
        extra = ["--wait", "120"] if wait else []
        second = subprocess.Popen(
            [*cmd, *extra],
            cwd=workspace.root,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        settle(second, 3 if wait else 20)
        server.release()
        out, err = first.communicate(timeout=120)
        second_out, second_err = second.communicate(timeout=180)
        assert first.returncode == 0, err.decode()
        assert server.total == 15 and max(server.counts().values()) == 1
        a = json.loads(out)
        assert (a["new"], a["sent"]) == (15, 15)
        if wait:  # it queued behind the first and found every answer in the ledger
            assert second.returncode == 0, second_err.decode()
            b = json.loads(second_out)
            assert (b["new"], b["sent"], b["reused"], b["counted"]) == (0, 0, 15, 15)
        else:
            assert second.returncode == 2 and second_out == b""
            assert f"pid {first.pid}" in " ".join(second_err.decode().split())
    assert workspace.store.count("origin=synthetic") == 15


def test_a_killed_holder_leaves_no_stale_lock(workspace: Workspace) -> None:
    with FakeServer(latency=0.3) as server:
        cmd = synth_cmd(server, "Kafka ops", 6, "--allow-over-ratio")
        first = subprocess.Popen(
            cmd, cwd=workspace.root, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_until_sending(server, first)
        first.send_signal(signal.SIGKILL)
        first.wait()
        named = holder(workspace.state_dir)
        assert named is not None and named["pid"] == first.pid  # it names the dead run ...
        server.latency = 0.0
        start = time.monotonic()
        again = subprocess.run(cmd, cwd=workspace.root, env=env(), capture_output=True, text=True)
        assert again.returncode == 0, again.stderr  # ... but the lock died with it
        assert time.monotonic() - start < 60
    assert workspace.store.count("origin=synthetic") == 6
