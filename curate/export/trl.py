"""TRL datasets: SFT ``messages`` (or prompt/completion text) and preference prompt/chosen/rejected.

The layout follows TRL's dataset formats (``docs/source/dataset_formats.md`` in TRL):

| kind | all records plain text | otherwise (conversational) |
| --- | --- | --- |
| sft | ``{"prompt": str, "completion": str}`` | ``{"messages": [...], "tools": [...]}`` |
| preference | ``{"prompt": str, "chosen": str, "rejected": str}`` | the same keys as message lists |

One layout per export, so every split loads with ``datasets.load_dataset`` into one schema; a
text record in a conversational export becomes one user and one assistant turn. Every row
carries the canonical record ``id`` (trainers ignore unknown columns). TRL has no per-turn
training weight: ``weight: 1`` marks are dropped and a record with a ``weight: 0`` turn is left
out as ``unsupported_in_target``. JSONL or Parquet (``--container parquet``).
"""

from __future__ import annotations

from curate.export.base import Layout, Target, without_weights
from curate.formats._preference import text_pair
from curate.records import Record

TEXT = "text"
CHAT = "conversational"


class Trl(Target):
    """TRL's SFTTrainer and DPOTrainer dataset formats."""

    name = "trl"
    kinds = ("sft", "preference")
    containers = ("jsonl", "parquet")
    description = "TRL SFT / DPO datasets (JSONL or Parquet)"
    formats = {"sft": "openai-jsonl", "preference": "trl-preference"}
    add_id = True

    def layout(self, records: list[Record], kind: str) -> Layout:
        if kind == "sft":
            if records and all(r.text for r in records):
                return Layout(kind, "completion", "completion", {"shape": TEXT})
            return Layout(kind, "openai-jsonl", "openai-jsonl", {"shape": CHAT})
        if records and all(text_pair(r) is not None for r in records):
            return Layout(kind, "trl-preference", "trl-preference", {"shape": TEXT})
        return Layout(kind, "trl-preference", "trl-preference", {"shape": CHAT})

    def prepare(self, record: Record, layout: Layout) -> Record:
        record = without_weights(record, self.name)
        if layout.options.get("shape") == CHAT and record.text:
            record = record.model_copy(update={"text": False})
        return record


TARGET = Trl()
