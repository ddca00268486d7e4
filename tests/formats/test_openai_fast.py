"""The openai-jsonl fast path gives the normal path's record or steps aside: never another result."""

from __future__ import annotations

import contextlib
import copy
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from curate.api import read_all
from curate.errors import RowError
from curate.formats.base import Format
from curate.formats.openai_chat import FORMAT
from curate.formats.openai_fast import fresh_provenance, row_validator
from curate.records import Provenance, Record

PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that is sometimes blank, empty, non-ASCII (astral too), or holds JSON-looking bytes.
pieces = st.one_of(
    st.sampled_from(list(' \n\t"\\{}:,') + ["true", "false", "NaN", "id", '"id"', "\u2028"]),
    st.characters(codec="utf-8"),
)
text = st.one_of(
    st.lists(pieces, max_size=8).map("".join),
    st.sampled_from(["", " ", "\n\t ", "hi", "\u00e9t\u00e9", "\U0001f600", "\\u0069d"]),
)
names = st.sampled_from(["id", "name", "query", "type", "n", "\u00fc", "weight", "true"])
numbers = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -0.0, 1.0, 0.0, 2**63, 2**64, -(2**63) - 1, 1e308, 5e-324]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, text)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=8,
)
class _Missing:
    """A key left out of the row (a stable repr, so test ids match across workers)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The field absent, or a value from ``strategy``."""
    return st.one_of(st.just(MISSING), strategy)


def pack(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not MISSING}


calls = st.builds(
    pack,
    id=maybe(st.one_of(text, st.none(), st.integers(0, 9))),
    type=maybe(st.sampled_from(["function", "tool", None])),
    function=maybe(
        st.one_of(
            st.builds(
                pack,
                name=maybe(st.one_of(text, st.integers(0, 3))),
                arguments=maybe(st.one_of(text, json_values)),
                extra=st.just(MISSING) | st.just(1),
            ),
            st.none(),
            text,
        )
    ),
    index=st.just(MISSING) | st.integers(0, 2),
)
messages = st.builds(
    pack,
    role=maybe(
        st.sampled_from(["system", "user", "assistant", "tool", "function", "bot", None, 5])
    ),
    content=maybe(
        st.one_of(
            text,
            st.none(),
            numbers,
            st.booleans(),
            st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": text}), max_size=2),
            st.just([{"type": "image_url", "image_url": {}}]),
        )
    ),
    name=maybe(st.one_of(text, st.none(), st.integers(0, 3))),
    tool_calls=maybe(st.one_of(st.none(), st.lists(calls, max_size=2), text)),
    tool_call_id=maybe(st.one_of(text, st.none(), st.integers(0, 3))),
    weight=maybe(st.sampled_from([0, 1, True, False, 1.0, 0.0, 2, None, "1", -1])),
    function_call=maybe(st.one_of(st.none(), st.builds(pack, name=text, arguments=text))),
    timestamp=st.just(MISSING) | st.integers(0, 9),
)
# Mostly plain turns, so that many rows are valid and the fast path has something to answer.
plain = st.builds(
    lambda role, content: {"role": role, "content": content},
    st.sampled_from(["system", "user", "assistant", "tool"]),
    text,
)
tools = st.one_of(
    st.none(),
    st.lists(st.dictionaries(names, json_values, max_size=3), max_size=2),
    st.lists(json_values, max_size=2),
    text,
)
TOP_KEYS = [
    "id",
    "kind",
    "meta",
    "tags",
    "text",
    "label",
    "chosen",
    "rejected",
    "provenance",
    "parent_id",
    "parallel_tool_calls",
    "extra",
]
rows = st.builds(
    lambda msgs, tool_list, extra: pack(messages=msgs, tools=tool_list, **extra),
    maybe(st.one_of(st.lists(st.one_of(plain, plain, messages), max_size=5), st.none(), text)),
    maybe(tools),
    st.dictionaries(
        st.sampled_from(TOP_KEYS),
        st.one_of(st.just(""), st.just("sft"), st.just({}), st.just([]), json_values),
        max_size=2,
    ),
)


