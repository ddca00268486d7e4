"""A planted API key never reaches any file a run writes, nor its output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fakeserver import PLANTED_KEY, Action, FakeServer

from curate.workspace import Workspace


def run_cli(workspace: Workspace, server: FakeServer, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENAI_API_KEY": PLANTED_KEY, "COLUMNS": "200"}
    cmd = [
        sys.executable,
        "-m",
        "curate.cli.main",
        "synth",
        "--topic",
        "Kafka ops",
        "--provider",
        "openai",
        "--base-url",
        server.openai_url,
        "--allow-over-ratio",
        *args,
    ]
    return subprocess.run(cmd, cwd=workspace.root, env=env, capture_output=True, text=True)


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_planted_key_never_written_or_printed(workspace: Workspace, server: FakeServer) -> None:
    needle = PLANTED_KEY.encode()
    outputs = []
    server.script(Action.reject_key())  # the server echoes the key in a 401
    outputs.append(run_cli(workspace, server, "-n", "3"))
    assert outputs[-1].returncode == 1 and "HTTP 401" in outputs[-1].stderr
    server.script(Action.echo_auth(), Action.error(400), Action.echo_auth())  # echoed in answers
    outputs.append(run_cli(workspace, server, "-n", "4", "--concurrency", "1", "--json"))
    outputs.append(run_cli(workspace, server, "-n", "6", "--dry-run"))
    outputs.append(run_cli(workspace, server, "-n", "2", "--fresh", "--json"))
    assert server.auth_values == {PLANTED_KEY}  # the key really was used
    assert [o.returncode for o in outputs[1:]] == [0, 0, 0]
    for out in outputs:
        assert PLANTED_KEY not in out.stdout and PLANTED_KEY not in out.stderr
    written = files_under(workspace.root)
    assert any(p.name == "ledger.sqlite" for p in written)
    for path in written:
        assert needle not in path.read_bytes(), f"the key leaked into {path}"
    redacted = [
        r
        for r in workspace.store.iter_records("origin=synthetic")
        if "[redacted]" in r.messages[1].content
    ]
    assert len(redacted) == 2  # the echoed key was scrubbed before parsing
