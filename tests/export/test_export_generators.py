"""Generators in the manifest and the card: what provenance records, and null where it does not."""

from __future__ import annotations

import json
from pathlib import Path

from curate.export import export_workspace
from curate.export.stats import generators
from curate.importer import import_files
from curate.records import Message, Provenance, Record
from curate.split import split_workspace
from curate.workspace import init_workspace

NOT_RECORDED = "imported as synthetic; generator not recorded"


def chat(i: int, provenance: Provenance) -> Record:
    return Record(
        messages=[
            Message(role="user", content=f"How do I size partition {i} of the orders topic?"),
            Message(role="assistant", content=f"Measure partition {i}'s throughput first."),
        ],
        provenance=provenance,
    )


def test_synthetic_records_without_a_generator_are_listed_as_null_with_a_note() -> None:
    made = Provenance(origin="synthetic", generator_provider="openai", generator_model="gpt-4.1")
    bare = Provenance(origin="synthetic")
    model_only = Provenance(origin="synthetic", generator_model="claude-sonnet-4-5")
    records = [chat(i, bare) for i in range(3)] + [chat(10, made), chat(11, model_only)]
    records.append(chat(20, Provenance(origin="real")))
    assert generators(records) == [
        {"provider": None, "model": None, "records": 3, "note": NOT_RECORDED},
        {"provider": None, "model": "claude-sonnet-4-5", "records": 1},
        {"provider": "openai", "model": "gpt-4.1", "records": 1},
    ]
    assert generators([chat(20, Provenance(origin="real"))]) == []


def test_an_imported_synthetic_file_exports_an_honest_generator_entry(tmp_path: Path) -> None:
    ws = init_workspace(tmp_path / "ws")
    ws.settings.max_synthetic_share = 1.0
    rows = [
        {"messages": [m.model_dump(exclude_none=True) for m in chat(i, Provenance()).messages]}
        for i in range(12)
    ]
    path = tmp_path / "bought.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    import_files(ws, [path], origin="synthetic")
    split_workspace(ws, seed=1)
    result = export_workspace(
        ws, "trl", tmp_path / "out", skip_checks=True, include_unapproved=True
    )
    exported = sum(result.manifest["counts"].values())
    assert result.manifest["generators"] == [
        {"provider": None, "model": None, "records": exported, "note": NOT_RECORDED}
    ]
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "unknown/unknown" not in card and "| unknown |" not in card
    assert f"| not recorded | not recorded | {exported} |" in card
    assert "imported as synthetic" in card
    ws.close()
