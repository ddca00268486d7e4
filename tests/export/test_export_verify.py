"""Exports are checked on the way out: re-read by the project's readers, the same records come back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from curate.api import read_all
from curate.export import all_targets, export_workspace, plan_export, write_export
from curate.export.verify import ExportCheckFailed, verify_file


def test_openai_jsonl_passes_the_openai_format_checks_with_the_same_ids(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    result = export_workspace(ws, "openai-jsonl", tmp_path / "oa")
    for split, entry in result.manifest["files"].items():
        back = read_all(tmp_path / "oa" / entry["path"], "openai-jsonl")
        assert back.rejects == []
        assert [r.id for r in back.records] == [r.id for r in result.plan.records[split]]
        assert result.manifest["verification"][split] == {
            "rows": entry["rows"],
            "rejects": 0,
            "identical_ids": entry["rows"],
        }


@pytest.mark.parametrize("fmt", sorted(all_targets()))
def test_every_format_reads_back_as_the_records_written(
    fmt: str, fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    kinds = all_targets()[fmt].kinds
    for kind in kinds:
        result = export_workspace(ws, fmt, tmp_path / f"{fmt}-{kind}", kind=kind)
        ver = result.manifest["verification"]
        assert set(ver) == set(result.files)
        for split in result.files:
            assert ver[split]["rows"] == len(result.plan.records[split]) > 0
            assert ver[split]["rejects"] == 0


def test_a_row_that_lost_its_content_fails_loudly_and_writes_nothing(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    plan = plan_export(ws, "openai-jsonl")
    plan.rows["train"][0]["messages"][-1]["content"] = "Something else entirely."
    with pytest.raises(ExportCheckFailed, match="does not hold the record's conversation"):
        write_export(plan, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_verify_file_catches_lost_rows_and_rows_the_reader_rejects(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    plan = plan_export(ws, "openai-jsonl")
    records, rows = plan.records["train"], plan.rows["train"]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows[:-1]))
    with pytest.raises(ExportCheckFailed, match=f"reads back as {len(rows) - 1} records"):
        verify_file(path, "openai-jsonl", records, rows)
    bad = [*rows[:-1], {"messages": [{"role": "user", "content": "no answer"}]}]
    path.write_text("".join(json.dumps(r) + "\n" for r in bad))
    with pytest.raises(ExportCheckFailed, match="example_missing_assistant_message"):
        verify_file(path, "openai-jsonl", records, rows)
    swapped = [rows[1], rows[0], *rows[2:]]
    path.write_text("".join(json.dumps(r) + "\n" for r in swapped))
    with pytest.raises(ExportCheckFailed, match="reads back differently"):
        verify_file(path, "openai-jsonl", records, rows)
