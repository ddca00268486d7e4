"""`curate synth` through the real entry point: output, JSON, exit codes, one-sentence errors."""

from __future__ import annotations

import json

import pytest
from fakeserver import PLANTED_KEY, Action, FakeServer
from synth_helpers import real_records
from typer.testing import CliRunner

from curate.cli.main import app
from curate.workspace import Workspace


@pytest.fixture
def cli(workspace: Workspace, server: FakeServer, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(workspace.root)
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED_KEY)

    def run(*args: str) -> tuple[int, str, str]:
        base = ["synth", "--provider", "openai", "--base-url", server.openai_url]
        result = CliRunner().invoke(app, [*base, *args])
        return result.exit_code, result.stdout, result.stderr

    return run


def test_generates_and_reports(cli, server: FakeServer) -> None:
    code, out, err = cli("--topic", "Kafka ops", "-n", "3", "--allow-over-ratio")
    assert code == 0, err
    assert "3 of 3 synthetic sft records" in out and "Requests sent 3" in out
    assert "pending review" in out and server.total == 3


def test_json_output(cli, server: FakeServer) -> None:
    code, out, _ = cli("--topic", "Kafka ops", "-n", "2", "--allow-over-ratio", "--json")
    data = json.loads(out)
    assert code == 0 and data["counted"] == 2 and data["sent"] == 2
    assert data["provider"] == "openai" and data["template"].startswith("sft@")
    assert len(data["record_ids"]) == 2 and data["cost"] > 0
    assert data["ratio"]["max_share"] == 0.3


def test_dry_run_shows_prompts_count_and_cost(cli, server: FakeServer) -> None:
    code, out, _ = cli("--topic", "Kafka ops", "-n", "4", "--dry-run", "--allow-over-ratio")
    assert code == 0 and server.total == 0
    assert "Dry run" in out and "System prompt" in out and "Request 1" in out
    assert "4 requests to send" in out and "cost at most $" in out


def test_dry_run_over_budget_says_how_many_requests_fit(cli, server: FakeServer) -> None:
    base = ("--topic", "Kafka ops", "-n", "8", "--dry-run", "--allow-over-ratio")
    code, out, _ = cli(*base, "--json")
    budget = f"{json.loads(out)['dry_run']['estimated_max_cost'] / 2:.6f}"
    code, out, _ = cli(*base, "--max-cost", budget, "--json")
    fits = json.loads(out)["dry_run"]["within_budget"]
    assert 0 < fits < 8
    code, out, _ = cli(*base, "--max-cost", budget)
    assert code == 0 and server.total == 0
    assert f"Over budget: the estimate exceeds --max-cost ${float(budget):g}" in out
    assert f"covers at least {fits} of the 8 requests" in out and "may stop early" in out
    code, out, _ = cli(*base, "--max-cost", "100")
    assert code == 0 and "Over budget" not in out


def test_missing_key_is_one_sentence(cli, server: FakeServer, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    code, out, err = cli("--topic", "Kafka ops", "-n", "2", "--allow-over-ratio")
    assert code == 2 and "OPENAI_API_KEY is not set" in err
    assert "Traceback" not in err + out and server.total == 0


def test_ratio_guard_refuses_with_numbers(cli, workspace: Workspace, server: FakeServer) -> None:
    workspace.store.add_records(real_records(14))
    code, _, err = cli("--topic", "Kafka ops", "-n", "10")
    assert code == 2 and "over the limit of 30%" in err
    assert "at most 6" in err and "import 10 more real records" in err
    assert server.total == 0


def test_stopped_runs_exit_1_and_say_how_to_resume(cli, server: FakeServer) -> None:
    server.rule = lambda seen: Action.quota()
    code, _, err = cli("--topic", "Kafka ops", "-n", "3", "--allow-over-ratio")
    assert code == 1 and "quota or credit is spent" in err and "re-run" in err.lower()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "2"], "Give a topic"),
        (["--topic", "x", "--difficulty", "expert"], "Unknown difficulty 'expert'"),
        (["--topic", "x", "--kind", "chat"], "Unknown kind 'chat'"),
        (["--topic", "x", "--template", "nope.toml"], "does not exist"),
        (["--topic", "x", "--max-cost", "0"], "--max-cost must be"),
    ],
)
def test_usage_errors(cli, args: list[str], message: str) -> None:
    code, _, err = cli(*args)
    assert code == 2 and message in err


def test_outside_a_workspace(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["synth", "--topic", "x"])
    assert result.exit_code == 2 and "No workspace" in result.stderr
