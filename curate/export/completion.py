"""Prompt/completion rows: strings for text records, TRL conversational message lists otherwise."""

from __future__ import annotations

from curate.export.base import Target


class Completion(Target):
    """Prompt/completion SFT rows (OpenAI legacy, TRL prompt-completion)."""

    name = "completion"
    kinds = ("sft",)
    containers = ("jsonl", "json")
    description = "prompt/completion pairs (SFT)"
    formats = {"sft": "completion"}


TARGET = Completion()
