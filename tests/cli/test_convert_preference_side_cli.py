"""`curate convert` from preference pairs and KTO rows to SFT formats: no answer lost unreported."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from curate.cli.main import app
from curate.formats import all_formats
from curate.formats.common import PREFERENCE_TO_SFT

runner = CliRunner()

QUESTIONS = [
    ("How do I list Kafka topics?", "kafka-topics.sh --bootstrap-server localhost:9092 --list",
     "Open the Kafka UI."),
    ("What does VACUUM do in Postgres?", "It reclaims space held by dead row versions.",
     "It deletes the table."),
    ("Is a Spark RDD mutable?", "No; transformations return new RDDs.", "Yes, you edit it in place."),
]


def hh_rows() -> list[dict[str, str]]:
    """Anthropic HH-RLHF shape: whole transcripts for both sides."""
    return [
        {"chosen": f"\n\nHuman: {q}\n\nAssistant: {good}", "rejected": f"\n\nHuman: {q}\n\nAssistant: {bad}"}
        for q, good, bad in QUESTIONS
    ]


def trl_rows() -> list[dict[str, object]]:
    """TRL conversational DPO shape: prompt, chosen and rejected message lists."""
    return [
        {
            "prompt": [{"role": "user", "content": q}],
            "chosen": [{"role": "assistant", "content": good}],
            "rejected": [{"role": "assistant", "content": bad}],
        }
        for q, good, bad in QUESTIONS
    ]


def llama_factory_rows() -> list[dict[str, object]]:
    """LLaMA-Factory ranking (ShareGPT preference) shape."""
    return [
        {
            "conversations": [{"from": "human", "value": q}],
            "chosen": {"from": "gpt", "value": good},
            "rejected": {"from": "gpt", "value": bad},
        }
        for q, good, bad in QUESTIONS
    ]


SOURCES = {"hh": hh_rows, "trl": trl_rows, "llama-factory": llama_factory_rows}
# every format that writes SFT rows and no pairs (alpaca, openai-jsonl, sharegpt, completion, ...)
SFT_TARGETS = {
    name: "jsonl" if name in ("openai-jsonl", "completion") else "json"
    for name, fmt in all_formats().items()
    if "sft" in fmt.kinds and "preference" not in fmt.kinds
}


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return path


def convert(*args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["convert", *args, "--json"])
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("target", sorted(SFT_TARGETS))
def test_pairs_to_sft_are_rejected_by_default(tmp_path: Path, source: str, target: str) -> None:
    src = write_jsonl(tmp_path / "pairs.jsonl", SOURCES[source]())
    out = tmp_path / f"out.{SFT_TARGETS[target]}"
    code, data = convert(str(src), "--to", target, "-o", str(out))
    assert code == 1
    assert (data["read"], data["written"], data["rejected"]) == (3, 0, 3)
    assert data["reasons"] == {"unsupported_in_target": 3}
    assert data["dropped_rejected"] == 0 and data["preference_side"] is None
    rejects = [orjson.loads(line) for line in Path(data["rejects_path"]).read_bytes().splitlines()]
    assert {r["message"] for r in rejects} == {PREFERENCE_TO_SFT}


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("target", sorted(SFT_TARGETS))
def test_preference_side_chosen_keeps_the_chosen_answer_and_counts_the_drop(
    tmp_path: Path, source: str, target: str
) -> None:
    src = write_jsonl(tmp_path / "pairs.jsonl", SOURCES[source]())
    out = tmp_path / f"out.{SFT_TARGETS[target]}"
    code, data = convert(str(src), "--to", target, "-o", str(out), "--preference-side", "chosen")
    assert code == 0
    assert (data["read"], data["written"], data["rejected"]) == (3, 3, 0)
    assert data["preference_side"] == "chosen" and data["dropped_rejected"] == 3
    text = out.read_text()
    for _, good, bad in QUESTIONS:
        assert json.dumps(good)[1:-1] in text and json.dumps(bad)[1:-1] not in text


def test_every_plain_sft_writer_is_covered() -> None:
    assert {"alpaca", "openai-jsonl", "sharegpt", "completion"} <= set(SFT_TARGETS)


def test_the_summary_line_states_the_dropped_answers(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "hh.jsonl", hh_rows())
    result = runner.invoke(
        app, ["convert", str(src), "--to", "openai-jsonl", "-o", str(tmp_path / "o.jsonl"),
              "--preference-side", "chosen"],
    )
    assert result.exit_code == 0
    assert "read 3 = written 3 + rejected 0" in result.stdout
    assert "3 rejected answers dropped (--preference-side chosen)" in result.stdout


def test_preference_targets_ignore_the_option(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "hh.jsonl", hh_rows())
    code, data = convert(
        str(src), "--to", "trl-preference", "-o", str(tmp_path / "o.jsonl"), "--preference-side", "chosen"
    )
    assert code == 0 and (data["written"], data["dropped_rejected"]) == (3, 0)


@pytest.mark.parametrize(("side", "words"), [("rejected", "worse answer"), ("both", "Unknown preference side")])
def test_other_sides_are_usage_errors(tmp_path: Path, side: str, words: str) -> None:
    src = write_jsonl(tmp_path / "hh.jsonl", hh_rows())
    out = tmp_path / "o.json"
    result = runner.invoke(app, ["convert", str(src), "--to", "alpaca", "-o", str(out), "--preference-side", side])
    assert result.exit_code == 2
    assert words in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("target", sorted(SFT_TARGETS))
@pytest.mark.parametrize("option", [[], ["--preference-side", "chosen"]])
def test_undesirable_kto_rows_never_become_sft_targets(tmp_path: Path, target: str, option: list[str]) -> None:
    rows = [{"prompt": q, "completion": good, "label": True} for q, good, _ in QUESTIONS]
    rows += [{"prompt": q, "completion": bad, "label": False} for q, _, bad in QUESTIONS[:2]]
    src = write_jsonl(tmp_path / "kto.jsonl", rows)
    out = tmp_path / f"out.{SFT_TARGETS[target]}"
    code, data = convert(str(src), "--from", "unpaired", "--to", target, "-o", str(out), *option)
    assert code == 1
    assert (data["read"], data["written"], data["rejected"]) == (5, 3, 2)
    assert data["reasons"] == {"unsupported_in_target": 2}
    assert data["dropped_rejected"] == 0
    text = out.read_text()
    assert all(json.dumps(bad)[1:-1] not in text for _, _, bad in QUESTIONS)
