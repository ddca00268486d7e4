"""Unpaired (KTO) rows: ``prompt``, ``completion`` and a boolean ``label``.

Prompt and completion are strings (a ``text`` record) or TRL conversational message lists, as
in the completion format; ``label`` says whether the completion is desirable.

>>> rec = FORMAT.parse({"prompt": "Is a Spark RDD mutable?", "completion": "Yes.", "label": False})
>>> rec.kind, rec.label
('unpaired', False)
>>> FORMAT.parse({"prompt": "p", "completion": "c", "label": "yes"})
Traceback (most recent call last):
curate.errors.RowError: The field 'label' must be true or false, not a string.

An SFT record is written with ``label: true`` (it is an example to learn from). A preference
pair holds two examples and a row here holds one, so ``render`` rejects it; ``unpair`` turns
a pair into its two unpaired records.
"""

from __future__ import annotations

from typing import Any

from curate.errors import RowError
from curate.formats.base import Format
from curate.formats.common import build_record, require_dict, type_name, writable_meta
from curate.formats.completion import pair_data, render_pair
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
        label = True if record.kind == "sft" else record.label
        if type(label) is not bool:
            raise RowError("unsupported_in_target", "The unpaired example has no label.")
        out = render_pair(record, record.messages)
        out["label"] = label
        out.update(writable_meta(record.meta, KNOWN))
        return out


FORMAT = Unpaired()
