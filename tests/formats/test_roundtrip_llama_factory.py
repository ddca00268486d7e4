"""Property tests for LLaMA-Factory's KTO and v1 shapes: rows read and write back, and the
lossless pairs (KTO <-> unpaired, v1 <-> openai-jsonl, v1 DPO <-> trl-preference) convert
both ways with the same record ids and labels."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.errors import RowError
from curate.formats import get_format, llama_factory_kto, llama_factory_v1, trl_preference
from curate.formats import llama_factory_v1_preference as v1_preference
from curate.formats.detect import detect_values
from curate.records import Record

try:
    from . import preference_strategies as S
    from .test_roundtrip_sft import (
        PROPERTY,
        extra_fields,
        names,
        openai_messages,
        roundtrip,
        text,
        tool_defs,
    )
except ImportError:
    import preference_strategies as S  # type: ignore[no-redef]
    from test_roundtrip_sft import (  # type: ignore[no-redef]
        PROPERTY,
        extra_fields,
        names,
        openai_messages,
        roundtrip,
        text,
        tool_defs,
    )

KTO = llama_factory_kto.FORMAT
V1 = llama_factory_v1.FORMAT
V1_PREF = v1_preference.FORMAT
UNPAIRED = get_format("unpaired")
OPENAI = get_format("openai-jsonl")
TRL = get_format("trl-preference")


# --- KTO ----------------------------------------------------------------------------------


KTO_KEYS = frozenset(
    {"conversations", "messages", "system", "tools", "label", "kto_tag", "prompt", "completion",
     "instruction", "input", "output", "history"}
)


@st.composite
def kto_rows(draw: st.DrawFn, default_layout: bool = False) -> dict[str, Any]:
    """A KTO row: kto_en_demo's messages/role/content/label, or conversations/from/value/kto_tag."""
    if not default_layout and draw(st.integers(0, 2)) == 0:  # the alpaca variant
        row: dict[str, Any] = {
            "instruction": draw(text),
            "input": draw(st.just("") | text),
            "output": draw(text),
            "kto_tag": draw(st.booleans()),
        }
        if draw(st.booleans()):
            row["history"] = [[draw(text), draw(text)]]
        row.update(draw(extra_fields(KTO_KEYS)))
        return row
    sharegpt_style = False if default_layout else draw(st.booleans())
    turns_key, who, what, tag = (
        ("conversations", "from", "value", "kto_tag")
        if sharegpt_style
        else ("messages", "role", "content", "label")
    )
    user, assistant = ("human", "gpt") if sharegpt_style else ("user", "assistant")
    turns: list[dict[str, Any]] = []
    if draw(st.booleans()):
        turns.append({who: "system", what: draw(text)})
    for _ in range(draw(st.integers(1, 3))):
        turns.append({who: user, what: draw(text)})
        turns.append({who: assistant, what: draw(text)})
    row = {turns_key: turns, tag: draw(st.booleans())}
    row.update(draw(extra_fields(KTO_KEYS)))
    return row


@PROPERTY
@given(kto_rows())
def test_kto_rows_round_trip_with_their_label(row: dict[str, Any]) -> None:
    assert roundtrip(KTO, row) == row
    rec = KTO.parse(row)
    assert rec.kind == "unpaired"
    assert rec.label is row.get("label", row.get("kto_tag"))


@PROPERTY
@given(kto_rows(default_layout=True))
def test_kto_converts_to_unpaired_and_back(row: dict[str, Any]) -> None:
    rec = KTO.parse(row)
    as_unpaired = UNPAIRED.render(rec)
    assert as_unpaired["label"] is row["label"]
    # the completion is the last assistant turn; the prompt every turn before it
    assert as_unpaired["completion"] == [row["messages"][-1]]
    assert as_unpaired["prompt"] == row["messages"][:-1]
    back = UNPAIRED.parse(as_unpaired)
    assert back.id == rec.id and back.label is rec.label
    assert KTO.render(back) == row
    # --from unpaired reads the KTO shape too, with the same meaning
    assert UNPAIRED.parse(row).id == rec.id


# --- v1 SFT -------------------------------------------------------------------------------


def v1_message(role: str, value: str, weight: float) -> dict[str, Any]:
    return {"role": role, "content": [{"type": "text", "value": value}], "loss_weight": weight}


