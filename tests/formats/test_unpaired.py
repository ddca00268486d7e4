"""The unpaired (KTO) reader and writer."""

from __future__ import annotations

from typing import Any

import pytest

from curate.errors import RowError
from curate.formats import get_format
from curate.formats.unpaired import FORMAT, unpair
from curate.records import Message, Record

U = {"role": "user", "content": "Is HDFS good for small files?"}
A = {"role": "assistant", "content": "No: each file costs NameNode memory."}


def code_of(row: Any) -> str:
    with pytest.raises(RowError) as info:
        FORMAT.parse(row)
    return info.value.code


def msg(role: str, content: str) -> Message:
    return Message(role=role, content=content)  # type: ignore[arg-type]


def test_alias() -> None:
    assert get_format("kto") is FORMAT


@pytest.mark.parametrize("label", [True, False])
def test_text_rows(label: bool) -> None:
    row = {
        "prompt": "Is HDFS good for small files?",
        "completion": " Yes.",
        "label": label,
        "rater": "r2",
    }
    rec = FORMAT.parse(row)
    assert rec.kind == "unpaired" and rec.label is label and rec.text
    assert rec.meta == {"rater": "r2"}
    assert FORMAT.render(rec) == row


def test_conversational_rows() -> None:
    row = {"prompt": [U], "completion": [A], "label": True}
    rec = FORMAT.parse(row)
    assert not rec.text and [m.role for m in rec.messages] == ["user", "assistant"]
    assert FORMAT.render(rec) == row


def test_label_changes_the_id() -> None:
    row = {"prompt": "p", "completion": "c"}
    assert FORMAT.parse({**row, "label": True}).id != FORMAT.parse({**row, "label": False}).id


BAD_ROWS = [
    ({"prompt": "p", "completion": "c", "label": "true"}, "invalid_label"),
    ({"prompt": "p", "completion": "c", "label": 1}, "invalid_label"),
    ({"prompt": "p", "completion": "c", "label": 0}, "invalid_label"),
    ({"prompt": "p", "completion": "c", "label": None}, "invalid_label"),
    ({"prompt": "p", "completion": "c", "label": [True]}, "invalid_label"),
    ({"prompt": "p", "completion": "c"}, "missing_field"),
    ({"completion": "c", "label": True}, "missing_field"),
    ({"prompt": "p", "completion": 5, "label": True}, "data_type"),
    ({"prompt": "p", "completion": "", "label": True}, "missing_content"),
    ({"prompt": [U], "completion": [U], "label": True}, "unrecognized_role"),
    ({"prompt": [U], "completion": [], "label": True}, "missing_messages_list"),
    ([1], "data_type"),
    ({}, "empty_row"),
]


@pytest.mark.parametrize(("row", "code"), BAD_ROWS)
def test_bad_rows_get_their_reason_code(row: Any, code: str) -> None:
    assert code_of(row) == code


def test_sft_record_gets_no_invented_label() -> None:
    rec = Record(text=True, messages=[msg("user", "p"), msg("assistant", "c")])
    with pytest.raises(RowError) as info:
        FORMAT.render(rec)
    assert info.value.code == "unsupported_in_target"
    assert "--label" in info.value.message
    labelled = Record(kind="unpaired", label=False, text=True, messages=rec.messages)
    assert FORMAT.render(labelled) == {"prompt": "p", "completion": "c", "label": False}


def test_llama_factory_kto_rows_are_read_with_their_label() -> None:
    row = {"messages": [U, A, {"role": "user", "content": "And for logs?"}, A], "label": False}
    rec = FORMAT.parse(row)
    assert rec.kind == "unpaired" and rec.label is False
    out = FORMAT.render(rec)
    assert out["label"] is False
    assert out["prompt"] == [U, A, {"role": "user", "content": "And for logs?"}]
    assert out["completion"] == [A]
    tagged = FORMAT.parse({"conversations": [{"from": "human", "value": "q"},
                                             {"from": "gpt", "value": "a"}], "kto_tag": True})
    assert tagged.label is True


def test_preference_pair_is_rejected_and_unpair_splits_it() -> None:
    pair = Record(
        kind="preference",
        messages=[msg("user", "p")],
        chosen=[msg("assistant", "good")],
        rejected=[msg("assistant", "bad")],
    )
    with pytest.raises(RowError) as info:
        FORMAT.render(pair)
    assert info.value.code == "unsupported_in_target"
    good, bad = unpair(pair)
    assert (good.label, bad.label) == (True, False)
    assert good.parent_id == pair.id and good.kind == "unpaired"
    assert FORMAT.render(bad)["completion"] == [{"role": "assistant", "content": "bad"}]


def test_score() -> None:
    assert FORMAT.score({"prompt": "p", "completion": "c", "label": False}) == 1.0
    assert FORMAT.score({"prompt": "p", "completion": "c"}) == 0.0
    assert FORMAT.score("x") == 0.0
