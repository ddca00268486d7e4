"""Normalisation: each folding on its own, and the fast path equal to the definition."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.dedup.normalise import FLAGS, SECTION, Normaliser


def test_default_folds_whitespace_case_and_punctuation() -> None:
    n = Normaliser()
    assert n.text("  What IS\tKafka?!  ") == "what is kafka"
    assert n.text("don't_stop") == "don t stop"
    assert n.text("Straße") == n.text("STRASSE") == "strasse"
    assert n.text("ﬁne Ｆｕｌｌ") == "fine full"  # NFKC for non-ASCII text


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["whitespace"], "What, IS Kafka?"),
        (["case"], "what,   is kafka? "),
        (["punctuation"], "What    IS Kafka  "),
        ([], "What,   IS Kafka? "),
    ],
)
def test_each_flag_alone(flags: list[str], expected: str) -> None:
    assert Normaliser.from_flags(flags).text("What,   IS Kafka? ") == expected


def test_unknown_flag_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown normalisation 'accents'"):
        Normaliser.from_flags(["case", "accents"])
    assert Normaliser.from_flags(FLAGS).flags == list(FLAGS)


def test_fast_path_folds_exactly_the_ascii_the_definition_folds() -> None:
    n = Normaliser(whitespace=False, case=False)
    for i in range(128):
        c = chr(i)
        if c == SECTION:  # separates sections: compare texts never hold it inside content
            continue
        folded = c.isspace() or re.fullmatch(r"[^\w\s]|_", c) is not None
        assert n.encode(c) == (b" " if folded else c.encode()), repr(c)
    assert all(n.encode(c) == b" " for c in string.punctuation)


flag_sets = st.sets(st.sampled_from(FLAGS)).map(Normaliser.from_flags)
texts = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list(" \t\n\r\x0b\x0c\x1c\x1e\x1f\xa0\u2003\u3000,.!?_-'\"")),
    ),
    max_size=60,
).map(lambda t: t.replace(SECTION, " "))  # sections: see the last test


@settings(max_examples=300, deadline=None)
@given(texts, flag_sets)
def test_fast_path_gives_the_definitions_words(text: str, norm: Normaliser) -> None:
    assert [w for w in norm.encode(text).split(b" ") if w] == [
        w.encode("utf-8", "surrogatepass") for w in norm.words(text)
    ]
    assert norm.exact_bytes(text) == norm.text(text).encode("utf-8", "surrogatepass")


def test_sections_are_normalised_one_by_one_and_marked() -> None:
    n = Normaliser()
    assert n.encode("Hi, you" + SECTION + "THERE!").split() == [b"hi", b"you", b"\x1d", b"there"]
    assert n.text("Hi, you" + SECTION + "THERE!") == "hi you" + SECTION + "there"
