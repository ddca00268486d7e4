"""ShareGPT conversations (``conversations`` of ``{from, value}``), a JSON array by default."""

from __future__ import annotations

from curate.export.base import Target


class ShareGPT(Target):
    """ShareGPT SFT rows: human/gpt/system/function_call/observation turns, tools as JSON."""

    name = "sharegpt"
    kinds = ("sft",)
    containers = ("json", "jsonl")
    description = "ShareGPT conversations (SFT)"
    formats = {"sft": "sharegpt"}


TARGET = ShareGPT()
