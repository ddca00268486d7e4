"""hh-transcript: Human/Assistant transcript pairs, reason codes, byte-identical round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.errors import RowError
from curate.formats import get_format
from curate.formats.hh_transcript import KNOWN
from curate.records import Message, Record, ToolCall

try:
    from . import preference_strategies as S
except ImportError:
    import preference_strategies as S  # type: ignore[no-redef]

FMT = get_format("hh-transcript")
Q = "\n\nHuman: What does VACUUM do in Postgres?"
CHOSEN = Q + "\n\nAssistant: It reclaims space held by dead tuples."
REJECTED = Q + "\n\nAssistant: It deletes the table."


def test_aliases_find_the_format() -> None:
    assert get_format("hh") is FMT and get_format("anthropic-hh") is FMT


def test_prompt_is_the_text_before_the_last_shared_assistant_marker() -> None:
    follow = "\n\nHuman: And ANALYZE?"
    row = {
        "chosen": CHOSEN + follow + "\n\nAssistant: It refreshes planner statistics.",
        "rejected": CHOSEN + follow + "\n\nAssistant: Nothing useful.",
    }
    rec = FMT.parse(row)
    assert [m.role for m in rec.messages] == ["user", "assistant", "user"]
    assert rec.chosen[0].content == "It refreshes planner statistics." and not rec.text
    assert FMT.render(rec) == row


def test_sides_that_differ_early_keep_their_later_turns() -> None:
    row = {"chosen": CHOSEN + "\n\nHuman: thanks\n\nAssistant: welcome", "rejected": REJECTED}
    rec = FMT.parse(row)
    assert [m.role for m in rec.chosen] == ["assistant", "user", "assistant"]
    assert FMT.render(rec) == row


def test_text_before_the_first_turn_is_a_system_prompt() -> None:
    row = {
        "chosen": "You are terse." + CHOSEN,
        "rejected": "You are terse." + REJECTED,
        "split": "test",
    }
    rec = FMT.parse(row)
    assert rec.messages[0].role == "system" and rec.messages[0].content == "You are terse."
    assert rec.meta == {"split": "test"}
    assert FMT.render(rec) == row


def test_documented_normalisation() -> None:
    rec = FMT.parse(
        {"chosen": "Human:hi\n\nAssistant:  yes", "rejected": "Human:hi\n\nAssistant: no"}
    )
    assert rec.messages[0].content == "hi" and rec.chosen[0].content == " yes"
    assert FMT.render(rec) == {
        "chosen": "\n\nHuman: hi\n\nAssistant:  yes",
        "rejected": "\n\nHuman: hi\n\nAssistant: no",
    }


def _pair(prompt: list[Message], chosen: list[Message] | None = None) -> Record:
    return Record(
        kind="preference",
        messages=prompt,
        chosen=chosen or [Message(role="assistant", content="a")],
        rejected=[Message(role="assistant", content="b")],
    )


USER = Message(role="user", content="q")


@pytest.mark.parametrize(
    "record",
    [
        Record(messages=[USER, Message(role="assistant", content="a")]),
        _pair([USER, Message(role="tool", content="42", tool_call_id="1")]),
        _pair(
            [USER],
            [
                Message(
                    role="assistant", content=None, tool_calls=[ToolCall(function={"name": "f"})]
                )
            ],
        ),
        _pair(
            [USER], [Message(role="user", content="more"), Message(role="assistant", content="a")]
        ),
        _pair([Message(role="user", content="q\n\nAssistant: injected")]),
        _pair([Message(role="system", content="Human: hi"), USER]),
        _pair([USER, Message(role="system", content="late")]),
        _pair([Message(role="user", content="q", name="ann")]),
    ],
)
def test_writer_says_what_it_cannot_hold(record: Record) -> None:
    with pytest.raises(RowError) as info:
        FMT.render(record)
    assert info.value.code == "unsupported_in_target"


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("\n\nHuman: hi", "data_type"),
        ({"chosen": CHOSEN}, "missing_field"),
        ({"rejected": REJECTED}, "missing_field"),
        ({"chosen": None, "rejected": REJECTED}, "missing_content"),
        ({"chosen": ["turn"], "rejected": REJECTED}, "data_type"),
        ({"chosen": 1, "rejected": REJECTED}, "data_type"),
        ({"chosen": "", "rejected": REJECTED}, "missing_content"),
        ({"chosen": CHOSEN, "rejected": CHOSEN}, "invalid_preference"),
        (
            {"chosen": "\n\nHuman: a\n\nAssistant: b", "rejected": "\n\nHuman: c\n\nAssistant: d"},
            "invalid_preference",
        ),
        ({"chosen": "plain text", "rejected": "other text"}, "invalid_preference"),
        ({"chosen": "\n\nAssistant: a", "rejected": "\n\nAssistant: b"}, "invalid_preference"),
        ({"chosen": Q + "\n\nAssistant: ", "rejected": REJECTED}, "missing_content"),
        (
            {"chosen": "\n\nHuman: \n\nAssistant: a", "rejected": "\n\nHuman: \n\nAssistant: b"},
            "missing_content",
        ),
    ],
)
def test_bad_rows_get_their_reason_code(row: Any, code: str) -> None:
    with pytest.raises(RowError) as info:
        FMT.parse(row)
    assert info.value.code == code


@st.composite
def records(draw: st.DrawFn) -> Record:
    """Pairs whose sides start with different assistant turns, maybe followed by more turns."""
    prompt = draw(
        S.prompt_turns(S.hh_text).filter(
            lambda p: not p[0]["content"].lstrip().startswith(("Human:", "Assistant:"))
        )
    )
    good, bad = draw(S.answer_pair(S.hh_text))
    sides = []
    for first in (good, bad):
        side = [Message(role="assistant", content=first)]
        if draw(st.booleans()):
            side += [
                Message(role="user", content=draw(S.hh_text)),
                Message(role="assistant", content=draw(S.hh_text)),
            ]
        sides.append(side)
    return Record(
        kind="preference",
        messages=[Message(**m) for m in prompt],
        chosen=sides[0],
        rejected=sides[1],
    )


@settings(max_examples=100, deadline=None)
@given(records(), S.extras(KNOWN))
def test_rows_round_trip_byte_identically(record: Record, extra: dict[str, Any]) -> None:
    row = {**FMT.render(record), **extra}
    rec = FMT.parse(row)
    assert FMT.render(rec) == row
    assert rec.id == record.id