# Valid rows with zero to three small changes: most rows sit right at the fast path's edge.
words = st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=8).filter(
    lambda t: not t.isspace()
)
good_call = st.builds(
    pack,
    id=maybe(words),
    type=maybe(st.just("function")),
    function=st.builds(pack, name=words, arguments=maybe(words)),
)
good_message = st.one_of(
    st.builds(pack, role=st.sampled_from(["system", "user", "assistant", "tool"]), content=words),
    st.builds(
        pack,
        role=st.just("assistant"),
        content=st.sampled_from([MISSING, None, "", "Let me look."]),
        tool_calls=st.lists(good_call, min_size=1, max_size=2),
        name=maybe(words),
        weight=maybe(st.sampled_from([0, 1])),
    ),
    st.builds(pack, role=st.just("tool"), content=words, tool_call_id=maybe(words)),
    st.builds(pack, role=st.just("system"), content=st.sampled_from(["", " ", "Be brief."])),
)
finite_json = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(-1e9, 1e9), words
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=6,
)
# Values that are wrong, or right but spelled in a way the normal path rewrites.
ODD = [MISSING, None, "", " ", "\n", True, False, 0, 1, 1.0, 0.0, 2, -1, "1", "function",
       "bot", "assistant", [], {}, [{"type": "text", "text": "x"}], float("nan"), float("inf"),
       2**64]  # fmt: skip
# The edges of the fast path, one by one (each must lead to None or the same record).
EDGES = [
    *(("message", key, value) for key, value in [
        ("weight", True), ("weight", False), ("weight", 1.0), ("weight", 0), ("weight", "1"),
        ("content", ""), ("content", " \n"), ("content", None), ("content", MISSING),
        ("content", [{"type": "text", "text": "x"}]), ("content", 5), ("tool_calls", []),
        ("tool_calls", None), ("role", "function"), ("role", "system"), ("role", MISSING),
        ("name", None), ("name", 5), ("tool_call_id", None), ("tool_call_id", 7),
        ("function_call", {"name": "f", "arguments": "{}"}), ("timestamp", 1),
    ]),
    *(("row", key, value) for key, value in [
        ("tools", None), ("tools", []), ("tools", [{"x": float("nan")}]),
        ("tools", [{"x": [float("-inf")]}]), ("tools", [{"x": 2**64}]), ("tools", [1]),
        ("id", ""), ("id", "abc"), ("meta", {}), ("kind", "sft"), ("tags", {}), ("text", False),
        ("label", None), ("chosen", None), ("rejected", None), ("provenance", {}),
        ("parent_id", None), ("parallel_tool_calls", False), ("messages", []),
    ]),
    *(("call", key, value) for key, value in [
        ("type", "tool"), ("type", MISSING), ("id", None), ("id", 5), ("arguments", {}),
        ("arguments", MISSING), ("name", 3), ("index", 0), ("function", None),
    ]),
    ("no_assistant", "", None),
]  # fmt: skip
change = st.tuples(
    st.sampled_from(["message", "call", "row"]),
    st.integers(0, 9),
    st.sampled_from(["role", "content", "name", "tool_calls", "tool_call_id", "weight",
                     "function_call", "id", "type", "function", "arguments", *TOP_KEYS,
                     "tools", "messages"]),
    st.sampled_from(ODD),
)  # fmt: skip


def changed(row: dict[str, Any], changes: list[tuple[str, int, str, Any]]) -> dict[str, Any]:
    """Apply the changes in turn (a change whose target an earlier one removed is skipped)."""
    for kind, index, key, value in changes:
        msgs = row.get("messages")
        msgs = [m for m in msgs if isinstance(m, dict)] if isinstance(msgs, list) else []
        target: Any = None
        if kind == "no_assistant":
            if isinstance(row.get("messages"), list):
                row["messages"] = [
                    m for m in row["messages"] if m not in msgs or m.get("role") != "assistant"
                ]
            continue
        if kind == "row":
            target = row
        elif kind == "message" and msgs:
            target = msgs[index % len(msgs)]
        elif kind == "call":
            calls = [
                c for m in msgs if isinstance(m.get("tool_calls"), list) for c in m["tool_calls"]
            ]
            call = calls[index % len(calls)] if calls else None
            target = (
                call.get("function")
                if key in ("name", "arguments") and isinstance(call, dict)
                else call
            )
        if not isinstance(target, dict):
            continue
        if value is MISSING:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(value)  # never share the mutable values of ODD
    return row


