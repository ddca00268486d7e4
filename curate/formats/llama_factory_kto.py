"""LLaMA-Factory KTO rows: a chat plus a boolean, ``{"messages": [...], "label": true}``.

As in LLaMA-Factory's ``data/kto_en_demo.json``: ``messages`` of ``{role, content}`` turns and a
boolean ``label``. Its ShareGPT variant, ``{"conversations": [{from, value}], "kto_tag": …}``,
and its alpaca variant, ``{"instruction", "input", "output", "kto_tag": …}`` (LLaMA-Factory's
data/README.md, KTO section), are read too. The turns follow the ShareGPT rules
(``curate.formats.sharegpt``), or alpaca's (``curate.formats.alpaca``); the record is
``unpaired``: its prompt is every turn before the last assistant turn, its completion that
turn, and ``label`` says whether the completion is desirable.

>>> rec = FORMAT.parse({"messages": [{"role": "user", "content": "Is Parquet row-based?"},
...                                  {"role": "assistant", "content": "Yes."}], "label": False})
>>> rec.kind, rec.label, rec.answer_messages()[0].content
('unpaired', False, 'Yes.')
>>> FORMAT.render(rec)["label"]
False

The reader notes the row's layout (turn keys, speaker names, ``label`` or ``kto_tag``) and the
writer gives it back; a record from another format is written as ``kto_en_demo.json`` is:
``messages`` with ``role``/``content`` and ``label``. An SFT record has no label, so it is not
written (``unsupported_in_target``; ``curate convert --label`` gives one explicitly), and a
preference pair holds two examples (``unpair`` splits it).
"""

from __future__ import annotations

from typing import Any

from curate.errors import RowError
from curate.formats import alpaca, sharegpt
from curate.formats.base import Format
from curate.formats.common import LAYOUT_KEY, build_record, layout_of, require_dict, type_name
from curate.records import Record

NAME = "llama-factory-kto"
TAGS = ("label", "kto_tag")
# How a record from another format is written: LLaMA-Factory's kto_en_demo.json layout.
DEFAULT_LAYOUT = {
    "turns": "messages",
    "keys": "role",
    "names": {"user": "user", "assistant": "assistant", "tool": "tool"},
}
NO_LABEL = (
    "The record has no label, and an unpaired (KTO) row needs one; pass --label true or "
    "--label false to curate convert to give every row that label."
)


def label_of(row: dict[str, Any]) -> tuple[str, bool]:
    """The key holding the row's KTO label and its value (``invalid_label`` unless boolean)."""
    tag = next((t for t in TAGS if t in row), None)
    if tag is None:
        raise RowError("missing_field", "The row has no 'label' (or 'kto_tag').")
    value = row[tag]
    if type(value) is not bool:
        raise RowError(
            "invalid_label", f"The field '{tag}' must be true or false, not {type_name(value)}."
        )
    return tag, value


class LlamaFactoryKTO(Format):
    """LLaMA-Factory KTO examples: one chat and its desirability label."""

    name = NAME
    aliases = ("llamafactory-kto", "kto-messages")
    kinds = ("unpaired",)
    description = "LLaMA-Factory KTO: messages (or conversations) plus a boolean label (kto_tag)."

    def score(self, row: Any) -> float:
        if not isinstance(row, dict) or "chosen" in row or "rejected" in row:
            return 0.0
        turns = row.get("messages", row.get("conversations"))
        if type(turns) is not list and not ("instruction" in row and "output" in row):
            return 0.0
        if any(type(row.get(t)) is bool for t in TAGS):
            return 1.0
        # a kto_tag that is not a boolean is still a KTO row (a bad one); a non-boolean
        # "label" is more likely a category kept beside an ordinary chat
        return 0.6 if "kto_tag" in row else 0.0

    def parse(self, row: Any) -> Record:
        row = require_dict(row)
        tag, label = label_of(row)
        rest = {k: v for k, v in row.items() if k != tag}
        shaped = "instruction" in row and "messages" not in row and "conversations" not in row
        sft = (alpaca.FORMAT if shaped else sharegpt.FORMAT).parse(rest)
        data = sft.model_dump(exclude={"id", "provenance", "parent_id"})
        meta = data["meta"]
        layout = dict(meta.get(LAYOUT_KEY) or {})
        # the note says this record came from a KTO row: its turns keep the row's layout
        layout[NAME] = {"tag": tag, "shape": "alpaca"} if shaped else {"tag": tag}
        meta[LAYOUT_KEY] = layout
        data["kind"] = "unpaired"
        data["label"] = label
        return build_record(data)

    def render(self, record: Record) -> dict[str, Any]:
        if record.kind == "preference":
            raise RowError(
                "unsupported_in_target",
                "A preference pair holds two examples and a KTO row holds one.",
            )
        if type(record.label) is not bool or record.kind != "unpaired":
            raise RowError("unsupported_in_target", NO_LABEL)
        meta = dict(record.meta)
        layouts = dict(meta.get(LAYOUT_KEY) or {})
        if NAME not in layouts:  # a record from another format: kto_en_demo's layout
            layouts[sharegpt.NAME] = DEFAULT_LAYOUT
        meta[LAYOUT_KEY] = layouts
        as_chat = record.model_copy(update={"kind": "sft", "label": None, "meta": meta})
        note = layout_of(record.meta, NAME) or {}
        tag = note.get("tag") if note.get("tag") in TAGS else "label"
        if note.get("shape") == "alpaca":
            chat = alpaca.FORMAT.render(as_chat)
            first = ("instruction", "input", "output")
        else:
            chat = sharegpt.FORMAT.render(as_chat)
            first = (next(iter(chat)),)  # the turns, then the label, as in kto_en_demo.json
        out: dict[str, Any] = {k: chat.pop(k) for k in first}
        out[tag] = record.label
        out.update(chat)
        return out


FORMAT = LlamaFactoryKTO()
