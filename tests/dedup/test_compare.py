"""Which text of a record is compared, by kind and mode."""

from __future__ import annotations

import orjson
import pytest

from curate.dedup.compare import SECTION, compare_parts, compare_text, stored_parts
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


def test_sft_modes_all_turns_prompt_answer_and_prompt_only() -> None:
    assert compare_parts(SFT) == [
        "First question?\nFirst answer.\nSecond question?",
        "Final answer.",
    ]
    assert compare_parts(SFT, "prompt+answer") == ["First question?\nSecond question?", "Final answer."]
    assert compare_parts(SFT, "prompt-only") == ["First question?\nSecond question?"]
    assert compare_text(SFT, "prompt-only") == compare_text(SFT, "prompt")  # the old name
    assert compare_text(SFT) == "First question?\nFirst answer.\nSecond question?" + SECTION + "Final answer."


def test_preference_compares_prompt_chosen_and_rejected_as_sections() -> None:
    r = Record(
        kind="preference",
        messages=[msg("user", "Pick one?"), msg("assistant", "Which?"), msg("user", "Either.")],
        chosen=[msg("assistant", "Good.")],
        rejected=[msg("assistant", "Bad.")],
    )
    assert compare_parts(r) == ["Pick one?\nWhich?\nEither.", "Good.", "Bad."]
    assert compare_parts(r, "prompt+answer") == ["Pick one?\nEither.", "Good.", "Bad."]
    assert compare_parts(r, "prompt-only") == ["Pick one?\nEither."]


def test_unpaired_compares_prompt_completion_and_label() -> None:
    good = Record(kind="unpaired", label=True, messages=[msg("user", "Q?"), msg("assistant", "A.")])
    bad = good.model_copy(update={"label": False})
    assert compare_parts(good) == ["Q?", "A.", "desirable"]
    assert compare_parts(bad) == ["Q?", "A.", "undesirable"]
    assert compare_parts(good, "prompt-only") == ["Q?"]


def test_stored_json_gives_the_same_parts_as_the_record() -> None:
    call = ToolCall(function=FunctionCall(name="lookup", arguments='{"q": "x"}'))
    records = [
        SFT,
        Record(messages=[msg("user", "Find x"), msg("assistant", None, tool_calls=[call])]),
        Record(kind="unpaired", label=False, messages=[msg("user", "Q?"), msg("assistant", "A.")]),
        Record(kind="preference", messages=[msg("user", "P")], chosen=[msg("assistant", "C")],
               rejected=[msg("assistant", "R")]),
    ]
    for r in records:
        data = orjson.loads(r.model_dump_json(exclude_none=True))
        for mode in ("all-turns", "prompt+answer", "prompt-only"):
            assert stored_parts(data, mode) == compare_parts(r, mode)


def test_a_tool_call_answer_is_compared_by_name_and_arguments() -> None:
    call = ToolCall(function=FunctionCall(name="lookup", arguments='{"q": "x"}'))
    r = Record(messages=[msg("user", "Find x"), msg("assistant", None, tool_calls=[call])])
    assert compare_parts(r) == ["Find x", 'lookup {"q": "x"}']


def test_the_section_character_inside_content_is_not_a_section() -> None:
    r = Record(messages=[msg("user", "a" + SECTION + "b"), msg("assistant", "c")])
    assert compare_parts(r) == ["a b", "c"]


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown compare mode"):
        compare_text(SFT, "everything")
