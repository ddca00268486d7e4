"""Faults injected in the fake server: unreadable usage, a refused address, a key in the URL."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from fakeserver import PLANTED_KEY, Action, FakeServer, closed_port
from synth_helpers import ledger_rows, options

from curate.providers.base import ConnectFailed
from curate.providers.retry import RetryPolicy
from curate.synth.generate import synthesize
from curate.workspace import Workspace


def run_cli(
    workspace: Workspace, *args: str, key: str = PLANTED_KEY
) -> subprocess.CompletedProcess:
    env = {**os.environ, "OPENAI_API_KEY": key, "ANTHROPIC_API_KEY": key, "COLUMNS": "200"}
    cmd = [sys.executable, "-m", "curate.cli.main", "synth", "--allow-over-ratio", *args]
    return subprocess.run(cmd, cwd=workspace.root, env=env, capture_output=True, text=True)


def runs(state_dir: Path) -> list[dict]:
    conn = sqlite3.connect(f"file:{state_dir / 'ledger.sqlite'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute("SELECT * FROM runs ORDER BY id")]
    finally:
        conn.close()


# unreadable usage ----------------------------------------------------------------------
def test_malformed_usage_is_stored_counted_and_charged_its_worst_case(
    workspace: Workspace, server: FakeServer
) -> None:
    server.script(Action.bad_usage({"prompt_tokens": "abc", "completion_tokens": 12}))
    args = ("--topic", "Kafka ops", "-n", "3", "--concurrency", "1", "--json")
    base = ("--provider", "openai", "--base-url", server.openai_url)
    done = run_cli(workspace, *base, *args, "--max-cost", "1")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    data = json.loads(done.stdout)
    assert data["counted"] == 3 and data["usage_estimated"] == {"usage_malformed": 1}
    rows = ledger_rows(workspace.state_dir)
    bad = [r for r in rows if r["usage"] == "usage_malformed"]
    assert len(bad) == 1 and '"abc"' in bad[0]["raw"] and bad[0]["outcome"] == "counted"
    good = [r for r in rows if r["usage"] is None]
    # worst case: max_tokens at the output price (and the prompt estimate at the input price)
    assert bad[0]["output_tokens"] == json.loads(bad[0]["request"])["max_tokens"]
    assert bad[0]["cost"] > 10 * max(r["cost"] for r in good)
    assert data["cost"] == pytest.approx(sum(r["cost"] for r in rows), abs=1e-6)
    again = run_cli(workspace, *base, *args)
    assert again.returncode == 0 and server.total == 3  # the paid answer is not bought again


@pytest.mark.parametrize(
    "usage",
    [
        [{"input_tokens": 5, "output_tokens": 7}],  # a list where an object belongs
        {"input_tokens": -3, "output_tokens": 7},
        {"input_tokens": 5, "output_tokens": True},
        "lots",
        Action.MISSING,
    ],
)
def test_anthropic_unreadable_usage_never_crashes(
    workspace: Workspace, server: FakeServer, usage: object
) -> None:
    server.script(Action.bad_usage(usage))
    opts = options(
        server,
        n=2,
        concurrency=1,
        provider="anthropic",
        base_url=server.anthropic_url,
        model="claude-sonnet-4-6",
        max_cost=1.0,
    )
    s = synthesize(workspace, opts).stats
    assert s is not None and s.counted == 2 and s.failed == 0
    code = "usage_missing" if usage is Action.MISSING else "usage_malformed"
    assert s.usage_estimated == {code: 1}
    assert [r["usage"] for r in ledger_rows(workspace.state_dir)].count(code) == 1
    synthesize(workspace, opts)
    assert server.total == 2


def test_an_unforeseen_answer_shape_is_kept_as_paid(
    workspace: Workspace, server: FakeServer
) -> None:
    """Whatever the body holds, the raw answer is stored and never bought again."""
    odd = {"type": "message", "id": 5, "content": [{"type": "text", "text": ["a", "list"]}]}
    server.script(Action.body(odd))
    opts = options(
        server,
        n=2,
        concurrency=1,
        provider="anthropic",
        base_url=server.anthropic_url,
        model="claude-sonnet-4-6",
    )
    s = synthesize(workspace, opts).stats
    assert s is not None and s.counted == 2 and s.failed == 1
    (failed,) = ledger_rows(workspace.state_dir, "status = 'failed'")
    assert '"list"' in failed["raw"] and failed["error_kind"] in ("parse", "malformed")
    synthesize(workspace, opts)
    assert server.total == 3


# a refused address -----------------------------------------------------------------------
def test_a_refused_address_is_one_sentence_exit_2_without_a_retry_storm(
    workspace: Workspace,
) -> None:
    with closed_port() as url:
        start = time.monotonic()
        done = run_cli(
            workspace,
            "--topic",
            "Kafka ops",
            "-n",
            "15",
            "--provider",
            "openai-compatible",
            "--base-url",
            url + "/v1",
            "--model",
            "qwen",
        )
        elapsed = time.monotonic() - start
    assert done.returncode == 2, done.stderr
    err = " ".join(done.stderr.split())
    assert f"Could not connect to openai-compatible at {url}/v1" in err
    assert "connection refused" in err and "Check --base-url" in err
    assert "Traceback" not in done.stderr and "transport" not in done.stdout
    assert elapsed < 20  # (it took 98 s of backoff before)
    (run,) = runs(workspace.state_dir)
    assert run["status"] == "unreachable"


def test_a_refused_address_stops_every_worker(workspace: Workspace, server: FakeServer) -> None:
    with closed_port() as url:
        opts = options(
            server,
            n=15,
            concurrency=8,
            provider="openai-compatible",
            model="qwen",
            base_url=url + "/v1",
            retry=RetryPolicy(max_retries=6, base_delay=0.01, max_delay=0.02),
        )
        with pytest.raises(ConnectFailed) as info:
            synthesize(workspace, opts)
    assert info.value.exit_code == 2 and url in info.value.message
    sends = [r["sends"] for r in ledger_rows(workspace.state_dir)]
    assert len(sends) <= 8  # no new requests once the address refused
    assert server.total == 0


# a key in the base URL --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("provider", "suffix"),
    [("anthropic", "?key={secret}"), ("openai-compatible", "/v1?api-key={secret}&v=2")],
)
def test_a_key_in_the_base_url_is_masked_everywhere(
    workspace: Workspace, server: FakeServer, provider: str, suffix: str
) -> None:
    secret = "qs-SECRET-in-the-url-4711"
    url = server.url + suffix.format(secret=secret)
    model = ["--model", "claude-sonnet-4-6" if provider == "anthropic" else "qwen"]
    outputs = [
        run_cli(workspace, "--topic", "Kafka ops", "-n", "2", "--provider", provider,
                "--base-url", url, *model, *extra)
        for extra in ([], ["--json"], ["--dry-run"])
    ]  # fmt: skip
    for out in outputs:
        assert secret not in out.stdout and secret not in out.stderr
    for path in workspace.root.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), f"the key leaked into {path}"
    stored = [json.loads(r["args"])["base_url"] for r in runs(workspace.state_dir)]
    assert stored and all("=***" in u and secret not in u for u in stored)
