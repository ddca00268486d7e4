"""Counts that add up: `curate import` tells in-file duplicate rows from records already in
the workspace; status, dedupe and validate report what the import stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curate.cli.main import app

runner = CliRunner()

TOPICS = ["Kafka", "Postgres", "Spark", "Airflow", "dbt"]


def alpaca_rows() -> tuple[list[dict[str, str]], int, int, int]:
    """An alpaca JSON array with exact duplicate rows inside it (as scraped instruction sets
    often have) and rows that cannot be read. Returns rows, unique, duplicate and bad counts."""
    unique = [
        {
            "instruction": f"Give one tip for tuning {topic} ({n}).",
            "input": "",
            "output": f"Tip {n} for {topic}: measure before you change a setting.",
        }
        for topic in TOPICS
        for n in range(4)
    ]
    dupes = [dict(unique[i]) for i in (0, 0, 3, 7, 7, 7)]  # copies of rows read earlier
    bad = [{"instruction": "What is a Kafka topic?", "input": "", "output": ""}, {"input": "x"}]
    return unique[:10] + dupes[:3] + unique[10:] + dupes[3:] + bad, len(unique), len(dupes), len(bad)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    monkeypatch.chdir(root)
    assert invoke("init")[0] == 0
    return root


def test_first_import_reports_in_file_duplicates_not_existing_records(ws: Path) -> None:
    rows, unique, dupes, bad = alpaca_rows()
    (ws / "train.json").write_text(json.dumps(rows, indent=1))
    code, out, _ = invoke("import", "train.json", "--json")
    assert code == 1  # two rows rejected
    data = json.loads(out)
    counts = {k: data[k] for k in ("read", "added", "duplicates", "existing", "rejected")}
    assert counts == {"read": len(rows), "added": unique, "duplicates": dupes, "existing": 0, "rejected": bad}
    assert data["read"] == data["added"] + data["duplicates"] + data["existing"] + data["rejected"]
    assert data["files"][0]["duplicates"] == dupes

    status = json.loads(invoke("status", "--json")[1])
    assert status["records"] == unique and status["rejects"]["total"] == bad
    assert status["imports"]["identical_rows"] == dupes
    assert f"identical rows: {dupes} rows read from files" in invoke("status")[1]
    dedupe = json.loads(invoke("dedupe", "--exact-only", "--json")[1])
    assert dedupe["identical_rows"] == dupes


def test_the_rich_summary_names_both_counts(ws: Path) -> None:
    rows, unique, dupes, bad = alpaca_rows()
    (ws / "train.json").write_text(json.dumps(rows))
    out = invoke("import", "train.json")[1]
    assert (
        f"read {len(rows)} = added {unique} + duplicate rows in the files {dupes} + "
        f"already in the workspace 0 + rejected {bad}"
    ) in " ".join(out.split())
    assert f"duplicate rows in the files: {dupes}" in out
    # importing the same file again: every record was there before the import
    again = json.loads(invoke("import", "train.json", "--json")[1])
    assert (again["added"], again["duplicates"], again["existing"]) == (0, 0, unique + dupes)


def test_workspace_validate_reports_the_stored_rejects(ws: Path) -> None:
    rows, unique, _, bad = alpaca_rows()
    (ws / "train.json").write_text(json.dumps(rows))
    invoke("import", "train.json")
    code, out, err = invoke("validate", "--json")
    assert code in (0, 1), err
    counts = json.loads(out)["counts"]
    assert counts["records"] == unique
    assert counts["rejects"] == bad and counts["total"] == unique + bad
    assert counts["rejects_scored"] is False
    human = invoke("validate")[1]
    assert f"{unique} records + {bad} rejected rows (stored at import" in " ".join(human.split())
