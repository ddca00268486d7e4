"""Synth's duplicate test is `curate dedupe`'s exact test, under the workspace's settings."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from curate.dedup import find_duplicates
from curate.records import Message, Record
from curate.settings import DedupeSettings
from curate.synth.dedupe import text_hash

# Few words, cases, marks and spaces, so that pairs often normalise alike.
WORDS = st.sampled_from(["kafka", "Kafka", "KAFKA", "log", "snake_case", "snake case", "a"])
SEPS = st.sampled_from([" ", "  ", "\n", ", ", "!", "_", "\t"])
TEXT = st.lists(st.tuples(WORDS, SEPS), max_size=4).map(lambda ws: "".join(w + s for w, s in ws))
FLAGS = st.lists(st.sampled_from(["whitespace", "case", "punctuation"]), unique=True)
MODES = st.sampled_from(["all-turns", "prompt+answer", "prompt-only"])


@st.composite
def records(draw: st.DrawFn) -> Record:
    system = draw(st.sampled_from([None, "Be brief.", "Be thorough."]))
    messages = [Message(role="system", content=system)] if system else []
    messages.append(Message(role="user", content=draw(TEXT) or "?"))
    if draw(st.booleans()):
        return Record(
            kind="preference",
            messages=messages,
            chosen=[Message(role="assistant", content=draw(TEXT) or "yes")],
            rejected=[Message(role="assistant", content=draw(TEXT) or "no")],
        )
    return Record(messages=[*messages, Message(role="assistant", content=draw(TEXT) or "ok")])


def dedupe_calls_exact(a: Record, b: Record, dedupe: DedupeSettings) -> bool:
    result = find_duplicates([a, b], dedupe, exact_only=True, workers=0)
    return any(
        {m.index for m in c.members} == {0, 1} and c.duplicates[0].match == "exact"
        for c in result.clusters
    )


@settings(max_examples=150, deadline=None)
@given(records(), records(), FLAGS, MODES)
def test_synth_duplicates_are_dedupe_exact_duplicates(
    a: Record, b: Record, flags: list[str], mode: str
) -> None:
    dedupe = DedupeSettings(normalise=flags, compare=mode)
    if a.id == b.id:
        return  # the same record: synth tells it apart by its request, not its text
    assert (text_hash(a, dedupe) == text_hash(b, dedupe)) == dedupe_calls_exact(a, b, dedupe)


def test_the_settings_decide() -> None:
    a = Record(messages=[Message(role="user", content="Hi, there"),
                         Message(role="assistant", content="snake_case")])
    b = Record(messages=[Message(role="user", content="hi there"),
                         Message(role="assistant", content="snake case")])
    assert text_hash(a) == text_hash(b)
    case_only = DedupeSettings(normalise=["case"])
    assert text_hash(a, case_only) != text_hash(b, case_only)