valid_rows = st.builds(
    lambda msgs, answer, tool_list: pack(messages=[*msgs, answer], tools=tool_list),
    st.lists(good_message, max_size=4),
    st.builds(
        pack, role=st.just("assistant"), content=words, weight=maybe(st.sampled_from([0, 1]))
    ),
    maybe(st.lists(st.dictionaries(names, finite_json, max_size=3), max_size=2)),
)
near_valid = st.builds(changed, valid_rows, st.lists(change, max_size=3))


def encodings(row: Any) -> list[bytes]:
    """The same row as different writers would put it on a line."""
    out = [
        json.dumps(row).encode(),  # ASCII escapes; NaN and Infinity for non-finite floats
        json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode(),
        json.dumps(row, indent=None, separators=(" , ", " : ")).encode() + b"\r\n",
    ]
    with contextlib.suppress(TypeError):  # orjson refuses integers beyond 64 bits
        out.append(orjson.dumps(row) + b"\n")
    return out


def normal_path(line: bytes) -> Record | RowError | None:
    """What the reader does without the fast path: orjson.loads, then parse (None: not JSON)."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    try:
        return FORMAT.parse(value)
    except RowError as exc:
        return exc


def assert_same(line: bytes) -> Record | None:
    """The fast path answers None, or exactly the normal path's record."""
    fast = FORMAT.parse_json_bytes(line)
    if fast is None:
        return None
    slow = normal_path(line)
    assert isinstance(slow, Record), f"fast path accepted a line the normal path refuses: {slow!r}"
    assert type(fast) is Record
    assert fast.id == slow.id
    assert fast.model_dump() == slow.model_dump()
    assert fast.model_fields_set == slow.model_fields_set
    assert fast.provenance.model_fields_set == slow.provenance.model_fields_set == set()
    return fast


def test_the_fast_path_is_active_here() -> None:
    # a pydantic that cannot build the validator would silently make every read slower
    assert row_validator() is not None
    line = b'{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n'
    assert assert_same(line) is not None


def test_formats_without_a_fast_path_answer_none() -> None:
    from curate.formats import get_format

    alpaca = get_format("alpaca")
    assert type(alpaca).parse_json_bytes is Format.parse_json_bytes
    assert alpaca.parse_json_bytes(b'{"instruction": "a", "output": "b"}') is None


@PROPERTY
@given(st.one_of(rows, near_valid))
@example(
    {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "id": "",
    }
)
@example(
    {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "a", "weight": True},
        ]
    }
)
@example(
    {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "tools": None,
    }
)
@example(
    {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "tools": [{"x": float("nan")}],
    }
)
@example(
    {
        "messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
        "tools": [{"x": 2**64}],
    }
)
@example({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "tool_calls": []}]})
@example({"messages": [{"role": "system", "content": " "}, {"role": "assistant", "content": "a"}]})
def test_fast_path_equals_the_normal_path(row: dict[str, Any]) -> None:
    for line in encodings(row):
        assert_same(line)


@pytest.mark.parametrize("edge", EDGES, ids=repr)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_rows, st.integers(0, 9), st.lists(change, max_size=1))
def test_each_edge_gives_none_or_the_same_record(
    edge: tuple[str, str, Any], row: dict[str, Any], index: int, more: list[Any]
) -> None:
    kind, key, value = edge
    for line in encodings(changed(row, [(kind, index, key, value), *more])):
        assert_same(line)


@PROPERTY
@given(st.lists(plain, max_size=5))
def test_plain_valid_rows_take_the_fast_path(msgs: list[dict[str, Any]]) -> None:
    row = {"messages": [*msgs, {"role": "assistant", "content": "Use a CTE."}]}
    for line in encodings(row):
        if isinstance(normal_path(line), Record):
            assert assert_same(line) is not None


