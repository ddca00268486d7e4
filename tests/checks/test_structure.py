"""Structural checks on records however they were built: the readers' reason codes."""

from __future__ import annotations

from check_helpers import chat, details, run_check, turns

from curate.checks.structure import StructureCheck
from curate.records import FunctionCall, Message, Record, ToolCall


def test_a_clean_chat_passes() -> None:
    assert run_check(StructureCheck, chat(system="Be brief.")) == []


def test_no_assistant_turn_is_the_readers_code() -> None:
    assert run_check(StructureCheck, chat(answer=None)) == ["example_missing_assistant_message"]


def test_empty_content_is_missing_content() -> None:
    assert run_check(StructureCheck, chat(user="")) == ["missing_content"]
    assert run_check(StructureCheck, chat(answer="")) == ["missing_content"]


def test_an_empty_system_prompt_is_allowed() -> None:
    record = turns(("system", ""), ("user", "hi"), ("assistant", "hello there"))
    assert run_check(StructureCheck, record) == []


def test_role_order() -> None:
    ends_with_user = turns(("user", "a"), ("assistant", "b"), ("user", "c"))
    late_system = turns(("user", "a"), ("system", "s"), ("assistant", "b"))
    starts_with_assistant = turns(("assistant", "a"), ("user", "b"), ("assistant", "c"))
    stray_tool = turns(("user", "a"), ("tool", "42"), ("assistant", "b"))
    for record in (ends_with_user, late_system, starts_with_assistant, stray_tool):
        assert run_check(StructureCheck, record) == ["role_order"], record


def test_two_user_turns_in_a_row() -> None:
    record = turns(("user", "a"), ("user", "b"), ("assistant", "c"))
    assert run_check(StructureCheck, record) == ["non_alternating_turns"]


def _tool_chat(call_id: str | None, result_id: str | None, arguments: str = "{}") -> Record:
    call = ToolCall(id=call_id, function=FunctionCall(name="count_rows", arguments=arguments))
    return Record(
        messages=[
            Message(role="user", content="How many rows?"),
            Message(role="assistant", tool_calls=[call]),
            Message(role="tool", content="42", tool_call_id=result_id),
            Message(role="assistant", content="There are 42 rows."),
        ]
    )


def test_tool_call_ids_must_match_the_results() -> None:
    assert run_check(StructureCheck, _tool_chat("call_1", "call_1")) == []
    assert run_check(StructureCheck, _tool_chat("call_1", "call_2")) == ["invalid_tool_call"]
    assert run_check(StructureCheck, _tool_chat(None, None)) == []


def test_tool_call_arguments_must_be_json() -> None:
    assert run_check(StructureCheck, _tool_chat("c", "c", arguments="{table: orders}")) == ["invalid_tool_call"]


def test_a_tool_call_as_the_final_answer_needs_no_result() -> None:
    call = ToolCall(id="call_1", function=FunctionCall(name="search", arguments='{"q": "x"}'))
    record = Record(messages=[Message(role="user", content="Find x."), Message(role="assistant", tool_calls=[call])])
    assert run_check(StructureCheck, record) == []


def test_preference_pairs() -> None:
    prompt = [Message(role="user", content="Pick one.")]
    same = [Message(role="assistant", content="A")]
    assert run_check(StructureCheck, Record(kind="preference", messages=prompt, chosen=same, rejected=list(same))) == ["invalid_preference"]
    assert run_check(StructureCheck, Record(kind="preference", messages=prompt, chosen=same)) == ["invalid_preference"]
    ok = Record(kind="preference", messages=prompt, chosen=same, rejected=[Message(role="assistant", content="B")])
    assert run_check(StructureCheck, ok) == []


def test_unpaired_needs_a_label() -> None:
    assert run_check(StructureCheck, chat(kind="unpaired")) == ["invalid_label"]
    assert run_check(StructureCheck, chat(kind="unpaired", label=False)) == []


def test_the_rejected_side_is_checked_with_the_same_codes_and_named() -> None:
    prompt = [Message(role="user", content="Is a Spark RDD mutable?")]
    good = [Message(role="assistant", content="No; transformations return new RDDs.")]
    twice = [Message(role="assistant", content="Yes."), Message(role="assistant", content="Edit it in place.")]
    bad_rejected = Record(kind="preference", messages=prompt, chosen=good, rejected=twice)
    assert run_check(StructureCheck, bad_rejected) == ["non_alternating_turns"]
    assert details(StructureCheck, bad_rejected) == ["Rejected side: Messages 2 and 3 are both assistant turns."]
    # the same turns on the chosen side get the same code, with that side named
    bad_chosen = Record(kind="preference", messages=prompt, chosen=twice, rejected=good)
    assert run_check(StructureCheck, bad_chosen) == ["non_alternating_turns"]
    assert details(StructureCheck, bad_chosen) == ["Chosen side: Messages 2 and 3 are both assistant turns."]
    ends_with_user = [*twice[:1], Message(role="user", content="Really?")]
    record = Record(kind="preference", messages=prompt, chosen=good, rejected=ends_with_user)
    assert run_check(StructureCheck, record) == ["role_order"]
    assert details(StructureCheck, record)[0].startswith("Rejected side: ")
