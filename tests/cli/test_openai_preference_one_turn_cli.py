"""OpenAI DPO rows hold one assistant message per side: convert, export and validate agree."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from curate.cli.main import app

runner = CliRunner()

# Anthropic HH-RLHF shape. Row 3's rejected transcript holds two assistant turns in a row.
HH_ROWS = [
    {
        "chosen": "\n\nHuman: How do I list Kafka topics?\n\nAssistant: kafka-topics.sh --list",
        "rejected": "\n\nHuman: How do I list Kafka topics?\n\nAssistant: Open the Kafka UI.",
    },
    {
        "chosen": "\n\nHuman: What does VACUUM do?\n\nAssistant: It reclaims dead row versions.",
        "rejected": "\n\nHuman: What does VACUUM do?\n\nAssistant: It deletes the table.",
    },
    {
        "chosen": "\n\nHuman: Is a Spark RDD mutable?\n\nAssistant: No; transformations return new RDDs.",
        "rejected": "\n\nHuman: Is a Spark RDD mutable?\n\nAssistant: Yes.\n\nAssistant: Edit it in place.",
    },
]
# TRL conversational DPO shape, the same defect on the chosen side
TRL_TWO_CHOSEN = {
    "prompt": [{"role": "user", "content": "Can two consumers in one group read one partition?"}],
    "chosen": [
        {"role": "assistant", "content": "No."},
        {"role": "assistant", "content": "Each partition has one consumer per group."},
    ],
    "rejected": [{"role": "assistant", "content": "Yes, they split it."}],
}


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def invoke(*args: str) -> tuple[int, dict, str]:
    result = runner.invoke(app, list(args))
    out = result.stdout
    return result.exit_code, json.loads(out) if out.strip().startswith("{") else {}, result.stderr


TRL_GOOD = [
    {
        "prompt": [{"role": "user", "content": "What does VACUUM do?"}],
        "chosen": [{"role": "assistant", "content": "It reclaims dead row versions."}],
        "rejected": [{"role": "assistant", "content": "It deletes the table."}],
    }
]


@pytest.mark.parametrize(("rows", "side"), [(HH_ROWS, "rejected"), ([*TRL_GOOD, TRL_TWO_CHOSEN], "chosen")])
def test_convert_rejects_a_side_of_two_assistant_turns(tmp_path: Path, rows: list[dict], side: str) -> None:
    src = write_jsonl(tmp_path / "pairs.jsonl", rows)
    out = tmp_path / "dpo.jsonl"
    code, data, _ = invoke("convert", str(src), "--to", "openai-preference", "-o", str(out), "--json")
    assert code == 1
    assert (data["read"], data["written"], data["rejected"]) == (len(rows), len(rows) - 1, 1)
    assert data["reasons"] == {"unsupported_in_target": 1}
    (reject,) = [orjson.loads(x) for x in Path(data["rejects_path"]).read_bytes().splitlines()]
    assert reject["line"] == len(rows)
    assert f"a {side} answer of 2 assistant turns" in reject["message"]
    for line in out.read_bytes().splitlines():
        row = orjson.loads(line)
        assert len(row["preferred_output"]) == 1 and len(row["non_preferred_output"]) == 1


def test_validate_checks_the_rejected_side(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "hh.jsonl", HH_ROWS)
    code, data, _ = invoke("validate", str(src), "--json")
    assert data["checks"].get("non_alternating_turns") == 1
    found = [f for fs in data["details"].values() for f in fs if f["code"] == "non_alternating_turns"]
    assert [f["detail"] for f in found] == ["Rejected side: Messages 2 and 3 are both assistant turns."]


def test_export_leaves_the_pair_out_as_unsupported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    monkeypatch.chdir(root)
    src = write_jsonl(root / "hh.jsonl", HH_ROWS)
    assert invoke("init")[0] == 0
    assert invoke("import", str(src))[0] == 0
    assert invoke("split", "--ratios", "0.34,0.33,0.33")[0] == 0
    code, data, err = invoke(
        "export", "--format", "openai-preference", "--out", "dpo",
        "--skip-checks", "--include-unapproved", "--json",
    )
    assert code == 1, err
    assert data["left_out"].get("unsupported_in_target") == 1
    assert sum(data["counts"].values()) == 2
    for path in (root / "dpo").glob("*.jsonl"):
        for line in path.read_bytes().splitlines():
            row = orjson.loads(line)
            assert len(row["non_preferred_output"]) == 1
