"""OpenAI preference (DPO) JSONL: ``input.messages``, ``preferred_output``, ``non_preferred_output``."""

from __future__ import annotations

from curate.export.base import Target


class OpenAIPreference(Target):
    """Preference pairs for OpenAI's DPO fine-tuning."""

    name = "openai-preference"
    kinds = ("preference",)
    description = "OpenAI DPO JSONL (preference pairs)"
    formats = {"preference": "openai-preference"}


TARGET = OpenAIPreference()