# Raw text the JSON writers above never produce: duplicate keys, escaped key names, non-JSON
# number spellings, bad escapes, lone surrogates, trailing garbage.
BASE = '"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]'
RAW = [
    "{" + BASE + "}",
    '{"messages":5,' + BASE + "}",
    "{" + BASE + ',"messages":5}',
    "{" + BASE + ',"\\u0069d":""}',
    "{" + BASE + ',"i\\u0064":"x"}',
    "{" + BASE + ',"\\u006deta":{}}',
    "{" + BASE + ',"tools":[{"a":NaN}]}',
    "{" + BASE + ',"tools":[{"a":-Infinity}]}',
    "{" + BASE + ',"tools":[{"a":1e400}]}',
    "{" + BASE + ',"tools":[{"a":' + "9" * 400 + ".5}]}",
    "{" + BASE + ',"tools":[{"a":' + "9" * 400 + "}]}",
    "{" + BASE + ',"tools":[{"a":18446744073709551616}]}',
    "{" + BASE + ',"tools":[{"a":01}]}',
    "{" + BASE + ',"tools":[{"a":1,"a":NaN}]}',
    "{" + BASE + ',"tools":[' + "[" * 300 + "]" * 300 + "]}",
    '{"messages":[{"role":"user","content":"q\\ud800"},{"role":"assistant","content":"a"}]}',
    '{"messages":[{"role":"user","content":"q","content":""},{"role":"assistant","content":"a"}]}',
    '{"messages":[{"role":"user","content":"","content":"q"},{"role":"assistant","content":"a"}]}',
    '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a","weight":1e0}]}',
    '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a","weight":false}]}',
    '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"true","weight":1}]}',
    "{" + BASE + "} x",
    "{" + BASE + "}{}",
    "\ufeff{" + BASE + "}",
    "{}",
    "[]",
    "null",
]


@pytest.mark.parametrize("text", RAW)
def test_raw_lines_take_the_fast_path_only_when_it_is_exact(text: str) -> None:
    assert_same(text.encode())


def test_fast_path_answers_the_common_shapes() -> None:
    tool_row = {
        "tools": [{"type": "function", "function": {"name": "run_sql", "parameters": {"a": 1.5}}}],
        "messages": [
            {"role": "system", "content": ""},
            {"role": "user", "content": "Count the orders.", "name": "ana"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "run_sql", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "42"},
            {"role": "assistant", "content": "42 orders.", "weight": 1},
        ],
    }
    for line in encodings(tool_row):
        assert assert_same(line) is not None


def test_fresh_provenance_is_a_default_provenance() -> None:
    prov = fresh_provenance()
    assert type(prov) is Provenance
    assert prov == Provenance() and prov.model_fields_set == set()
    assert prov is not fresh_provenance()


def test_a_file_reads_the_same_with_and_without_the_fast_path(tmp_path: Path) -> None:
    good = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    lines = [
        json.dumps(good),
        json.dumps({**good, "id": "mine"}),  # kept in meta: normal path
        json.dumps({"messages": [{"role": "user", "content": "q"}]}),
        "not json",
        json.dumps({**good, "tools": [{"x": float("inf")}]}),  # Infinity: invalid JSON for orjson
        "",
        json.dumps({"messages": [{"role": "function", "content": "x"}, good["messages"][1]]}),
        json.dumps(good, ensure_ascii=False) + "\r",
    ]
    path = tmp_path / "chat.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = read_all(path)
    assert result.format == "openai-jsonl"
    assert result.read == 7  # the blank line is not a row
    got = {r.provenance.source_line: r for r in result.records}
    codes = {r.line: r.code for r in result.rejects}
    assert codes == {3: "example_missing_assistant_message", 4: "invalid_json", 5: "invalid_json"}
    for number, text in enumerate(lines, 1):
        expected = normal_path(text.encode())
        if isinstance(expected, Record):
            record = got[number]
            assert record.id == expected.id
            assert record.model_dump(exclude={"provenance"}) == expected.model_dump(
                exclude={"provenance"}
            )
            assert record.provenance.model_dump(exclude_unset=True) == {
                "origin": "real",
                "source_file": str(path),
                "source_line": number,
                "source_format": "openai-jsonl",
            }
    assert got[2].meta == {"id": "mine"}
    assert got[7].messages[0].role == "tool"
