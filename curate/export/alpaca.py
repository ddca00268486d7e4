"""Alpaca rows (instruction, input, output, system, history), a JSON array by default."""

from __future__ import annotations

from curate.export.base import Target


class Alpaca(Target):
    """Alpaca SFT rows; a record read from alpaca keeps its instruction/input split."""

    name = "alpaca"
    kinds = ("sft",)
    containers = ("json", "jsonl")
    description = "Alpaca instruction rows (SFT)"
    formats = {"sft": "alpaca"}
    keep_layout = ("alpaca",)


TARGET = Alpaca()
