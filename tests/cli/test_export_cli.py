"""`curate export` through the real entry point: the printed policy, JSON, exit codes, refusals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curate.cli.main import app
from curate.settings import load_settings, save_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "export"))
from export_helpers import build  # noqa: E402


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict]:
    workspace, ids = build(tmp_path / "ws")
    workspace.close()
    monkeypatch.chdir(tmp_path / "ws")
    return tmp_path / "ws", ids


def test_export_prints_the_policy_and_what_was_left_out(ws: tuple[Path, dict]) -> None:
    root, _ = ws
    code, out, err = run("export", "--format", "openai-jsonl", "--out", "exports/oa")
    assert code == 0, err
    assert "Policy (openai-jsonl, sft):" in out and "without an error finding" in out
    assert "Considered 31 records: exporting 16 (train 12, validation 2, test 2)." in out
    assert (
        "Left out: other_kind 8, rejected_by_review 1, contaminated 1, not_checked 1, failed_checks 1 (missing_sql_block 1), duplicate 1, not_approved 1, not_split 1."
        in out
    )
    assert "Synthetic share: train 25.0%" in out
    assert "manifest.json" in out and "0 rejects" in out
    manifest = json.loads((root / "exports/oa/manifest.json").read_text())
    assert manifest["counts"] == {"train": 12, "validation": 2, "test": 2}


def test_export_json_and_exit_1_when_records_do_not_fit_the_format(ws: tuple[Path, dict]) -> None:
    root, ids = ws
    code, out, err = run("export", "--format", "trl", "--out", "trl", "--json")
    assert code == 1  # written, but one record (a weight-0 turn) cannot be held by TRL
    data = json.loads(out)
    assert data["written"] is True and data["left_out"]["unsupported_in_target"] == 1
    assert data["left_out_examples"]["unsupported_in_target"] == [ids["weight0"]]
    assert data["files"]["train"]["rows"] == data["counts"]["train"] == 11
    assert (root / "trl" / "README.md").is_file()


def test_export_refuses_over_the_synthetic_limit_and_caps_on_request(ws: tuple[Path, dict]) -> None:
    root, _ = ws
    settings = load_settings(root / "curate.toml")
    settings.max_synthetic_share = 0.2
    save_settings(settings, root / "curate.toml")
    code, out, err = run("export", "--format", "openai-jsonl", "--out", "oa")
    assert code == 1
    assert (
        "train split would be 25.0% synthetic (3 synthetic of 12 records), over the limit of 20%"
        in err
    )
    assert "--cap-synthetic" in err and "Traceback" not in err
    assert not (root / "oa").exists()
    code, out, _ = run("export", "--format", "openai-jsonl", "--out", "oa", "--json")
    assert code == 1 and json.loads(out)["written"] is False
    code, out, err = run(
        "export", "--format", "openai-jsonl", "--out", "oa", "--cap-synthetic", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert (
        data["synthetic_share"]["train"] == 0.1818 and data["left_out"]["over_synthetic_cap"] == 1
    )


def test_a_refusal_in_json_mode_carries_the_left_out_counts(ws: tuple[Path, dict]) -> None:
    root, _ = ws
    code, _, err = run("reject", "--all")
    assert code == 0, err
    code, out, err = run("export", "--format", "openai-jsonl", "--out", "oa", "--json")
    assert code == 1 and not (root / "oa").exists()
    data = json.loads(out)
    assert data["written"] is False and data["exported"] == 0
    left = data["left_out"]
    assert left["rejected_by_review"] >= 1 and sum(left.values()) == 31
    assert "No sft record passes the export policy" in data["refused"]
    for text in (data["refused"], err):
        assert "above" not in text and "under left_out (" in text
        assert f"rejected_by_review {left['rejected_by_review']}" in text
    code, out, err = run("export", "--format", "openai-jsonl", "--out", "oa")
    assert code == 1 and "See the records left out above" in err and "Left out: " in out


def test_export_usage_errors(
    ws: tuple[Path, dict], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run("export", "--format", "nope", "--out", "x")
    assert code == 2 and "Unknown export format 'nope'" in err
    code, _, err = run("export", "--format", "alpaca", "--kind", "preference", "--out", "x")
    assert code == 2 and "holds sft records" in err
    code, _, err = run("export", "--format", "trl", "--kind", "kto", "--out", "x")
    assert code == 2 and "Unknown kind" in err
    code, _, err = run("export", "--format", "trl", "--container", "csv", "--out", "x")
    assert code == 2 and "--container jsonl or parquet" in err
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    monkeypatch.chdir(fresh)
    assert run("init")[0] == 0
    code, _, err = run("export", "--format", "trl", "--out", "x")
    assert code == 2 and "Run `curate validate` first" in err


def test_llama_factory_export_writes_dataset_info(ws: tuple[Path, dict]) -> None:
    root, _ = ws
    code, out, err = run(
        "export",
        "--format",
        "llama-factory",
        "--kind",
        "preference",
        "--out",
        "lf",
        "--name",
        "pairs",
    )
    assert code == 0, err
    info = json.loads((root / "lf" / "dataset_info.json").read_text())
    assert set(info) == {"pairs_train", "pairs_validation", "pairs_test"}
    assert (
        info["pairs_train"]["ranking"] is True and info["pairs_train"]["file_name"] == "train.json"
    )
    assert "dataset_info.json" in out
