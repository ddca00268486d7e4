"""LLaMA-Factory datasets: ShareGPT data files plus their ``dataset_info.json`` entries.

SFT rows use the ``sharegpt`` writer, preference rows the ``sharegpt-preference`` writer
(``ranking: true``). ``dataset_info.json`` holds one entry per split, named ``NAME_SPLIT``, with
the columns the rows actually carry and the ShareGPT tags; copy the entries into
LLaMA-Factory's ``data/dataset_info.json`` (or point ``dataset_dir`` at the export folder) and
train with ``dataset: NAME_train``. LLaMA-Factory has no per-turn weight, so a record with a
``weight: 0`` turn is left out as ``unsupported_in_target``.
"""

from __future__ import annotations

from typing import Any

import orjson

from curate.export.base import Layout, Target, without_weights
from curate.records import Record

TAGS = {
    "role_tag": "from",
    "content_tag": "value",
    "user_tag": "human",
    "assistant_tag": "gpt",
    "observation_tag": "observation",
    "function_tag": "function_call",
    "system_tag": "system",
}
INFO_FILE = "dataset_info.json"


def dataset_entry(file_name: str, kind: str, columns: set[str]) -> dict[str, Any]:
    """One ``dataset_info.json`` entry for a data file holding ``columns``.

    >>> dataset_entry("train.json", "preference", {"conversations", "chosen", "rejected"})["ranking"]
    True
    """
    cols: dict[str, str] = {"messages": "conversations"}
    if kind == "preference":
        cols.update({"chosen": "chosen", "rejected": "rejected"})
    for optional in ("system", "tools"):
        if optional in columns:
            cols[optional] = optional
    entry: dict[str, Any] = {"file_name": file_name, "formatting": "sharegpt"}
    if kind == "preference":
        entry["ranking"] = True
    entry["columns"] = cols
    entry["tags"] = dict(TAGS)
    return entry


class LlamaFactory(Target):
    """ShareGPT-format data files registered for LLaMA-Factory (SFT, and ranking for DPO)."""

    name = "llama-factory"
    kinds = ("sft", "preference")
    containers = ("json", "jsonl")
    description = "LLaMA-Factory ShareGPT data files + dataset_info.json (SFT, ranking)"
    formats = {"sft": "sharegpt", "preference": "sharegpt-preference"}

    def prepare(self, record: Record, layout: Layout) -> Record:
        return without_weights(record, self.name)

    def extra_files(
        self, layout: Layout, files: dict[str, str], columns: dict[str, set[str]], name: str
    ) -> dict[str, bytes]:
        info = {
            f"{name}_{split}": dataset_entry(path, layout.kind, columns[split])
            for split, path in files.items()
        }
        return {INFO_FILE: orjson.dumps(info, option=orjson.OPT_INDENT_2) + b"\n"}


TARGET = LlamaFactory()
