"""openai-preference: OpenAI DPO rows, reason codes, round trips."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.errors import RowError
from curate.formats import get_format
from curate.formats.openai_preference import KNOWN
from curate.records import Message, Record

try:
    from . import preference_strategies as S
except ImportError:
    import preference_strategies as S  # type: ignore[no-redef]

FMT = get_format("openai-preference")
U = {"role": "user", "content": "How do I make an Airflow task retry?"}
A = {"role": "assistant", "content": "Set retries and retry_delay on the operator."}
B = {"role": "assistant", "content": "Restart the scheduler."}


def row_of(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "input": {"messages": [U]},
        "preferred_output": [A],
        "non_preferred_output": [B],
    }
    row.update(changes)
    return row


def test_alias_finds_the_format() -> None:
    assert get_format("openai-dpo") is FMT


def test_row_becomes_a_pair_and_comes_back() -> None:
    tools = [{"type": "function", "function": {"name": "get_dag"}}]
    row = row_of(
        input={"messages": [U], "tools": tools, "parallel_tool_calls": False}, split="train"
    )
    rec = FMT.parse(row)
    assert rec.kind == "preference" and rec.tools == tools
    assert rec.meta == {"split": "train", "input": {"parallel_tool_calls": False}}
    assert FMT.render(rec) == row


def test_writer_refuses_non_assistant_outputs() -> None:
    rec = Record(
        kind="preference",
        messages=[Message(role="user", content="q")],
        chosen=[Message(role="assistant", content="a"), Message(role="user", content="more?")],
        rejected=[Message(role="assistant", content="b")],
    )
    with pytest.raises(RowError) as info:
        FMT.render(rec)
    assert info.value.code == "unsupported_in_target"


def test_writer_refuses_sft_records() -> None:
    rec = Record(
        messages=[Message(role="user", content="q"), Message(role="assistant", content="a")]
    )
    with pytest.raises(RowError) as info:
        FMT.render(rec)
    assert info.value.code == "unsupported_in_target" and "no rejected answer" in info.value.message


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ("text", "data_type"),
        ({"preferred_output": [A], "non_preferred_output": [B]}, "missing_field"),
        (row_of(input="q"), "data_type"),
        (row_of(input={}), "missing_messages_list"),
        (row_of(input={"messages": []}), "missing_messages_list"),
        (row_of(input={"messages": "q"}), "data_type"),
        (row_of(input={"messages": [U], "tools": {"name": "f"}}), "data_type"),
        (row_of(input={"messages": [{"role": "developer", "content": "x"}]}), "unrecognized_role"),
        (row_of(input={"messages": [{"role": "user"}]}), "message_missing_key"),
        (
            row_of(input={"messages": [{"role": "user", "content": "x", "extra": 1}]}),
            "message_unrecognized_key",
        ),
        (row_of(input={"messages": [{"role": "user", "content": {"x": 1}}]}), "data_type"),
        (row_of(input={"messages": [{"role": "user", "content": "   "}]}), "missing_content"),
        ({"input": {"messages": [U]}, "preferred_output": [A]}, "missing_field"),
        (row_of(non_preferred_output=None), "missing_content"),
        (row_of(preferred_output=A), "data_type"),
        (row_of(preferred_output=[]), "missing_content"),
        (row_of(preferred_output=[{"role": "assistant", "content": ""}]), "missing_content"),
        (row_of(preferred_output=[U]), "example_missing_assistant_message"),
        (row_of(preferred_output=[A, U]), "unrecognized_role"),
        (row_of(preferred_output=[{"role": "assistant", "content": 1.5}]), "data_type"),
        (row_of(non_preferred_output=[A]), "invalid_preference"),
        (
            row_of(preferred_output=[{"role": "assistant", "content": "x", "weight": 2}]),
            "data_type",
        ),
    ],
)
def test_bad_rows_get_their_reason_code(row: Any, code: str) -> None:
    with pytest.raises(RowError) as info:
        FMT.parse(row)
    assert info.value.code == code


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    inp: dict[str, Any] = {"messages": draw(S.prompt_turns())}
    if draw(st.booleans()):
        inp["tools"] = draw(S.tools_list())
    if draw(st.booleans()):
        inp["parallel_tool_calls"] = draw(st.booleans())
    side = st.lists(S.chat_message("assistant"), min_size=1, max_size=1)  # what OpenAI takes
    good = draw(side)
    bad = draw(side.filter(lambda x: x != good))
    return {
        "input": inp,
        "preferred_output": good,
        "non_preferred_output": bad,
        **draw(S.extras(KNOWN)),
    }


@settings(max_examples=100, deadline=None)
@given(rows())
def test_rows_round_trip(row: dict[str, Any]) -> None:
    rec = FMT.parse(row)
    assert FMT.render(rec) == row
    assert FMT.parse(FMT.render(rec)).id == rec.id


@settings(max_examples=50, deadline=None)
@given(rows(), st.sampled_from(["preferred_output", "non_preferred_output"]), st.data())
def test_a_side_of_two_assistant_messages_reads_but_is_not_written(
    row: dict[str, Any], side: str, data: st.DataObject
) -> None:
    row[side] = [*row[side], data.draw(S.chat_message("assistant"))]
    rec = FMT.parse(row)  # read, so it can go to a format that holds it
    with pytest.raises(RowError) as info:
        FMT.render(rec)
    assert info.value.code == "unsupported_in_target"
    name = "chosen" if side == "preferred_output" else "rejected"
    assert f"a {name} answer of 2 assistant turns" in info.value.message
