"""Which text of a record is compared, by kind and mode."""

from __future__ import annotations

import pytest

from curate.dedup.compare import compare_text
from curate.records import FunctionCall, Message, Record, ToolCall


def msg(role: str, content: str | None, **kw: object) -> Message:
    return Message(role=role, content=content, **kw)  # type: ignore[arg-type]


SFT = Record(
    messages=[
        msg("system", "You are terse."),
        msg("user", "First question?"),
        msg("assistant", "First answer."),
        msg("user", "Second question?"),
        msg("assistant", "Final answer."),
    ]
)


def test_sft_compares_user_turns_and_final_answer_not_system_or_earlier_answers() -> None:
    assert compare_text(SFT) == "First question?\nSecond question?\nFinal answer."
    assert compare_text(SFT, "prompt") == "First question?\nSecond question?"
    assert compare_text(SFT, "answer") == "Final answer."


def test_preference_compares_the_prompt_whatever_the_answers() -> None:
    r = Record(
        kind="preference",
        messages=[msg("user", "Pick one?")],
        chosen=[msg("assistant", "Good.")],
        rejected=[msg("assistant", "Bad.")],
    )
    assert compare_text(r) == compare_text(r, "prompt") == "Pick one?"
    assert compare_text(r, "answer") == "Good."


def test_unpaired_compares_prompt_and_completion() -> None:
    r = Record(kind="unpaired", label=True, messages=[msg("user", "Q?"), msg("assistant", "A.")])
    assert compare_text(r) == "Q?\nA."
    assert compare_text(r, "prompt") == "Q?"


def test_a_tool_call_answer_is_compared_by_name_and_arguments() -> None:
    call = ToolCall(function=FunctionCall(name="lookup", arguments='{"q": "x"}'))
    r = Record(messages=[msg("user", "Find x"), msg("assistant", None, tool_calls=[call])])
    assert compare_text(r) == 'Find x\nlookup {"q": "x"}'


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown compare mode"):
        compare_text(SFT, "everything")  # type: ignore[arg-type]
