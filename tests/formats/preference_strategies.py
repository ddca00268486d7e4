"""Hypothesis strategies for preference rows and records (shared by the preference tests)."""

from __future__ import annotations

import re
from typing import Any

import orjson
from hypothesis import strategies as st

from curate.formats.common import message_dict
from curate.records import Message, Record

MARKER = re.compile(r"\n\n(?:Human|Assistant):")

# Text a dataset may hold: any characters but lone surrogates, mixed with whitespace and the
# pieces of transcript markers so that boundaries and markers get exercised.
_alphabet = st.characters(min_codepoint=1, max_codepoint=0x2FFFF, exclude_categories=("Cs",))
_pieces = st.sampled_from([" ", "\n", "\n\n", "\t", "Human:", "Assistant:", ":", "ok"])
text = (
    st.lists(_pieces | st.text(_alphabet, min_size=1, max_size=8), min_size=1, max_size=6)
    .map("".join)
    .filter(lambda s: s.strip() != "")
)
word = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12)
hh_text = text.filter(lambda s: not MARKER.search(s))

json_scalar = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text
json_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(word, inner, max_size=3),
    max_leaves=8,
)


def extras(known: frozenset[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Unknown top-level fields a source row may carry."""
    keys = word.filter(lambda k: k not in known and not k.startswith("_"))
    return st.dictionaries(keys, json_value, max_size=3)


def _msg(role: str, content: str, **more: Any) -> dict[str, Any]:
    return {"role": role, "content": content, **more}


@st.composite
def prompt_turns(draw: st.DrawFn, content: st.SearchStrategy[str] = text) -> list[dict[str, Any]]:
    """A prompt: an optional system turn, then user/assistant turns ending with a user turn."""
    turns = []
    if draw(st.booleans()):
        turns.append(_msg("system", draw(content)))
    rounds = draw(st.integers(0, 2))
    for _ in range(rounds):
        turns += [_msg("user", draw(content)), _msg("assistant", draw(content))]
    turns.append(_msg("user", draw(content)))
    return turns


@st.composite
def answer_pair(draw: st.DrawFn, content: st.SearchStrategy[str] = text) -> tuple[str, str]:
    """Two different answer texts."""
    good = draw(content)
    bad = draw(content.filter(lambda s: s != good))
    return good, bad


tool_call = st.builds(
    lambda i, name, args: {
        "id": i,
        "type": "function",
        "function": {"name": name, "arguments": orjson.dumps(args).decode()},
    },
    word,
    word,
    st.dictionaries(word, json_scalar, max_size=2),
)


@st.composite
def chat_message(draw: st.DrawFn, role: str) -> dict[str, Any]:
    """A canonical OpenAI-style message dict (as ``message_dict`` writes it)."""
    if role == "assistant" and draw(st.integers(0, 5)) == 0:
        msg: dict[str, Any] = {
            "role": role,
            "content": None,
            "tool_calls": draw(st.lists(tool_call, min_size=1, max_size=2)),
        }
    else:
        msg = _msg(role, draw(text))
    if role == "assistant" and draw(st.booleans()):
        msg["weight"] = draw(st.sampled_from([0, 1]))
    if role == "user" and draw(st.integers(0, 4)) == 0:
        msg["name"] = draw(word)
    return msg


def tools_list() -> st.SearchStrategy[list[dict[str, Any]]]:
    """OpenAI-shaped tool definitions."""
    return st.lists(
        st.builds(
            lambda n, d: {"type": "function", "function": {"name": n, "description": d}},
            word,
            text,
        ),
        min_size=1,
        max_size=2,
    )


@st.composite
def plain_pair_record(draw: st.DrawFn, content: st.SearchStrategy[str] = text) -> Record:
    """A tool-free, single-answer chat pair: what every chat preference format holds."""
    good, bad = draw(answer_pair(content))
    return Record(
        kind="preference",
        messages=[Message(**m) for m in draw(prompt_turns(content))],
        chosen=[Message(role="assistant", content=good)],
        rejected=[Message(role="assistant", content=bad)],
    )


def dicts(messages: list[Message]) -> list[dict[str, Any]]:
    """Messages as the dicts the writers emit."""
    return [message_dict(m) for m in messages]
