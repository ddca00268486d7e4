"""Won A/B items become pending preference records in the workspace and export as TRL DPO data;
ties and both-bad verdicts stay decisions."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curate.ab.abfile import ABItem, file_key, write_ab
from curate.ab.decisions import DecisionStore, decisions_path
from curate.cli.main import app as curate_app
from train.cli import app as train_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VERDICTS = ["left"] * 8 + ["right"] * 6 + ["tie", "both_bad"]


def items() -> list[ABItem]:
    return [
        ABItem(
            id=f"q{i}",
            messages=[{"role": "user", "content": f"How do I compact table {i} in Delta?"}],
            answer_a=f"Run OPTIMIZE on table {i}, then VACUUM with a safe retention.",
            answer_b=f"Delete the files of table {i} by hand.",
            seed=11,
            category="delta" if i % 2 else "spark",
            model_a={"kind": "run", "run_dir": "runs/a", "base_model": "tiny-random"},
            model_b={"kind": "endpoint", "provider": "openai", "model": "ft:gpt-4o-mini:x"},
        )
        for i in range(len(VERDICTS))
    ]


@pytest.fixture
def workspace(tmp_path: Path):
    previous = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert CliRunner().invoke(curate_app, ["init"]).exit_code == 0
        toml = tmp_path / "curate.toml"
        toml.write_text(
            toml.read_text().replace("max_synthetic_share = 0.30", "max_synthetic_share = 1.0")
        )
        yield tmp_path
    finally:
        os.chdir(previous)


def _invoke(app, *args: str) -> tuple[int, str]:  # noqa: ANN001
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_won_items_become_pending_pairs_that_export_as_dpo_data(workspace: Path) -> None:
    path = workspace / "ab.jsonl"
    ab = items()
    write_ab(path, ab)
    where = decisions_path(path)
    assert where == workspace / ".curate" / "ab.sqlite"  # inside a workspace: its own store
    store = DecisionStore(where, file_key(ab))
    winners = {}
    for item, verdict in zip(ab, VERDICTS, strict=True):
        winners[item.id] = store.record(item, verdict, "alice", "human", "s1").winner
    store.close()
    code, text = _invoke(train_app, "ab", "prefs", str(path), "--json")
    assert code == 0, text
    counts = json.loads(text)
    assert counts == {"decided": 16, "pairs": 14, "added": 14, "existing": 0, "ties_or_both_bad": 2}
    code, text = _invoke(train_app, "ab", "prefs", str(path), "--json")
    assert json.loads(text)["added"] == 0  # the same verdicts add nothing twice
    code, text = _invoke(curate_app, "status", "--json")
    status = json.loads(text)
    assert status["by_kind"] == {"preference": 14}
    assert status["by_origin"]["synthetic"] == 14
    assert status["by_review_state"]["pending"] == 14
    from curate.workspace import find_workspace

    with find_workspace(workspace) as ws:
        records = list(ws.store.iter_records())
    for record in records:
        meta = record.meta["ab"]
        won = meta["chosen_side"]
        assert won == winners[meta["item"]]
        item = next(i for i in ab if i.id == meta["item"])
        assert record.chosen[0].content == item.answer(won)
        assert record.rejected[0].content == item.answer("B" if won == "A" else "A")
        assert meta["decided_by"] == "alice" and meta["decider"] == "human"
        assert record.provenance.importer == "ab"
        assert {meta["chosen_model"]["kind"], meta["rejected_model"]["kind"]} == {"run", "endpoint"}
    assert _invoke(curate_app, "approve", "--all")[0] == 0
    assert _invoke(curate_app, "validate")[0] in (0, 1)
    assert _invoke(curate_app, "split", "--ratios", "0.5,0.25,0.25", "--seed", "3")[0] == 0
    out = workspace / "dpo"
    code, text = _invoke(
        curate_app, "export", "--format", "trl", "--kind", "preference", "--out", str(out)
    )
    assert code == 0, text
    rows = [
        json.loads(line)
        for name in ("train.jsonl", "validation.jsonl", "test.jsonl")
        if (out / name).is_file()
        for line in (out / name).read_text().splitlines()
    ]
    assert len(rows) == 14
    for row in rows:
        assert {"prompt", "chosen", "rejected"} <= set(row)
        assert row["chosen"] != row["rejected"]