@st.composite
def v1_messages(draw: st.DrawFn) -> list[dict[str, Any]]:
    """v1 messages as LLaMA-Factory's converters write them, with some non-default weights."""
    msgs: list[dict[str, Any]] = []
    if draw(st.booleans()):
        msgs.append(v1_message("system", draw(text | st.just("")), 0.0))
    for _ in range(draw(st.integers(1, 3))):
        msgs.append(v1_message("user", draw(text), draw(st.sampled_from([0.0, 0.0, 1.0]))))
        if draw(st.integers(0, 3)) == 0:
            msgs.append(v1_message("assistant", draw(text), draw(st.sampled_from([0.0, 1.0]))))
            msgs.append(v1_message("tool", draw(text), 0.0))
        msgs.append(v1_message("assistant", draw(text), draw(st.sampled_from([1.0, 1.0, 0.0]))))
    return msgs


@st.composite
def v1_rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {"messages": draw(v1_messages())}
    if draw(st.booleans()):
        row["tools"] = orjson.dumps(draw(tool_defs)).decode()
    if draw(st.booleans()):
        row["extra_info"] = draw(text)
    row.update(draw(extra_fields(llama_factory_v1.KNOWN | {"extra_info"})))
    return row


@PROPERTY
@given(v1_rows())
def test_v1_rows_round_trip_with_their_weights(row: dict[str, Any]) -> None:
    assert roundtrip(V1, row) == row
    rec = V1.parse(row)
    for message, source in zip(rec.messages, row["messages"], strict=True):
        trained = source["loss_weight"] == 1.0
        default = message.role == "assistant"
        assert message.weight == (None if trained == default else int(trained))


def _without_weight_one(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # openai's ``weight: 1`` is the assistant default; v1 writes it as loss_weight 1.0, which
    # reads back as the default (no weight), so the lossless pair is over rows without it
    return [{k: v for k, v in m.items() if not (k == "weight" and v == 1)} for m in messages]


@PROPERTY
@given(openai_messages(tools=False, names_too=False).map(_without_weight_one))
def test_tool_free_chats_convert_openai_to_v1_and_back(messages: list[dict[str, Any]]) -> None:
    row = {"messages": messages}
    rec = OPENAI.parse(row)
    as_v1 = V1.render(rec)
    back = V1.parse(as_v1)
    assert back.id == rec.id
    assert OPENAI.render(back) == row
    assert V1.render(OPENAI.parse(OPENAI.render(back))) == as_v1


# --- v1 DPO -------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(S.plain_pair_record(), S.extras(v1_preference.KNOWN | trl_preference.KNOWN))
def test_v1_pairs_convert_to_trl_and_back(record: Record, extra: dict[str, Any]) -> None:
    record = record.model_copy(update={"meta": extra})
    row = V1_PREF.render(record)
    assert roundtrip(V1_PREF, row) == row
    rec = V1_PREF.parse(row)
    assert rec.id == record.id
    assert [m.content for m in rec.messages] == [m.content for m in record.messages]
    via_trl = TRL.parse(TRL.render(rec))
    assert via_trl.id == rec.id
    assert V1_PREF.render(via_trl) == row


# --- bad data only ever raises RowError ---------------------------------------------------

VOCABULARY = sorted(
    {"messages", "conversations", "label", "kto_tag", "role", "content", "from", "value",
     "type", "text", "loss_weight", "chosen_messages", "rejected_messages", "tools",
     "user", "assistant", "image_url"}
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), text)
garbage = st.recursive(
    scalars | st.sampled_from(VOCABULARY),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(VOCABULARY) | names, inner, max_size=5)
    ),
    max_leaves=14,
)


@settings(max_examples=300, deadline=None)
@given(garbage)
def test_bad_data_only_ever_raises_row_error(row: Any) -> None:
    for fmt in (KTO, V1, V1_PREF, UNPAIRED):
        assert 0.0 <= fmt.score(row) <= 1.0
        try:
            rec = fmt.parse(row)
        except RowError:
            continue
        try:
            fmt.render(rec)
        except RowError as exc:
            assert exc.code == "unsupported_in_target"




@PROPERTY
@given(st.one_of(kto_rows().map(lambda r: ("llama-factory-kto", r)),
                 v1_rows().map(lambda r: ("llama-factory-v1", r))))
def test_generated_rows_are_detected_as_their_format(case: tuple[str, dict[str, Any]]) -> None:
    name, row = case
    detection = detect_values([row])
    assert (detection.format, detection.confidence) == (name, 1.0)
