"""The editable text of a record: the ``### role`` layout round trip, JSON for richer turns."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from review_helpers import RECORDS

from curate.errors import UsageError
from curate.records import Message, Record
from curate.review.edit_text import from_text, is_plain, swapped, to_text

ROLES = st.sampled_from(["system", "user", "assistant", "tool"])
# Turn text without leading/trailing blank lines (the layout does not keep those).
LINES = st.lists(
    st.one_of(
        st.text(
            alphabet=st.characters(
                blacklist_categories=("Cs",),
                blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
            ),
            max_size=30,
        ),
        st.sampled_from(
            ["### user", "\\### assistant", "## chosen", "### Heading", "##", "\\\\## prompt"]
        ),
    ),
    min_size=1,
    max_size=5,
).map(lambda lines: "\n".join(lines).strip("\n"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(ROLES, LINES), min_size=1, max_size=5))
def test_the_layout_round_trips_any_plain_conversation(turns: list[tuple[str, str]]) -> None:
    record = Record(messages=[Message(role=r, content=c) for r, c in turns])
    back = from_text(record, to_text(record))
    assert [(m.role, m.content) for m in back.messages] == turns


@settings(max_examples=50, deadline=None)
@given(LINES, LINES, LINES)
def test_the_layout_round_trips_a_preference_pair(prompt: str, chosen: str, rejected: str) -> None:
    record = Record(
        kind="preference",
        messages=[Message(role="user", content=prompt)],
        chosen=[Message(role="assistant", content=chosen)],
        rejected=[Message(role="assistant", content=rejected)],
    )
    back = from_text(record, to_text(record))
    assert (back.messages, back.chosen, back.rejected) == (
        record.messages,
        record.chosen,
        record.rejected,
    )


def test_an_edit_is_a_new_version_keeping_everything_but_the_turns() -> None:
    original = RECORDS["syn_fail"]
    edited = from_text(original, to_text(original).replace("keep `rn = 1`", "keep `rn = 1` only"))
    assert edited.id != original.id and edited.parent_id == original.id
    assert (edited.tags, edited.provenance, edited.meta) == (
        original.tags,
        original.provenance,
        original.meta,
    )
    assert edited.messages[-1].content.endswith("keep `rn = 1` only.")


def test_tool_calls_are_edited_as_json_and_nothing_is_lost() -> None:
    record = RECORDS["tool"]
    assert not is_plain(record)
    text = to_text(record)
    assert text.startswith("{") and '"tool_calls"' in text
    assert from_text(record, text).messages == record.messages
    changed = from_text(record, text.replace("1,204 rows", "1204 rows"))
    assert changed.messages[-1].content == "The table `events` has 1204 rows."


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("syn_ok", "hello\n### user\nhi", "starts before its first '### role' line"),
        ("syn_ok", "", "has no turns"),
        ("syn_ok", "### robot\nhi", "starts before its first '### role' line"),
        (
            "pref",
            "## prompt\n### user\nq\n## chosen\n### assistant\na",
            "'## rejected' section is missing",
        ),
        ("tool", "{not json", "not valid JSON"),
        ("tool", '{"messages": [{"role": "robot"}]}', "A turn in the edited JSON is invalid"),
        ("tool", '{"chosen": []}', "must be an object with messages"),
    ],
)
def test_bad_text_is_one_sentence_naming_the_problem(name: str, text: str, message: str) -> None:
    with pytest.raises(UsageError) as err:
        from_text(RECORDS[name], text)
    assert message in str(err.value) and "Traceback" not in str(err.value)


def test_swap_exchanges_the_answers_and_refuses_a_chat() -> None:
    pair = RECORDS["pref"]
    new = swapped(pair)
    assert (new.chosen, new.rejected, new.parent_id) == (pair.rejected, pair.chosen, pair.id)
    with pytest.raises(UsageError, match="Only a preference pair"):
        swapped(RECORDS["syn_ok"])
