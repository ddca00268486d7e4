"""Format detection over many rows: votes, confidence, mixed files, unknown rows."""

from __future__ import annotations

from typing import Any

from curate.errors import RowError
from curate.formats import all_formats
from curate.formats.detect import Detection, best_format, detect_stream, detect_values
from curate.io.rows import Row

CHAT = {
    "messages": [
        {"role": "user", "content": "What is a Kafka partition?"},
        {"role": "assistant", "content": "An ordered, append-only slice of a topic."},
    ]
}
ALPACA = {"instruction": "Explain Spark shuffles.", "input": "", "output": "Data moves between executors."}
SHAREGPT = {
    "conversations": [
        {"from": "human", "value": "What does Airflow's scheduler do?"},
        {"from": "gpt", "value": "It triggers task instances whose dependencies are met."},
    ]
}
COMPLETION = {"prompt": "SELECT 1 returns", "completion": " one row."}
TRL = {"prompt": "Best join for a small table?", "chosen": "Broadcast it.", "rejected": "Shuffle it."}
HH = {
    "chosen": "\n\nHuman: What is dbt?\n\nAssistant: A SQL transformation tool.",
    "rejected": "\n\nHuman: What is dbt?\n\nAssistant: A database.",
}
UNPAIRED = {"prompt": "What is a CTE?", "completion": "A named subquery.", "label": True}
OPENAI_PREF = {
    "input": {"messages": [{"role": "user", "content": "Define idempotent."}]},
    "preferred_output": [{"role": "assistant", "content": "Same result when run twice."}],
    "non_preferred_output": [{"role": "assistant", "content": "Fast."}],
}
SHAREGPT_PREF = {
    "conversations": [{"from": "human", "value": "Name a Kafka guarantee."}],
    "chosen": {"from": "gpt", "value": "Ordering within a partition."},
    "rejected": {"from": "gpt", "value": "Global ordering."},
}
KTO = {**CHAT, "label": False}
KTO_SHAREGPT = {**SHAREGPT, "kto_tag": True}


def v1(role: str, text: str, weight: float) -> dict[str, Any]:
    return {"role": role, "content": [{"type": "text", "value": text}], "loss_weight": weight}


V1 = {"messages": [v1("user", "What is a Kafka offset?", 0.0), v1("assistant", "A position.", 1.0)]}
V1_PREF = {
    "chosen_messages": [v1("user", "Truncate or delete?", 0.0), v1("assistant", "Truncate.", 1.0)],
    "rejected_messages": [v1("user", "Truncate or delete?", 0.0), v1("assistant", "Drop.", 1.0)],
}
EXAMPLES = {
    "llama-factory-kto": KTO,
    "llama-factory-v1": V1,
    "llama-factory-v1-preference": V1_PREF,
    "openai-jsonl": CHAT,
    "alpaca": ALPACA,
    "sharegpt": SHAREGPT,
    "completion": COMPLETION,
    "trl-preference": TRL,
    "hh-transcript": HH,
    "unpaired": UNPAIRED,
    "openai-preference": OPENAI_PREF,
    "sharegpt-preference": SHAREGPT_PREF,
}


def test_every_format_is_detected_from_its_own_rows() -> None:
    assert set(EXAMPLES) == set(all_formats())
    for name, row in EXAMPLES.items():
        detection = detect_values([row] * 5)
        assert (detection.format, detection.confidence) == (name, 1.0), name
        assert not detection.is_mixed and not detection.low_confidence


def test_detection_votes_over_all_sampled_rows_not_the_first() -> None:
    detection = detect_values([ALPACA] + [CHAT] * 9)
    assert detection.format == "openai-jsonl"
    assert detection.confidence == 0.9
    assert detection.mixed == {"openai-jsonl": 9, "alpaca": 1}
    assert detection.sampled == 10
    assert detection.is_mixed
    assert any("mixes formats" in w for w in detection.warnings())


def test_low_confidence_and_unknown_rows_are_reported() -> None:
    detection = detect_values([CHAT] * 6 + [{"foo": 1}] * 3 + [42])
    assert detection.format == "openai-jsonl"
    assert detection.unknown == 4
    assert detection.confidence == 0.6
    assert detection.low_confidence
    warnings = " ".join(detection.warnings())
    assert "--from" in warnings and "match no known format" in warnings


def test_no_rows_or_no_matching_rows_detect_nothing() -> None:
    assert detect_values([]) == Detection(None, 0.0, {}, 0, 0)
    nothing = detect_values([{"x": 1}, "text", None])
    assert nothing.format is None and nothing.unknown == 3 and nothing.sampled == 3


