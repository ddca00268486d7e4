"""Unpaired (KTO) rows: ``prompt``, ``completion`` and a boolean ``label``.

Prompt and completion are strings (a ``text`` record) or TRL conversational message lists, as
in the completion format; ``label`` says whether the completion is desirable.

>>> rec = FORMAT.parse({"prompt": "Is a Spark RDD mutable?", "completion": "Yes.", "label": False})
>>> rec.kind, rec.label
('unpaired', False)
>>> FORMAT.parse({"prompt": "p", "completion": "c", "label": "yes"})
Traceback (most recent call last):
curate.errors.RowError: The field 'label' must be true or false, not a string.

An SFT record has no label, and the writer never invents one: it is rejected
(``unsupported_in_target``) unless ``curate convert --label true|false`` gives every row that
label explicitly. A preference pair holds two examples and a row here holds one, so ``render``
rejects it; ``unpair`` turns a pair into its two unpaired records.

LLaMA-Factory's KTO rows (a chat in ``messages`` or ``conversations``, or alpaca's
``instruction``/``input``/``output``, plus a boolean ``label`` or ``kto_tag``) are read here too, as ``llama-factory-kto`` reads them, so ``--from unpaired``
accepts both shapes; they are written as prompt/completion/label.
"""

from __future__ import annotations

from typing import Any

from curate.errors import RowError
from curate.formats.base import Format
from curate.formats.common import build_record, require_dict, type_name, writable_meta
from curate.formats.completion import pair_data, render_pair
from curate.formats.llama_factory_kto import FORMAT as KTO
from curate.formats.llama_factory_kto import NO_LABEL
from curate.records import Record, new_version

KNOWN = frozenset({"prompt", "completion", "label", "tools"})


def unpair(record: Record) -> list[Record]:
    """A preference pair as two unpaired records (chosen: True, rejected: False)."""
    if record.kind != "preference":
        return [record]
    out = []
    for side, label in ((record.chosen, True), (record.rejected, False)):
        if side:
            out.append(
                new_version(
                    record,
                    kind="unpaired",
                    messages=[*record.messages, *side],
                    chosen=None,
                    rejected=None,
                    label=label,
                )
            )
    return out


class Unpaired(Format):
    """KTO-style unpaired examples."""

    name = "unpaired"
    aliases = ("kto",)
    kinds = ("unpaired",)
    description = "prompt/completion/label rows (KTO), as strings or message lists."

    def score(self, row: Any) -> float:
        if not isinstance(row, dict) or "prompt" not in row or "completion" not in row:
            return 0.0
        return 1.0 if "label" in row else 0.0

    def parse(self, row: Any) -> Record:
        row = require_dict(row)
        if "prompt" not in row and ("messages" in row or "conversations" in row or "output" in row):
            return KTO.parse(row)
        data = pair_data(row, KNOWN)
        if "label" not in row:
            raise RowError("missing_field", "The row has no 'label'.")
        label = row["label"]
        if type(label) is not bool:
            raise RowError(
                "invalid_label", f"The field 'label' must be true or false, not {type_name(label)}."
            )
        data["kind"] = "unpaired"
        data["label"] = label
        return build_record(data)

    def render(self, record: Record) -> dict[str, Any]:
        if record.kind == "preference":
            raise RowError(
                "unsupported_in_target",
                "A preference pair holds two examples and an unpaired row holds one.",
            )
        label = record.label
        if record.kind != "unpaired" or type(label) is not bool:
            raise RowError("unsupported_in_target", NO_LABEL)
        out = render_pair(record, record.messages)
        out["label"] = label
        out.update(writable_meta(record.meta, KNOWN))
        return out


FORMAT = Unpaired()
