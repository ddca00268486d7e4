"""The plain-row line path of openai-jsonl to openai-jsonl and ShareGPT writes the normal path's
line or steps aside: never another line, never a row the normal path rejects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import curate.convert as convert_module
from curate.convert import convert
from curate.errors import RowError
from curate.formats.openai_chat import FORMAT
from curate.formats.openai_plain import line_path, openai_line, plain_line, sharegpt_line
from curate.formats.sharegpt import FORMAT as SHAREGPT
from curate.io.read import LineRow
from curate.io.write import encode_row

_ANSWER = {"role": "assistant", "content": "a"}
PROPERTY = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "\n\t ", "hi", "\u00e9t\u00e9", "\U0001f600", "\x00\x1f\x7f", "\u2028"]),
)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(MISSING), strategy)


def pack(order: list[str], **fields: Any) -> dict[str, Any]:
    """The present fields, in the drawn key order (the written order must not depend on it)."""
    keys = [k for k in order if fields.get(k, MISSING) is not MISSING]
    return {k: fields[k] for k in keys}


KEYS = ["role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call", "x"]
call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
messages = st.builds(
    pack,
    st.permutations(KEYS),
    role=maybe(st.sampled_from(["system", "user", "assistant", "tool", "function", "bot", None, 1])),
    content=maybe(st.one_of(text, st.none(), st.just([{"type": "text", "text": "a"}]), st.just(3))),
    name=maybe(st.one_of(text, st.none(), st.just(1))),
    weight=maybe(st.sampled_from([0, 1, None, True, False, 1.0, 0.0, 2, -1, "1"])),
    tool_calls=maybe(st.sampled_from([None, [], [call]])),
    tool_call_id=maybe(st.sampled_from([None, "c1"])),
    function_call=maybe(st.sampled_from([None, {"name": "f", "arguments": "{}"}])),
    x=maybe(st.just(1)),
) | st.sampled_from([None, 1, "m", []])
plainish = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant"]), "content": text}
)
# alternating user/assistant turns, the ShareGPT shape, with names and weights now and then
turns = st.lists(
    st.tuples(text.filter(lambda t: bool(t.strip())), st.sampled_from([{}, {"name": "n"}, {"weight": 1}])),
    min_size=1,
    max_size=3,
).map(
    lambda pairs: [
        {"role": "user" if i % 2 == 0 else "assistant", "content": t, **extra}
        for i, (t, extra) in enumerate(pairs + pairs)
    ]
)
rows = st.one_of(
    st.builds(lambda ms: {"messages": ms}, turns),
    st.builds(lambda ms: {"messages": [{"role": "system", "content": " "}, *ms]}, turns),
    st.builds(lambda ms: {"messages": ms}, st.lists(plainish | messages, max_size=5)),
    st.builds(lambda ms: {"messages": ms}, st.lists(plainish, min_size=1, max_size=5)),
    st.builds(
        lambda ms, extra: {"messages": ms, **extra},
        st.lists(plainish, max_size=4),
        st.sampled_from([{"tools": None}, {"tools": []}, {"id": 1}, {"meta": {}}]),
    ),
    st.sampled_from([{}, {"messages": None}, {"messages": "x"}, [], "row", None]),
)


TARGETS = {"openai-jsonl": (openai_line, FORMAT), "sharegpt": (sharegpt_line, SHAREGPT)}


def normal_line(value: Any, target: str = "openai-jsonl") -> bytes | RowError:
    """What the normal path writes for a parsed row (or the error it rejects it with)."""
    try:
        return encode_row(TARGETS[target][1].render(FORMAT.parse(value)))
    except RowError as exc:
        return exc


@PROPERTY
@given(rows)
@example({"messages": [{"role": "system", "content": ""}, {"role": "assistant", "content": "a"}]})
@example({"messages": [{"content": "q", "role": "user"}, {"role": "assistant", "content": "a"}]})
@example({"messages": [{"role": "assistant", "content": "a", "weight": True}]})
@example({"messages": [{"role": "assistant", "content": "a", "weight": 1.0}]})
@example({"messages": [{"role": "assistant", "content": "a", "name": None, "weight": None}]})
@example({"messages": [{"role": "user", "content": " "}, {"role": "assistant", "content": "a"}]})
@example({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]})
@example({"messages": [{"role": "user", "content": "q"}, {"role": "system", "content": "s"}]})
@example({"messages": [{"role": "user", "content": "q", "weight": 0}, _ANSWER]})
@example({"messages": [{"role": "user", "content": "q", "name": "n", "weight": 1}, _ANSWER]})
def test_a_plain_line_is_the_normal_paths_line(value: Any) -> None:
    for target, (build, _) in TARGETS.items():
        line = plain_line(value, build)
        if line is None:
            continue
        assert line == normal_line(value, target), target
        assert line.endswith(b"\n") and orjson.loads(line) is not None


def test_plain_rows_take_the_line_path() -> None:
    plain = {
        "messages": [
            {"role": "system", "content": ""},
            {"content": "q", "role": "user", "name": "ann"},
            {"role": "assistant", "content": "a", "weight": 1},
        ]
    }
    assert plain_line(plain) == normal_line(plain)
    for other in (
        {"messages": [{"role": "user", "content": "q"}], "tools": []},
        {"messages": [{"role": "user", "content": "q"}, {"role": "tool", "content": "1"}]},
        {"messages": [{"role": "assistant", "content": None, "tool_calls": [call]}]},
        {"messages": [{"role": "user", "content": "q"}]},
    ):
        assert plain_line(other) is None


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_line_path_steps_aside_when_the_normal_path_disagrees(target: str) -> None:
    row = LineRow(1, b'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n')
    render = TARGETS[target][1].render
    assert line_path(FORMAT, target, render)(row) == normal_line(row.value, target)  # type: ignore[misc]

    def changed_render(record: Any) -> dict[str, Any]:
        out = render(record)
        out["extra"] = 1
        return out

    assert line_path(FORMAT, target, changed_render) is None
    assert line_path(FORMAT, "alpaca", render) is None


@pytest.mark.parametrize(
    ("target", "suffix"), [("openai-jsonl", ".jsonl"), ("openai-jsonl", ".jsonl.gz"), ("sharegpt", ".jsonl")]
)
def test_convert_writes_the_same_bytes_with_and_without_the_line_path(
    tmp_path: Path, target: str, suffix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        b'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}',
        b'{"messages":[{"content":"q","role":"user","weight":0},{"role":"assistant","content":"a"}]}',
        b'{"messages":[{"role":"user","content":"q"}]}',
        b'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"id":7}',
        b'{"messages":[{"role":"user","content":" "},{"role":"assistant","content":"a"}]}',
        b'{"messages":[{"role":"user","content":"\\u00e9"},{"role":"assistant","content":"a","name":null}]}',
        b'{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q"},{"role":"assistant","content":"a","weight":0}]}',
        b'{"messages":[{"role":"user","content":"q"},{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}',
        b"not json",
    ] * 40
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"\n".join(lines) + b"\n")
    fast = convert(source, tmp_path / f"fast{suffix}", target)
    monkeypatch.setattr(convert_module, "_plain_rows", lambda *args: None)
    normal = convert(source, tmp_path / f"normal{suffix}", target)
    assert (fast.read, fast.written, fast.rejected) == (normal.read, normal.written, normal.rejected)
    assert fast.reasons == normal.reasons and fast.read == len(lines)
    assert (tmp_path / f"fast{suffix}").read_bytes() == (tmp_path / f"normal{suffix}").read_bytes()
    fast_rejects = (tmp_path / f"fast{suffix}.rejects.jsonl").read_bytes()
    assert fast_rejects == (tmp_path / f"normal{suffix}.rejects.jsonl").read_bytes()
