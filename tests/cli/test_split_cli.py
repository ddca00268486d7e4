"""`curate split` through the real entry point: counts, JSON, warnings, errors, frozen test."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curate.cli.main import app


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER", "tester")
    assert run("init")[0] == 0
    rows = [
        {
            "messages": [
                {"role": "user", "content": f"How do I tune step {i} of the {cat} job?"},
                {
                    "role": "assistant",
                    "content": f"Tune step {i} by measuring it first, then change one thing.",
                },
            ],
        }
        for i, cat in enumerate(["spark", "sql", "kafka", "dbt"] * 10)
    ]
    for tag in ("spark", "sql", "kafka", "dbt"):
        part = [
            r for i, r in enumerate(rows) if i % 4 == ["spark", "sql", "kafka", "dbt"].index(tag)
        ]
        path = tmp_path / f"{tag}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in part))
        assert run("import", path.name, "--tag", f"category={tag}")[0] == 0
    return tmp_path


def test_split_json_counts_per_split_and_stratum(ws: Path) -> None:
    code, out, err = run("split", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["counts"] == {"train": 32, "validation": 4, "test": 4}
    assert set(data["strata"]) == {"spark", "sql", "kafka", "dbt"}
    for row in data["strata"].values():
        assert sum(row.values()) == 10 and row["train"] in (8, 9)
    assert data["assigned"] == 40 and data["kept"] == 0 and data["warnings"] == []


def test_split_again_keeps_assignments_and_seed_decides(ws: Path) -> None:
    first = json.loads(run("split", "--seed", "4", "--json")[1])
    assert first["kept_existing"] == 0 and first["warnings"] == []
    code, out, err = run("split", "--seed", "11", "--ratios", "0.6,0.2,0.2", "--json")
    again = json.loads(out)
    assert again["counts"] == first["counts"] and again["kept"] == 40 and again["assigned"] == 0
    assert again["kept_existing"] == 40
    assert "Warning: 40 records keep the split they already had" in err
    assert "new ratios and seed apply only to records not assigned before" in err
    code, out, err = run("split", "--seed", "11", "--ratios", "0.6,0.2,0.2")
    assert code == 0 and "Warning" not in err  # the same settings again: nothing to say
    code, out, _ = run("status", "--json")
    assert json.loads(out)["splits"] == first["counts"]


def test_split_human_output_and_warning(ws: Path) -> None:
    code, out, err = run("split", "--ratios", "0.9,0.05,0.05", "--stratify", "none")
    assert code == 0
    assert "Split 40 records" in out and "not stratified" in out and "total" in out
    assert "Warning:" in err and "5%" in err and "10%-20%" in err


def test_split_usage_errors_are_one_sentence(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run("split", "--ratios", "0.8,0.3,0.1")
    assert code == 2 and "add up to 1.2" in err and "Traceback" not in err
    monkeypatch.chdir(tmp_path / "..")
    code, _, err = run("split")
    assert code == 2 and "curate init" in err


def test_split_reshuffle_applies_new_ratios_to_train_and_validation(ws: Path) -> None:
    assert run("split", "--json")[0] == 0
    code, out, err = run("split", "--ratios", "0.7,0.2,0.1", "--reshuffle", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["counts"] == {"train": 28, "validation": 8, "test": 4}
    assert data["assigned"] == 0 and data["moved"] >= 4 and data["warnings"] == []


def test_a_tag_no_record_has_is_reported_as_no_stratification(ws: Path) -> None:
    code, out, err = run("split", "--stratify", "difficulty")
    assert code == 0, err
    assert "No record has a 'difficulty' tag, so the split is not stratified" in err
    line = " ".join(out.split())
    assert "not stratified: no record has a 'difficulty' tag" in line
    assert "stratified by" not in line
    data = json.loads(run("split", "--stratify", "difficulty", "--reshuffle", "--json")[1])
    assert data["stratify_by"] == "difficulty" and data["stratified"] is False
    assert data["not_stratified"] == "no record has a 'difficulty' tag"
    assert set(data["strata"]) == {"(none)"}
    tagged = json.loads(run("split", "--stratify", "category", "--reshuffle", "--json")[1])
    assert tagged["stratified"] is True and tagged["not_stratified"] is None
    assert "stratified by 'category'" in run("split", "--stratify", "category")[1]
