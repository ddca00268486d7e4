"""LLaMA-Factory's KTO and v1 shapes on the bundled fixtures: labels, weights, prompts and the
reason codes of rows that cannot be read or written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from curate.errors import RowError, UsageError
from curate.formats import get_format
from curate.formats.detect import detect_values
from curate.records import Message, Record
from curate.source import RecordSource

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "llama_factory"
KTO = get_format("llama-factory-kto")
V1 = get_format("llama-factory-v1")
V1_PREF = get_format("llama-factory-v1-preference")
UNPAIRED = get_format("unpaired")


def rows(name: str) -> list[Any]:
    path = SAMPLES / name
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return json.loads(path.read_text("utf-8"))


def records(name: str) -> list[Record]:
    out = list(RecordSource(SAMPLES / name))
    assert all(isinstance(r, Record) for r in out), out
    return out  # type: ignore[return-value]


def code_of(fmt: Any, row: Any) -> str:
    with pytest.raises(RowError) as info:
        fmt.parse(row)
    return info.value.code


def v1(role: str, text: str, weight: Any = None, **part: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": role, "content": [{"type": "text", "value": text, **part}]}
    if weight is not None:
        msg["loss_weight"] = weight
    return msg


# --- KTO ----------------------------------------------------------------------------------


def test_kto_fixture_keeps_every_label_and_splits_prompt_from_completion() -> None:
    source = rows("kto_messages.json")
    recs = records("kto_messages.json")
    assert [r.provenance.source_format for r in recs] == ["llama-factory-kto"] * 6
    assert [r.label for r in recs] == [row["label"] for row in source]
    assert [r.label for r in recs] == [True, False, True, False, True, False]
    assert all(r.kind == "unpaired" for r in recs)
    multi = recs[5]
    # prompt = every turn before the last assistant turn (earlier answers included)
    assert [m.role for m in multi.prompt_messages()] == ["user", "assistant", "user"]
    assert [m.content for m in multi.answer_messages()] == ["Never; repartition is deprecated."]
    assert multi.meta["category"] == "spark"
    out = UNPAIRED.render(multi)
    assert out["label"] is False
    assert out["completion"] == [{"role": "assistant", "content": "Never; repartition is deprecated."}]


def test_kto_sharegpt_variant_reads_kto_tag_and_writes_it_back() -> None:
    source = rows("kto_sharegpt.json")
    recs = records("kto_sharegpt.json")
    assert [r.label for r in recs] == [True, False, True, False]
    assert recs[2].messages[0].role == "system"
    assert [KTO.render(r) for r in recs] == source


def test_kto_alpaca_variant_is_not_read_as_sft() -> None:
    source = rows("kto_alpaca.json")
    assert detect_values(source).format == "llama-factory-kto"
    recs = records("kto_alpaca.json")
    assert [r.label for r in recs] == [True, False, True, False]
    assert recs[2].messages[0].content.endswith("\n\nSELECT * FROM orders WHERE customer_id IN "
                                                 "(SELECT id FROM customers WHERE country = 'NL')")
    assert [KTO.render(r) for r in recs] == source
    assert UNPAIRED.render(recs[1])["label"] is False


def test_an_undesirable_kto_row_never_becomes_an_sft_target() -> None:
    bad = records("kto_messages.json")[1]
    for name in ("openai-jsonl", "sharegpt", "alpaca", "llama-factory-v1"):
        with pytest.raises(RowError) as info:
            get_format(name).render(bad)
        assert info.value.code == "unsupported_in_target", name


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
          "label": "false"}, "invalid_label"),
        ({"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}],
          "kto_tag": 1}, "invalid_label"),
        ({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
         "missing_field"),
        ({"messages": [{"role": "user", "content": "q"}, {"role": "user", "content": "q"}],
          "label": True}, "non_alternating_turns"),
        ({"messages": [], "label": True}, "missing_messages_list"),
    ],
)
def test_bad_kto_rows_get_their_reason_code(row: Any, code: str) -> None:
    assert code_of(KTO, row) == code


def test_sft_and_preference_records_are_not_written_as_kto() -> None:
    sft = Record(messages=[Message(role="user", content="q"), Message(role="assistant", content="a")])
    pair = Record(
        kind="preference",
        messages=[Message(role="user", content="q")],
        chosen=[Message(role="assistant", content="a")],
        rejected=[Message(role="assistant", content="b")],
    )
    for rec in (sft, pair):
        with pytest.raises(RowError) as info:
            KTO.render(rec)
        assert info.value.code == "unsupported_in_target"
    labelled = sft.model_copy(update={"kind": "unpaired", "label": False})
    assert KTO.render(labelled) == {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "label": False,
    }


# --- v1 SFT -------------------------------------------------------------------------------


def test_v1_fixture_maps_loss_weights_and_joins_text_parts() -> None:
    recs = records("v1_sft.jsonl")
    assert [r.provenance.source_format for r in recs] == ["llama-factory-v1"] * 5
    assert all(r.kind == "sft" for r in recs)
    # the defaults (user 0, assistant 1) are left unset; a wrong earlier answer keeps weight 0
    assert [m.weight for m in recs[0].messages] == [None, None]
    assert [(m.role, m.weight) for m in recs[2].messages] == [
        ("user", None), ("assistant", 0), ("user", None), ("assistant", None),
    ]
    assert recs[1].messages[0].role == "system"
    assert recs[3].messages[1].content == "Event time and processing time."
    assert recs[4].tools and recs[4].tools[0]["function"]["name"] == "describe_table"
    assert recs[0].meta == {"extra_info": "data-modelling"}
    # written back: one text part per message, loss_weight always present
    again = V1.render(recs[2])
    assert [m["loss_weight"] for m in again["messages"]] == [0.0, 0.0, 0.0, 1.0]
    assert V1.render(recs[0]) == rows("v1_sft.jsonl")[0]


def test_v1_weights_reach_openai_as_weight() -> None:
    rec = records("v1_sft.jsonl")[2]
    out = get_format("openai-jsonl").render(rec)
    assert out["messages"][1] == {"role": "assistant", "content": "Yes.", "weight": 0}


@pytest.mark.parametrize(
    ("message", "code"),
    [
        (v1("assistant", "a", 0.5), "unsupported_weight"),
        (v1("assistant", "a", 2), "unsupported_weight"),
        (v1("assistant", "a", True), "data_type"),
        (v1("assistant", "a", "1.0"), "data_type"),
        ({"role": "assistant", "content": [{"type": "image_url", "value": "cat.png"}]},
         "unsupported_content"),
        ({"role": "assistant", "content": [{"type": "text", "value": "Look:"},
                                           {"type": "video_url", "value": "a.mp4"}]},
         "unsupported_content"),
        ({"role": "assistant", "content": [{"type": "reasoning", "value": "hmm"},
                                           {"type": "text", "value": "a"}]},
         "unsupported_content"),
        ({"role": "assistant", "content": "a plain string"}, "data_type"),
        ({"role": "assistant", "content": [{"value": "a"}]}, "data_type"),
        ({"role": "assistant", "content": [{"type": "text", "value": 3}]}, "data_type"),
        ({"role": "assistant", "content": [{"type": "text", "value": "a", "lang": "en"}]},
         "message_unrecognized_key"),
        ({**v1("assistant", "a", 1.0), "weight": 1}, "message_unrecognized_key"),
        ({"role": "bot", "content": [{"type": "text", "value": "a"}]}, "unrecognized_role"),
        ({"content": [{"type": "text", "value": "a"}]}, "message_missing_key"),
        (v1("assistant", "  ", 1.0), "missing_content"),
    ],
)
def test_bad_v1_messages_get_their_reason_code(message: dict[str, Any], code: str) -> None:
    row = {"messages": [v1("user", "q", 0.0), message]}
    assert code_of(V1, row) == code


def test_v1_rows_without_an_answer_are_rejected() -> None:
    assert code_of(V1, {"messages": [v1("user", "q", 0.0)]}) == "example_missing_assistant_message"
    assert code_of(V1, {"messages": []}) == "missing_messages_list"
    ok = [v1("user", "q"), v1("assistant", "a")]
    assert code_of(V1, {"messages": ok, "tools": [1]}) == "data_type"
    assert code_of(V1, {"messages": ok, "tools": "not json"}) == "data_type"


def test_v1_writer_refuses_what_text_parts_cannot_hold() -> None:
    rec = get_format("openai-jsonl").parse(
        {
            "messages": [
                {"role": "user", "content": "List the tables."},
                {"role": "assistant", "content": None,
                 "tool_calls": [{"id": "c1", "type": "function",
                                 "function": {"name": "list_tables", "arguments": "{}"}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "orders, users"},
                {"role": "assistant", "content": "orders and users."},
            ]
        }
    )
    with pytest.raises(RowError) as info:
        V1.render(rec)
    assert info.value.code == "unsupported_in_target"


# --- v1 DPO -------------------------------------------------------------------------------


def test_v1_dpo_fixture_finds_the_shared_prompt() -> None:
    recs = records("v1_dpo.jsonl")
    assert [r.provenance.source_format for r in recs] == ["llama-factory-v1-preference"] * 3
    first, with_system, multi = recs
    assert [m.content for m in first.messages] == [
        "How do I delete all rows of a big Postgres table quickly?"
    ]
    assert first.chosen and first.chosen[0].content.startswith("TRUNCATE")
    assert first.rejected and first.rejected[0].content.startswith("DELETE")
    assert [m.role for m in with_system.messages] == ["system", "user"]
    assert [m.role for m in multi.messages] == ["user", "assistant", "user"]
    assert multi.rejected and multi.rejected[0].content == "To save disk space."
    assert [V1_PREF.render(r) for r in recs] == rows("v1_dpo.jsonl")


def test_v1_dpo_pairs_convert_to_trl() -> None:
    rec = records("v1_dpo.jsonl")[2]
    row = get_format("trl-preference").render(rec)
    assert row["chosen"] == [
        {"role": "assistant", "content": "Fewer joins for analytical queries, at the cost of some redundancy."}
    ]
    assert [m["role"] for m in row["prompt"]] == ["user", "assistant", "user"]


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ({"chosen_messages": [v1("user", "q", 0.0), v1("assistant", "a", 1.0)]}, "missing_field"),
        ({"chosen_messages": [v1("user", "q", 0.0), v1("assistant", "a", 1.0)],
          "rejected_messages": None}, "missing_content"),
        ({"chosen_messages": [v1("user", "q", 0.0), v1("assistant", "a", 1.0)],
          "rejected_messages": [v1("user", "q", 0.0), v1("assistant", "a", 1.0)]},
         "invalid_preference"),
        ({"chosen_messages": [v1("user", "q", 0.0), v1("assistant", "a", 1.0)],
          "rejected_messages": [v1("user", "other", 0.0), v1("assistant", "b", 1.0)]},
         "invalid_preference"),
        ({"chosen_messages": [v1("user", "q", 0.0), v1("assistant", "a", 1.0)],
          "rejected_messages": [v1("user", "q", 0.0),
                                {"role": "assistant", "content": [{"type": "image_url", "value": "x"}]}]},
         "unsupported_content"),
        ({"chosen_messages": [v1("user", "q", 0.0), v1("assistant", "a", 0.3)],
          "rejected_messages": [v1("user", "q", 0.0), v1("assistant", "b", 1.0)]},
         "unsupported_weight"),
        ({"chosen_messages": [v1("user", "q", 0.0), v1("assistant", "a", 1.0)],
          "rejected_messages": [v1("user", "q", 0.0), v1("user", "b", 0.0)]},
         "example_missing_assistant_message"),
    ],
)
def test_bad_v1_pairs_get_their_reason_code(row: Any, code: str) -> None:
    assert code_of(V1_PREF, row) == code


def test_a_bad_v1_pair_names_the_side() -> None:
    row = {
        "chosen_messages": [v1("user", "q", 0.0), v1("assistant", "a", 1.0)],
        "rejected_messages": [v1("user", "q", 0.0), v1("assistant", "b", 0.5)],
    }
    with pytest.raises(RowError) as info:
        V1_PREF.parse(row)
    assert info.value.message.startswith("In 'rejected_messages': Message 1")


# --- shapes that are not data -------------------------------------------------------------


def test_seed_tasks_fail_detection_with_a_sentence_naming_the_shape() -> None:
    detection = detect_values(rows("seed_tasks.jsonl"))
    assert detection.format is None and detection.confidence == 0.0
    with pytest.raises(UsageError) as info:
        RecordSource(SAMPLES / "seed_tasks.jsonl")
    assert "no known format; the rows look like self-instruct seed tasks" in info.value.message
    assert info.value.exit_code == 2


def test_a_dataset_registry_names_the_files_to_convert() -> None:
    with pytest.raises(UsageError) as info:
        RecordSource(SAMPLES / "dataset_info.json")
    assert info.value.message.endswith(
        "this is a LLaMA-Factory dataset registry (dataset_info.json), not data; convert the "
        "files it names: kto_messages.json, kto_sharegpt.json, ../alpaca.json."
    )