def test_a_scorer_that_raises_does_not_vote() -> None:
    class Broken:
        name = "broken"

        def score(self, row: Any) -> float:
            raise KeyError("oops")

    assert best_format(CHAT, [Broken(), all_formats()["openai-jsonl"]]) == "openai-jsonl"


def test_detect_stream_samples_the_head_and_loses_no_row() -> None:
    stream = [Row(i, CHAT, "raw") for i in range(1, 8)]
    stream.insert(2, Row(99, RowError("invalid_json", "Line 99 is not valid JSON."), "bad"))
    detection, rows = detect_stream(iter(stream), sample=3)
    assert detection.sampled == 3 and detection.format == "openai-jsonl"
    assert [r.number for r in rows] == [1, 2, 99, 3, 4, 5, 6, 7]


def test_to_dict_has_the_reported_fields() -> None:
    data = detect_values([CHAT, ALPACA]).to_dict()
    assert set(data) == {
        "format", "confidence", "mixed", "sampled", "unknown", "is_mixed", "low_confidence",
        "failed", "failures", "checked", "reason",
    }


# --- shapes that look like a format but are not, and rows that do not parse -----------------


def test_kto_rows_are_not_read_as_sft_chats() -> None:
    for row in (KTO, KTO_SHAREGPT, {**CHAT, "label": True}, {**ALPACA, "kto_tag": False}):
        assert detect_values([row] * 4).format == "llama-factory-kto"
    # a non-boolean "label" beside a chat is a category, not a KTO label
    assert detect_values([{**CHAT, "label": "spark"}] * 4).format == "openai-jsonl"


def test_rows_that_fail_to_parse_lower_the_confidence() -> None:
    broken = {"instruction": "Explain Spark shuffles.", "input": "", "output": ""}
    detection = detect_values([ALPACA] * 6 + [broken] * 4)
    assert detection.format == "alpaca"
    assert detection.confidence == 0.6
    assert (detection.failed, detection.failures) == (4, {"missing_content": 4})
    assert detection.low_confidence
    warnings = " ".join(detection.warnings())
    assert "4 of 10 checked rows look like alpaca but do not parse" in warnings


def test_a_bounded_spread_of_the_votes_is_parsed_and_its_failure_rate_counts() -> None:
    broken = {"instruction": "Explain Spark shuffles.", "input": "", "output": ""}
    detection = detect_values([ALPACA, broken] * 300)
    assert detection.format == "alpaca" and detection.checked == 200
    assert detection.failed == 100 and detection.confidence == 0.5


SEED_TASK = {
    "id": "seed_task_0",
    "name": "breakfast_suggestion",
    "instruction": "Is there anything I can eat for a breakfast that doesn't include eggs?",
    "instances": [{"input": "", "output": "Yes, oatmeal with fruit."}],
    "is_classification": False,
}


def test_seed_tasks_are_no_format_and_say_what_they_look_like() -> None:
    detection = detect_values([SEED_TASK] * 5)
    assert detection.format is None and detection.confidence == 0.0
    assert detection.mixed == {"alpaca": 5} and detection.failures == {"missing_field": 5}
    assert detection.reason is not None
    sentence, fix = detection.reason
    assert sentence.startswith("no known format; the rows look like self-instruct seed tasks")
    assert "`instances`" in sentence and fix and "alpaca" in fix


def test_rows_that_only_look_like_a_format_fail_detection_with_the_reason() -> None:
    detection = detect_values([{"instruction": "Explain Spark.", "output": None}] * 3)
    assert detection.format is None and detection.reason is not None
    sentence, fix = detection.reason
    assert "look most like alpaca" in sentence and "missing_content" in sentence
    assert fix and "--from alpaca" in fix


def test_a_llama_factory_dataset_registry_is_named_as_such() -> None:
    registry = {
        "kto_en_demo": {
            "file_name": "kto_en_demo.json",
            "formatting": "sharegpt",
            "columns": {"messages": "messages", "kto_tag": "label"},
        },
        "alpaca_en_demo": {"file_name": "alpaca_en_demo.json"},
        "ultrachat_200k": {"hf_hub_url": "HuggingFaceH4/ultrachat_200k", "formatting": "sharegpt"},
    }
    detection = detect_values([registry])
    assert detection.format is None and detection.reason is not None
    assert detection.reason[0] == (
        "this is a LLaMA-Factory dataset registry (dataset_info.json), not data; convert the "
        "files it names: kto_en_demo.json, alpaca_en_demo.json"
    )
