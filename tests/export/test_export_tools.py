"""Exports keep what tool calls mean: OpenAI's tool shape and ids, checked on the way out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from curate.api import read_all
from curate.export import export_workspace, plan_export, write_export
from curate.export.verify import ExportCheckFailed
from curate.formats.openai_tools import tool_shape_problems
from curate.store import CheckResult
from curate.workspace import Workspace, init_workspace

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def tool_ws(tmp_path: Path) -> Iterator[tuple[Workspace, list[Any]]]:
    """A workspace of the glaive-shaped ShareGPT sample and the OpenAI sample (ids kept),
    checked and all in train."""
    ws = init_workspace(tmp_path / "ws")
    records = [
        *read_all(SAMPLES / "sharegpt_tools.json", "sharegpt").records,
        *read_all(SAMPLES / "openai_chat.jsonl", "openai-jsonl").records,
    ]
    store = ws.store
    store.add_records(records)
    run_id = store.start_run("checks", {"rubric": "default"})
    store.put_check_results(run_id, [CheckResult(r.id, "checklist", True) for r in records])
    store.finish_run(run_id, {"verdict": "pass", "rubric": "default", "checks": {}})
    with store.run("split") as split_run:
        store.put_splits([(r.id, "train") for r in records], run_id=split_run)
    yield ws, records
    ws.close()


def rows_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_openai_jsonl_export_has_the_tool_shape_and_stable_ids(
    tool_ws: tuple[Workspace, list[Any]], tmp_path: Path
) -> None:
    ws, records = tool_ws
    first = export_workspace(ws, "openai-jsonl", tmp_path / "a")
    rows = rows_of(tmp_path / "a" / first.files["train"])
    # the parallel call answered by one observation cannot be written: left out, with why
    assert first.manifest["policy"]["left_out"] == {"unsupported_in_target": 1}
    assert any("OpenAI needs one tool message per call" in s for s in first.plan.unsupported)
    with_calls = [r for r in rows if any(m.get("tool_calls") for m in r["messages"])]
    assert len(with_calls) == 9 + 3  # glaive rows with calls (the parallel one left out) + OpenAI
    for row in rows:
        assert tool_shape_problems(row) == []
    for row in with_calls:
        msgs = row["messages"]
        for i, m in enumerate(msgs):
            for k, call in enumerate(m.get("tool_calls") or ()):
                if i + 1 + k < len(msgs):
                    assert msgs[i + 1 + k]["tool_call_id"] == call["id"]
    # the OpenAI sample's own ids are kept
    ids = {c["id"] for r in with_calls for m in r["messages"] for c in m.get("tool_calls") or ()}
    assert {"call_7Qm2sXo1", "call_Lk20dRuns", "call_Lk21dLog", "call_Cg9pay"} <= ids
    # exporting again gives the same ids, byte for byte
    second = export_workspace(ws, "openai-jsonl", tmp_path / "b")
    assert (tmp_path / "b" / second.files["train"]).read_bytes() == (
        tmp_path / "a" / first.files["train"]
    ).read_bytes()
    assert first.manifest["verification"]["train"]["rejects"] == 0


def test_trl_chat_export_has_the_tool_shape_too(
    tool_ws: tuple[Workspace, list[Any]], tmp_path: Path
) -> None:
    ws, _ = tool_ws
    result = export_workspace(ws, "trl", tmp_path / "trl")
    for row in rows_of(tmp_path / "trl" / result.files["train"]):
        assert tool_shape_problems(row) == []


def test_an_invalid_tool_shape_is_never_written(
    tool_ws: tuple[Workspace, list[Any]], tmp_path: Path
) -> None:
    ws, _ = tool_ws
    plan = plan_export(ws, "openai-jsonl")
    row = next(r for r in plan.rows["train"] if any(m["role"] == "tool" for m in r["messages"]))
    tool = next(m for m in row["messages"] if m["role"] == "tool")
    del tool["tool_call_id"]  # the reader still accepts the row; the shape check does not
    with pytest.raises(ExportCheckFailed, match="does not have OpenAI's tool shape"):
        write_export(plan, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_sharegpt_export_carries_the_ids_and_reads_them_back(
    tool_ws: tuple[Workspace, list[Any]], tmp_path: Path
) -> None:
    ws, records = tool_ws
    result = export_workspace(ws, "sharegpt", tmp_path / "sg")
    back = read_all(tmp_path / "sg" / result.files["train"], "sharegpt").records
    by_id = {r.id: r for r in back}
    # the OpenAI sample's tool rows (the glaive rows have no ids to carry)
    kept = [r for r in records if any(c.id for m in r.messages for c in m.tool_calls or ())]
    assert len(kept) == 3
    for rec in kept:
        ids = [(c.id, c.function.name) for m in rec.messages for c in m.tool_calls or ()]
        answers = [m.tool_call_id for m in rec.messages if m.role == "tool"]
        again = [r for r in back if r.messages[-1].content == rec.messages[-1].content]
        assert len(again) == 1, rec.id
        got = again[0]
        assert [(c.id, c.function.name) for m in got.messages for c in m.tool_calls or ()] == ids
        assert [m.tool_call_id for m in got.messages if m.role == "tool"] == answers
    assert by_id  # the file read back
