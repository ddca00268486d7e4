"""`train openai`: preflight, upload, create, follow, re-attach and cancel against a loopback
server speaking OpenAI's files and fine-tuning wire formats, through the official SDK."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakefinetune import VALIDATION_ERROR, FakeFineTuning  # noqa: E402
from fakeserver import PLANTED_KEY, closed_port  # noqa: E402

from train.cli import app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MODEL = "gpt-4o-mini-2024-07-18"
JOBS = "/v1/fine_tuning/jobs"


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real `curate export --format openai-jsonl` of three sample files (34 train rows)."""
    base = tmp_path_factory.mktemp("oai")
    curate = str(Path(sys.executable).parent / "curate")
    ws = base / "ws"
    samples = ROOT / "samples"
    steps = [
        ["init", str(ws)],
        ["import", str(samples / "openai_chat.jsonl"), str(samples / "alpaca.json"),
         str(samples / "sharegpt.json")],
        ["validate"],
        ["split", "--seed", "13"],
        ["export", "--format", "openai-jsonl", "--out", str(base / "export")],
    ]
    for args in steps:
        done = subprocess.run([curate, *args], cwd=ws if args[0] != "init" else base,
                              capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr
    return base / "export"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("OPENAI_API_KEY", PLANTED_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    return {"OPENAI_API_KEY": PLANTED_KEY, "COLUMNS": "200"}


def invoke(*args: str, env: dict[str, str]) -> object:
    return CliRunner().invoke(app, ["openai", *args], env=env)


def run_args(export: Path, server: FakeFineTuning, out: Path, *extra: str) -> list[str]:
    return ["--data", str(export), "--model", MODEL, "--output-dir", str(out),
            "--base-url", server.url, "--poll-interval", "0", *extra]


@pytest.fixture
def succeeding() -> Iterator[FakeFineTuning]:
    with FakeFineTuning("succeeded", steps=3) as s:
        yield s


def test_dry_run_shows_the_estimate_and_sends_nothing(
    export: Path, succeeding: FakeFineTuning, tmp_path: Path, env: dict[str, str]
) -> None:
    result = invoke(*run_args(export, succeeding, tmp_path / "run", "--dry-run", "--json"), env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    train = report["splits"]["train"]
    assert train["rows"] == 34 and report["splits"]["validation"]["rows"] == 4
    assert report["context_limit"] == 65536 and report["price_per_million"] == 3.0
    assert report["epochs"] == 3  # OpenAI's auto for 34 examples
    assert report["estimated_trained_tokens"] == train["billed_tokens"] * 3
    assert report["estimated_cost"] == pytest.approx(train["billed_tokens"] * 3 * 3.0 / 1e6)
    assert 0 < train["max_tokens"] <= train["tokens"]
    assert succeeding.requests == []
    assert not (tmp_path / "run").exists()


def test_max_cost_refuses_before_uploading(
    export: Path, succeeding: FakeFineTuning, tmp_path: Path, env: dict[str, str]
) -> None:
    result = invoke(*run_args(export, succeeding, tmp_path / "run", "--max-cost", "0.001"), env=env)
    assert result.exit_code == 1, result.output
    assert "exceeds --max-cost $0.001" in result.stderr
    assert "over_max_cost" in result.stdout
    assert succeeding.requests == []


def test_a_job_that_succeeds_is_followed_and_recorded(
    export: Path, succeeding: FakeFineTuning, tmp_path: Path, env: dict[str, str]
) -> None:
    out = tmp_path / "run"
    args = run_args(export, succeeding, out, "--n-epochs", "2", "--suffix", "sql-helper",
                    "--max-cost", "5")
    result = invoke(*args, env=env)
    assert result.exit_code == 0, result.output
    text = (out / "run_manifest.json").read_text()
    manifest = json.loads(text)
    assert manifest["status"] == "succeeded"
    assert manifest["fine_tuned_model"].startswith(f"ft:{MODEL}:fake-org:sql-helper:")
    assert manifest["fine_tuned_model"] in result.stdout
    digest = hashlib.sha256((export / "manifest.json").read_bytes()).hexdigest()
    assert manifest["export"]["manifest_sha256"] == digest
    assert manifest["export"]["dir"] == str(export)
    assert manifest["hyperparameters"] == {"n_epochs": 2}
    assert manifest["estimated_epochs"] == 2
    assert manifest["trained_tokens"] > 0 and manifest["estimated_trained_tokens"] > 0
    assert set(manifest["files"]) == {"train", "validation"}
    assert manifest["files"]["train"]["sha256"] == hashlib.sha256(
        (export / "train.jsonl").read_bytes()
    ).hexdigest()
    # what the server got: the exact files, the method form, the metadata with the run key
    job = succeeding.jobs[manifest["job_id"]]
    assert succeeding.contents[job["training_file"]] == (export / "train.jsonl").read_bytes()
    assert job["method"] == {"type": "supervised",
                             "supervised": {"hyperparameters": {"n_epochs": 2}}}
    assert job["metadata"]["curate_run"] == manifest["run_key"]
    assert job["metadata"]["curate_export"] == digest
    assert succeeding.count("GET", f"{JOBS}/{job['id']}") >= 5  # followed over several polls
    # the key reached the server but no file
    assert PLANTED_KEY in succeeding.auth_values
    assert PLANTED_KEY not in text and PLANTED_KEY not in result.output
    assert manifest["key_fingerprint"].startswith("sha256:")


def test_a_rerun_and_resume_reattach_without_a_second_create_or_upload(
    export: Path, succeeding: FakeFineTuning, tmp_path: Path, env: dict[str, str]
) -> None:
    out = tmp_path / "run"
    assert invoke(*run_args(export, succeeding, out), env=env).exit_code == 0
    first = json.loads((out / "run_manifest.json").read_text())
    assert succeeding.count("POST", "/v1/files") == 2 and succeeding.count("POST", JOBS) == 1
    again = invoke(*run_args(export, succeeding, out), env=env)
    assert again.exit_code == 0, again.output
    assert "re-attached to " + first["job_id"] in again.stdout
    # a new run directory: --resume finds the job at OpenAI by its run key in the metadata
    resumed = invoke(*run_args(export, succeeding, tmp_path / "elsewhere", "--resume"), env=env)
    assert resumed.exit_code == 0, resumed.output
    other = json.loads((tmp_path / "elsewhere" / "run_manifest.json").read_text())
    assert other["job_id"] == first["job_id"]
    assert other["files"]["train"]["id"] == first["files"]["train"]["id"]
    assert succeeding.count("POST", "/v1/files") == 2 and succeeding.count("POST", JOBS) == 1
    # other settings in the same directory are refused, not mixed in
    changed = invoke(*run_args(export, succeeding, out, "--n-epochs", "4"), env=env)
    assert changed.exit_code == 2 and "another export, model" in changed.stderr
    # --resume with other settings has nothing to resume: it creates nothing
    nothing = invoke(*run_args(export, succeeding, tmp_path / "x", "--n-epochs", "4", "--resume"),
                     env=env)
    assert nothing.exit_code == 2 and "no job to resume" in nothing.stderr
    assert succeeding.count("POST", JOBS) == 1


def test_a_job_that_fails_validation_quotes_openai(
    export: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    out = tmp_path / "run"
    with FakeFineTuning("failed") as server:
        result = invoke(*run_args(export, server, out), env=env)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and f'"{VALIDATION_ERROR}"' in errors[0]
    manifest = json.loads((out / "run_manifest.json").read_text())
    assert manifest["status"] == "failed"
    assert manifest["error"]["message"] == VALIDATION_ERROR
    assert manifest["fine_tuned_model"] is None


def test_cancel_a_running_job_then_a_rerun_reports_it(
    export: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    from train.openai_job import Client, JobSpec, start_or_attach
    from train.openai_preflight import run_preflight

    out = tmp_path / "run"
    with FakeFineTuning("hold") as server:
        report = run_preflight(export, MODEL)
        spec = JobSpec(str(export), report.manifest_sha256, MODEL, {}, None)
        _, job = start_or_attach(Client(server.url), spec, out, report.to_dict())
        server.advance(job.id)
        server.advance(job.id)
        assert server.jobs[job.id]["status"] == "running"
        result = invoke("cancel", str(out), "--base-url", server.url, env=env)
        assert result.exit_code == 0, result.output
        assert f"{job.id}: cancelled" in result.stdout
        assert server.count("POST", f"{JOBS}/{job.id}/cancel") == 1
        assert json.loads((out / "run_manifest.json").read_text())["status"] == "cancelled"
        rerun = invoke(*run_args(export, server, out), env=env)
        assert rerun.exit_code == 1
        assert f"The fine-tuning job {job.id} was cancelled." in rerun.stderr
        assert server.count("POST", JOBS) == 1 and server.count("POST", "/v1/files") == 2
        # --restart makes a new job and reuses the uploads recorded in the run manifest
        server.outcome = "succeeded"
        fresh = invoke(*run_args(export, server, out, "--restart"), env=env)
        assert fresh.exit_code == 0, fresh.output
        assert server.count("POST", JOBS) == 2 and server.count("POST", "/v1/files") == 2


def test_an_unreachable_endpoint_is_one_sentence_naming_the_address(
    export: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    with closed_port() as url:
        args = ["--data", str(export), "--model", MODEL, "--output-dir", str(tmp_path / "r"),
                "--base-url", url + "/v1"]
        result = invoke(*args, env=env)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert errors[-1].startswith("Error: Could not reach the OpenAI API at " + url + "/v1")
    assert "Traceback" not in result.output


def test_a_missing_key_says_which_variable(
    export: Path, succeeding: FakeFineTuning, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    result = CliRunner().invoke(
        app, ["openai", *run_args(export, succeeding, tmp_path / "r")], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr and succeeding.requests == []


def test_edited_files_and_long_examples_are_refused(
    export: Path, succeeding: FakeFineTuning, tmp_path: Path, env: dict[str, str]
) -> None:
    edited = tmp_path / "edited"
    shutil.copytree(export, edited)
    with open(edited / "train.jsonl", "a") as fh:
        fh.write('{"messages": [{"role": "user", "content": "hi"}]}\n')
    result = invoke(*run_args(edited, succeeding, tmp_path / "r", "--json"), env=env)
    assert result.exit_code == 1
    assert [r["code"] for r in json.loads(result.stdout)["refusals"]] == ["hash_mismatch"]
    # a user's table: a per-example limit below the longest example
    table = tmp_path / "prices.toml"
    table.write_text('[models."gpt-4o-mini"]\ncontext = 300\n')
    limited = invoke(*run_args(export, succeeding, tmp_path / "r", "--price-table", str(table),
                               "--json"), env=env)
    assert limited.exit_code == 1
    report = json.loads(limited.stdout)
    assert report["price_per_million"] == 3.0 and report["context_limit"] == 300
    assert "example_over_context" in [r["code"] for r in report["refusals"]]
    assert succeeding.requests == []


def test_row_rules_of_openai_chat_fine_tuning() -> None:
    from train.openai_preflight import row_problems

    def codes(row: object) -> list[str]:
        return [code for code, _ in row_problems(row)]

    ok = {"messages": [{"role": "system", "content": "Be brief."},
                       {"role": "user", "content": "2+2?"},
                       {"role": "assistant", "content": "4", "weight": 1}]}
    assert codes(ok) == []
    assert codes({"messages": "hi"}) == ["data_type"]
    assert codes({"rows": []}) == ["missing_messages_list"]
    assert codes({"messages": [{"role": "user", "content": "hi", "extra": 1},
                               {"role": "assistant", "content": "x"}]}) == [
        "message_unrecognized_key"]
    assert codes({"messages": [{"role": "robot", "content": "hi"},
                               {"role": "assistant", "content": "x"}]}) == ["unrecognized_role"]
    assert codes({"messages": [{"role": "user", "content": "hi"},
                               {"role": "assistant", "content": "x", "weight": 2}]}) == [
        "data_type"]
    call = {"id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    good = {"messages": [{"role": "user", "content": "Oslo?"},
                         {"role": "assistant", "content": None, "tool_calls": [call]},
                         {"role": "tool", "content": "4 C", "tool_call_id": "call_1"},
                         {"role": "assistant", "content": "4 C."}], "tools": tools}
    assert codes(good) == []
    bad = json.loads(json.dumps(good))
    bad["messages"][2]["tool_call_id"] = "call_9"
    assert set(codes(bad)) == {"invalid_tool_call"}  # answers no call; call_1 unanswered


def test_the_cancel_flag_cancels_the_recorded_job(
    export: Path, tmp_path: Path, env: dict[str, str]
) -> None:
    from train.openai_job import Client, JobSpec, start_or_attach
    from train.openai_preflight import run_preflight

    out = tmp_path / "run"
    with FakeFineTuning("hold") as server:
        report = run_preflight(export, MODEL)
        spec = JobSpec(str(export), report.manifest_sha256, MODEL, {"n_epochs": 1}, "x")
        _, job = start_or_attach(Client(server.url), spec, out, report.to_dict())
        result = invoke("--cancel", "--output-dir", str(out), "--base-url", server.url, "--json",
                        env=env)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["status"] == "cancelled"
        assert server.jobs[job.id]["status"] == "cancelled"
    nothing = invoke("cancel", str(tmp_path / "empty"), env=env)
    assert nothing.exit_code == 2 and "records no OpenAI fine-tuning job" in nothing.stderr


def test_a_server_that_cannot_list_jobs_still_runs_and_reattaches_from_the_manifest(
    export: Path, succeeding: FakeFineTuning, tmp_path: Path, env: dict[str, str]
) -> None:
    succeeding.list_status = 400
    out = tmp_path / "run"
    first = invoke(*run_args(export, succeeding, out), env=env)
    assert first.exit_code == 0, first.output
    assert "jobs could not be listed" in first.stdout
    again = invoke(*run_args(export, succeeding, out), env=env)
    assert again.exit_code == 0 and "re-attached to " in again.stdout
    assert succeeding.count("POST", JOBS) == 1 and succeeding.count("POST", "/v1/files") == 2
