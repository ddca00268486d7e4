"""Answers to records: what parses, why the rest fails, what a record carries."""

from __future__ import annotations

import json

import pytest

from curate.synth.parse import (
    FAILURES,
    Answer,
    PairOutput,
    ParseFailure,
    PreferenceOutput,
    SftOutput,
    extract_json,
    parse_output,
    to_record,
)
from curate.synth.plan import Plan
from curate.synth.template import load_template

SFT = json.dumps({"prompt": "How?", "answer": "Like this."})


@pytest.mark.parametrize(
    "text",
    [SFT, f"```json\n{SFT}\n```", f"Here you go:\n{SFT}\nEnjoy.", f"  {SFT}  "],
    ids=["plain", "fenced", "wrapped", "spaced"],
)
def test_accepted_shapes(text: str) -> None:
    out = parse_output("sft", text)
    assert isinstance(out, SftOutput) and (out.prompt, out.answer) == ("How?", "Like this.")


@pytest.mark.parametrize(
    ("kind", "text", "stop", "code"),
    [
        ("sft", SFT, "max_tokens", "truncated"),
        ("sft", SFT, "length", "truncated"),
        ("sft", "", "stop", "refusal"),
        ("sft", "   ", "refusal", "refusal"),
        ("sft", "Sure, here is an example.", None, "not_json"),
        ("sft", "[1, 2]", None, "not_json"),
        ("sft", json.dumps({"prompt": "How?"}), None, "wrong_structure"),
        ("sft", json.dumps({"prompt": "How?", "answer": 3}), None, "wrong_structure"),
        ("sft", json.dumps({"prompt": "How?", "answer": "  "}), None, "empty_field"),
        (
            "preference",
            json.dumps({"prompt": "p", "chosen": "same", "rejected": "same", "flaw_note": ""}),
            None,
            "same_answers",
        ),
        ("pairs", json.dumps({"flaw_note": "x"}), None, "wrong_structure"),
    ],
)
def test_failures_have_codes(kind: str, text: str, stop: str | None, code: str) -> None:
    with pytest.raises(ParseFailure) as info:
        parse_output(kind, text, stop)
    assert info.value.code == code and code in FAILURES


def test_extra_fields_are_ignored_and_notes_optional() -> None:
    out = parse_output("pairs", json.dumps({"rejected": "worse", "extra": 1}))
    assert isinstance(out, PairOutput) and out.flaw_note == ""
    pref = parse_output(
        "preference", json.dumps({"prompt": "p", "chosen": "a", "rejected": "b", "flaw_note": "n"})
    )
    assert isinstance(pref, PreferenceOutput)


def test_extract_json_prefers_the_whole_text() -> None:
    assert extract_json('{"a": "{b}"}') == {"a": "{b}"}
    with pytest.raises(ParseFailure):
        extract_json("{not json}")


def test_record_carries_provenance_tags_and_meta() -> None:
    plan = Plan("openai", "gpt-x", "sft", load_template(None, "sft"), topic="Kafka ops")
    item = plan.item(4)
    answer = Answer(
        item.key, "openai", "gpt-x-2025", plan.template.label, "req_1", "2026-11-28T00:00:00+00:00"
    )
    record = to_record(plan, item, parse_output("sft", SFT), answer)
    p = record.provenance
    assert (p.origin, p.generator_provider, p.generator_model) == (
        "synthetic",
        "openai",
        "gpt-x-2025",
    )
    assert (p.prompt_hash, p.request_id, p.template) == (item.key, "req_1", plan.template.label)
    assert record.tags == {"difficulty": "intermediate", "category": "Kafka ops"}
    assert record.meta["synth_angle"] == item.meta["angle"]
    assert [m.role for m in record.messages] == ["user", "assistant"]
