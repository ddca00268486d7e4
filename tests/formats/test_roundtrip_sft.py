"""Property tests: each SFT format reads and writes back its rows, and lossless pairs convert both ways."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curate.errors import RowError
from curate.formats import alpaca, completion, openai_chat, sharegpt, unpaired
from curate.formats.openai_tools import tool_shape_problems
from curate.records import Record

OPENAI = openai_chat.FORMAT
SHAREGPT = sharegpt.FORMAT
ALPACA = alpaca.FORMAT
COMPLETION = completion.FORMAT
UNPAIRED = unpaired.FORMAT
SFT_FORMATS = [OPENAI, SHAREGPT, ALPACA, COMPLETION, UNPAIRED]

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text with edge whitespace, newlines, "\n\n" separators and non-ASCII, never blank.
text = st.text(
    alphabet=st.one_of(st.sampled_from(list(' \n\t#:{}"\\')), st.characters(codec="utf-8")),
    min_size=1,
    max_size=40,
).filter(lambda s: not s.isspace())
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**31), 2**31), text)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=3),
    max_leaves=6,
)
arguments = st.dictionaries(
    names, st.one_of(st.integers(-1000, 1000), text, st.booleans()), max_size=3
)
tool_defs = st.lists(
    st.fixed_dictionaries(
        {"type": st.just("function"), "function": st.fixed_dictionaries({"name": names})}
    ),
    min_size=1,
    max_size=2,
)


def extra_fields(known: frozenset[str]) -> st.SearchStrategy[dict[str, Any]]:
    keys = names.filter(lambda k: k not in known and k != "_layout")  # a reserved meta key
    return st.dictionaries(keys, json_values, max_size=2)


def roundtrip(fmt: Any, row: dict[str, Any]) -> dict[str, Any]:
    rec = fmt.parse(row)
    # through the store: a record dumped and validated again is the same record
    again = Record.model_validate(orjson.loads(orjson.dumps(rec.model_dump())))
    assert again == rec
    out = fmt.render(again)
    assert fmt.parse(out).id == rec.id
    return out


# --- openai-jsonl -------------------------------------------------------------------------


@st.composite
def openai_messages(
    draw: st.DrawFn,
    tools: bool = True,
    names_too: bool = True,
    ids: str = "some",
    parallel: bool = False,
    weights: bool = True,
) -> list[dict[str, Any]]:
    """An OpenAI conversation: optional system, then user turns each answered by the assistant.

    ``ids``: "all" gives every tool call an id and every result its ``tool_call_id`` (results
    of parallel calls in any order), "none" gives none (results in call order), "some" draws.
    """
    msgs: list[dict[str, Any]] = []
    used: set[str] = set()
    if draw(st.booleans()):
        msgs.append({"role": "system", "content": draw(text | st.just(""))})
    for _ in range(draw(st.integers(1, 3))):
        user: dict[str, Any] = {"role": "user", "content": draw(text)}
        if names_too and draw(st.booleans()):
            user["name"] = draw(names)
        msgs.append(user)
        for _ in range(draw(st.integers(0, 2)) if tools and draw(st.integers(0, 3)) == 0 else 0):
            calls = []
            for _ in range(draw(st.integers(1, 3)) if parallel else 1):
                call: dict[str, Any] = {
                    "type": "function",
                    "function": {
                        "name": draw(names),
                        "arguments": orjson.dumps(draw(arguments)).decode(),
                    },
                }
                if ids == "all" or (ids == "some" and draw(st.booleans())):
                    call["id"] = draw(names.filter(lambda n: n not in used))
                    used.add(call["id"])
                calls.append(call)
            msgs.append(
                {"role": "assistant", "content": draw(st.none() | text), "tool_calls": calls}
            )
            order = draw(st.permutations(calls)) if ids == "all" else calls
            for call in order:
                result: dict[str, Any] = {"role": "tool", "content": draw(text)}
                if "id" in call:
                    result["tool_call_id"] = call["id"]
                msgs.append(result)
        answer: dict[str, Any] = {"role": "assistant", "content": draw(text)}
        if weights and draw(st.booleans()):
            answer["weight"] = draw(st.sampled_from([0, 1]))
        msgs.append(answer)
    return msgs


@st.composite
def openai_rows(draw: st.DrawFn) -> dict[str, Any]:
    # The writer's shape: every tool call has an id and every result names its call.
    row: dict[str, Any] = {"messages": draw(openai_messages(ids="all", parallel=True))}
    if draw(st.booleans()):
        row["tools"] = draw(tool_defs)
    row.update(draw(extra_fields(openai_chat.KNOWN)))
    return row


@PROPERTY
@given(openai_rows())
def test_openai_rows_round_trip(row: dict[str, Any]) -> None:
    assert roundtrip(OPENAI, row) == row
    assert tool_shape_problems(row) == []


@PROPERTY
@given(openai_messages(ids="none", parallel=True), tool_defs)
def test_openai_rows_without_ids_are_written_with_stable_ids_paired_by_order(
    messages: list[dict[str, Any]], tools: list[dict[str, Any]]
) -> None:
    rec = OPENAI.parse({"messages": messages, "tools": tools})
    out = OPENAI.render(rec)
    assert tool_shape_problems(out) == []
    assert OPENAI.render(rec) == out  # the same record always gets the same ids
    # the k-th result after a calling turn answers its k-th call; nothing else changed
    for i, m in enumerate(out["messages"]):
        for k, call in enumerate(m.get("tool_calls") or ()):
            assert out["messages"][i + 1 + k]["tool_call_id"] == call["id"]
            assert call["id"].startswith("call_")
            assert call["function"] == messages[i]["tool_calls"][k]["function"]
    strip = [
        {k: v for k, v in m.items() if k != "tool_call_id"}
        for m in orjson.loads(orjson.dumps(out["messages"]))
    ]
    for m in strip:
        for call in m.get("tool_calls") or ():
            del call["id"]
    assert strip == messages
    # written once, the ids are the source's: the row is a fixed point
    assert OPENAI.render(OPENAI.parse(out)) == out


# --- sharegpt -----------------------------------------------------------------------------


@st.composite
def sharegpt_rows(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(
        st.sampled_from([("conversations", "from", "value"), ("messages", "role", "content")])
    )
    turns_key, who, what = keys
    system_field = draw(st.booleans())
    aliases = draw(
        st.fixed_dictionaries(
            {
                "human": st.sampled_from(["human", "user"]),
                "gpt": st.sampled_from(["gpt", "assistant", "chatgpt"]),
                "observation": st.sampled_from(["observation", "tool"]),
            }
        )
    )
    turns: list[dict[str, Any]] = []
    if draw(st.booleans()) and not system_field:
        turns.append({who: "system", what: draw(text | st.just(""))})
    for _ in range(draw(st.integers(1, 3))):
        turns.append({who: aliases["human"], what: draw(text)})
        if draw(st.integers(0, 2)) == 0:
            with_ids = draw(st.booleans())  # ids carried from an OpenAI source
            calls = [
                {"name": draw(names), "arguments": draw(arguments)}
                | ({"id": f"call_{len(turns)}_{k}"} if with_ids else {})
                for k in range(draw(st.integers(1, 2)))
            ]
            value = calls[0] if len(calls) == 1 else calls
            turns.append({who: "function_call", what: orjson.dumps(value).decode()})
            result = {who: aliases["observation"], what: draw(text)}
            if with_ids:
                result["tool_call_id"] = calls[0]["id"]
            turns.append(result)
        turns.append({who: aliases["gpt"], what: draw(text)})
    row: dict[str, Any] = {turns_key: turns}
    if system_field:
        row["system"] = draw(text)
    if draw(st.booleans()):
        tools = draw(tool_defs)
        row["tools"] = tools if draw(st.booleans()) else orjson.dumps(tools).decode()
    row.update(draw(extra_fields(sharegpt.KNOWN)))
    return row


@PROPERTY
@given(sharegpt_rows())
def test_sharegpt_rows_round_trip(row: dict[str, Any]) -> None:
    assert roundtrip(SHAREGPT, row) == row


# --- alpaca -------------------------------------------------------------------------------


@st.composite
def alpaca_rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {
        "instruction": draw(text),
        "input": draw(st.just("") | text),
        "output": draw(text),
    }
    if draw(st.booleans()):
        row["system"] = draw(text)
    if draw(st.booleans()):
        row["history"] = draw(
            st.lists(st.lists(text, min_size=2, max_size=2), min_size=1, max_size=2)
        )
    row.update(draw(extra_fields(alpaca.KNOWN)))
    return row


@PROPERTY
@given(alpaca_rows())
def test_alpaca_rows_round_trip(row: dict[str, Any]) -> None:
    assert roundtrip(ALPACA, row) == row


# --- completion and unpaired --------------------------------------------------------------


@st.composite
def pair_rows(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {"prompt": draw(text), "completion": draw(text)}
    msgs = draw(openai_messages())
    end = len(msgs)
    while msgs[end - 1]["role"] == "assistant":
        end -= 1
    row: dict[str, Any] = {"prompt": msgs[:end], "completion": msgs[end:]}
    if draw(st.booleans()):
        row["tools"] = draw(tool_defs)
    return row


@PROPERTY
@given(pair_rows(), extra_fields(unpaired.KNOWN))
def test_completion_rows_round_trip(row: dict[str, Any], extra: dict[str, Any]) -> None:
    row = {**row, **extra}
    assert roundtrip(COMPLETION, row) == row


@PROPERTY
@given(pair_rows(), st.booleans(), extra_fields(unpaired.KNOWN))
def test_unpaired_rows_round_trip(row: dict[str, Any], label: bool, extra: dict[str, Any]) -> None:
    row = {**row, "label": label, **extra}
    assert roundtrip(UNPAIRED, row) == row


# --- lossless pairs -----------------------------------------------------------------------


@PROPERTY
@given(openai_messages(tools=False, names_too=False, weights=False))
def test_tool_free_chats_convert_openai_to_sharegpt_and_back(
    messages: list[dict[str, Any]],
) -> None:
    row = {"messages": messages}
    rec = OPENAI.parse(row)
    shared = SHAREGPT.render(rec)
    back = SHAREGPT.parse(shared)
    assert back.id == rec.id
    assert OPENAI.render(back) == row
    assert SHAREGPT.render(OPENAI.parse(OPENAI.render(back))) == shared


@st.composite
def openai_tool_chats(draw: st.DrawFn) -> dict[str, Any]:
    """OpenAI rows ShareGPT can hold: tool calls with ids, one call per turn (ShareGPT
    alternates, so one observation answers each function_call), multi-step, no names."""
    msgs: list[dict[str, Any]] = []
    if draw(st.booleans()):
        msgs.append({"role": "system", "content": draw(text)})
    made = 0
    for _ in range(draw(st.integers(1, 3))):
        msgs.append({"role": "user", "content": draw(text)})
        for _ in range(draw(st.integers(0, 2))):
            made += 1
            call = {
                "id": f"{draw(names)}_{made}",
                "type": "function",
                "function": {
                    "name": draw(names),
                    "arguments": orjson.dumps(draw(arguments)).decode(),
                },
            }
            msgs.append({"role": "assistant", "content": None, "tool_calls": [call]})
            msgs.append({"role": "tool", "content": draw(text), "tool_call_id": call["id"]})
        msgs.append({"role": "assistant", "content": draw(text)})
    row: dict[str, Any] = {"messages": msgs}
    if draw(st.booleans()):
        row["tools"] = draw(tool_defs)
    return row


@PROPERTY
@given(openai_tool_chats())
def test_tool_call_ids_and_arguments_survive_openai_to_sharegpt_and_back(
    row: dict[str, Any],
) -> None:
    rec = OPENAI.parse(row)
    shared = SHAREGPT.render(rec)
    back = SHAREGPT.parse(orjson.loads(orjson.dumps(shared)))
    assert back.id == rec.id
    again = OPENAI.render(back)
    assert again == row
    assert tool_shape_problems(again) == []


@PROPERTY
@given(alpaca_rows())
def test_alpaca_converts_to_openai_and_back(row: dict[str, Any]) -> None:
    rec = ALPACA.parse(row)
    back = OPENAI.parse(OPENAI.render(rec))
    assert back.id == rec.id
    # The openai row has no input field, so the input comes back joined into the instruction.
    expected = dict(row)
    if row["input"]:
        expected["instruction"] = row["instruction"] + "\n\n" + row["input"]
        expected["input"] = ""
    assert ALPACA.render(back) == expected
    # Kept as a record (as in the store), the split survives.
    assert ALPACA.render(rec) == row


@PROPERTY
@given(pair_rows(), extra_fields(unpaired.KNOWN))
def test_completion_and_desirable_unpaired_convert_both_ways(
    row: dict[str, Any], extra: dict[str, Any]
) -> None:
    row = {**row, **extra}
    rec = COMPLETION.parse(row)
    # an SFT record has no label: the unpaired writer never invents one
    with pytest.raises(RowError) as info:
        UNPAIRED.render(rec)
    assert info.value.code == "unsupported_in_target"
    # labelled explicitly (as curate convert --label true does), it converts both ways
    as_unpaired = UNPAIRED.render(rec.model_copy(update={"kind": "unpaired", "label": True}))
    assert as_unpaired["label"] is True
    assert COMPLETION.render(UNPAIRED.parse(as_unpaired)) == row


# --- readers and scores never raise anything but RowError ----------------------------------

VOCABULARY = sorted(
    openai_chat.KNOWN
    | sharegpt.KNOWN
    | alpaca.KNOWN
    | unpaired.KNOWN
    | {"role", "content", "from", "value", "tool_calls"}
)
garbage = st.recursive(
    scalars | st.sampled_from(VOCABULARY),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(VOCABULARY) | names, inner, max_size=5)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(garbage)
def test_bad_data_only_ever_raises_row_error(row: Any) -> None:
    for fmt in SFT_FORMATS:
        score = fmt.score(row)
        assert 0.0 <= score <= 1.0
        try:
            rec = fmt.parse(row)
        except RowError:
            continue
        try:
            fmt.render(rec)
        except RowError as exc:
            # openai-jsonl also refuses tool results it cannot pair and non-JSON arguments
            assert exc.code in ("unsupported_in_target", "unpaired_tool_call", "invalid_tool_call")


