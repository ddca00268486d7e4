"""The preference formats together: lossless pairs, format scores, garbage rows."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from curate.errors import RowError
from curate.formats import get_format
from curate.records import Message, Record

try:
    from . import preference_strategies as S
except ImportError:
    import preference_strategies as S  # type: ignore[no-redef]

TRL = get_format("trl-preference")
OPENAI = get_format("openai-preference")
SHAREGPT = get_format("sharegpt-preference")
HH = get_format("hh-transcript")
PREFERENCE = (TRL, OPENAI, SHAREGPT, HH)
CHAT_PAIR = (TRL, OPENAI, SHAREGPT)


@settings(max_examples=100, deadline=None)
@given(S.plain_pair_record())
def test_plain_chat_pairs_cross_the_chat_formats_losslessly(record: Record) -> None:
    # trl conversational -> openai-preference -> sharegpt-preference -> trl, and every record on the way.
    start = TRL.render(record)
    rec = TRL.parse(start)
    assert rec.id == record.id
    for fmt in (OPENAI, SHAREGPT, TRL, SHAREGPT, OPENAI, TRL):
        rec = fmt.parse(fmt.render(rec))
        assert rec.id == record.id
    assert TRL.render(rec) == start


@settings(max_examples=100, deadline=None)
@given(S.plain_pair_record(S.hh_text))
def test_hh_rows_survive_trl_conversational(record: Record) -> None:
    assume(not (record.messages[0].content or "").lstrip().startswith(("Human:", "Assistant:")))
    row = HH.render(record)
    via_trl = TRL.parse(TRL.render(HH.parse(row)))
    assert isinstance(TRL.render(via_trl)["prompt"], list)
    assert HH.render(via_trl) == row and via_trl.id == record.id


def test_an_hh_row_through_trl_comes_back_byte_identical() -> None:
    row = {
        "chosen": "\n\nHuman: Is Kafka a database?\n\nAssistant: It is a log; some use it as one.",
        "rejected": "\n\nHuman: Is Kafka a database?\n\nAssistant: Yes.",
        "id": "hh-17",
    }
    assert HH.render(TRL.parse(TRL.render(HH.parse(row)))) == row


def test_text_pairs_become_chats_in_chat_formats() -> None:
    rec = TRL.parse({"prompt": "2 + 2 =", "chosen": " 4", "rejected": " 5"})
    back = TRL.parse(TRL.render(OPENAI.parse(OPENAI.render(rec))))
    assert not back.text and back.chosen[0].content == " 4"


SAMPLES: dict[str, dict[str, Any]] = {
    "trl-standard": {"prompt": "q", "chosen": "a", "rejected": "b"},
    "trl-conversational": {
        "prompt": [{"role": "user", "content": "q"}],
        "chosen": [{"role": "assistant", "content": "a"}],
        "rejected": [{"role": "assistant", "content": "b"}],
    },
    "trl-implicit": {
        "chosen": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "rejected": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "b"}],
    },
    "trl-implicit-text": {"chosen": "q is a", "rejected": "q is b"},
    "trl-ultrafeedback": {
        "prompt": "q",
        "chosen": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "rejected": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "b"}],
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
    },
    "trl-missing-side": {"prompt": "q", "chosen": "a"},
    "openai": {
        "input": {"messages": [{"role": "user", "content": "q"}]},
        "preferred_output": [{"role": "assistant", "content": "a"}],
        "non_preferred_output": [{"role": "assistant", "content": "b"}],
    },
    "openai-missing-side": {"input": {"messages": []}, "preferred_output": []},
    "sharegpt": {
        "conversations": [{"from": "human", "value": "q"}],
        "chosen": {"from": "gpt", "value": "a"},
        "rejected": {"from": "gpt", "value": "b"},
    },
    "sharegpt-missing-side": {"conversations": [], "rejected": {}},
    "hh": {"chosen": "\n\nHuman: q\n\nAssistant: a", "rejected": "\n\nHuman: q\n\nAssistant: b"},
    "hh-missing-side": {"chosen": "\n\nHuman: q\n\nAssistant: a"},
}
OWNER = {
    "trl": "trl-preference",
    "openai": "openai-preference",
    "sharegpt": "sharegpt-preference",
    "hh": "hh-transcript",
}
SFT_ROWS = [
    {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
    {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
    {"instruction": "q", "input": "", "output": "a"},
    {"prompt": "q", "completion": "a"},
    {"prompt": "q", "completion": "a", "label": True},
    {"text": "q a"},
    {"input": "q", "output": "a"},
]


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_each_row_scores_highest_for_its_own_format(sample: str) -> None:
    row = SAMPLES[sample]
    scores = {f.name: f.score(row) for f in PREFERENCE}
    owner = OWNER[sample.split("-")[0]]
    assert scores[owner] >= 0.5
    assert all(s < scores[owner] for name, s in scores.items() if name != owner), scores


@pytest.mark.parametrize("row", SFT_ROWS)
def test_sft_rows_do_not_look_like_pairs(row: dict[str, Any]) -> None:
    assert all(f.score(row) <= 0.1 for f in PREFERENCE)


KEYS = st.sampled_from(
    [
        "prompt",
        "chosen",
        "rejected",
        "tools",
        "input",
        "messages",
        "preferred_output",
        "non_preferred_output",
        "conversations",
        "system",
        "from",
        "value",
        "role",
        "content",
        "tool_calls",
        "function",
        "name",
        "arguments",
        "weight",
    ]
)
garbage = st.recursive(
    S.json_scalar
    | st.sampled_from(
        ["user", "assistant", "gpt", "human", "function_call", "\n\nHuman: q\n\nAssistant: a"]
    ),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


@pytest.mark.parametrize("fmt", PREFERENCE, ids=lambda f: f.name)
@settings(max_examples=100, deadline=None)
@given(row=garbage)
def test_garbage_gives_a_row_error_or_a_record_never_a_traceback(fmt: Any, row: Any) -> None:
    assert 0.0 <= fmt.score(row) <= 1.0
    try:
        rec = fmt.parse(row)
    except RowError as exc:
        assert exc.message
        return
    assert rec.kind == "preference" and rec.chosen and rec.rejected


@pytest.mark.parametrize("fmt", PREFERENCE, ids=lambda f: f.name)
@pytest.mark.parametrize(
    "record",
    [
        Record(
            messages=[Message(role="user", content="q"), Message(role="assistant", content="a")]
        ),
        Record(
            kind="unpaired",
            label=False,
            messages=[Message(role="user", content="q"), Message(role="assistant", content="a")],
        ),
        Record(
            kind="preference",
            messages=[Message(role="user", content="q")],
            chosen=[Message(role="assistant", content="a")],
        ),
    ],
)
def test_writers_refuse_records_without_a_rejected_answer(fmt: Any, record: Record) -> None:
    with pytest.raises(RowError) as info:
        fmt.render(record)
    assert info.value.code == "unsupported_in_target" and "no rejected answer" in info.value.message


