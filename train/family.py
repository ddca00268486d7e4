"""Model families from model names, to keep a model from training on its own family's output."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

# (family, pattern on the lower-cased name); the first match wins, so specific names go first.
FAMILY_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("gpt2", re.compile(r"(^|[/_-])gpt-?(2|neo|j)($|[/_.-])")),
    (
        "gpt",
        re.compile(
            r"gpt-?oss|chatgpt|(^|[/_-])gpt-?[345]|(^|[/_-])o[134](-mini|-pro|-preview)?($|[/_-])"
        ),
    ),
    ("claude", re.compile(r"claude")),
    ("llama", re.compile(r"llama")),
    ("qwen", re.compile(r"qwen|qwq")),
    ("mistral", re.compile(r"mistral|mixtral|codestral|ministral|magistral|devstral")),
    ("gemma", re.compile(r"gemma|gemini")),
    ("phi", re.compile(r"(^|[/_-])phi-?\d")),
    ("deepseek", re.compile(r"deepseek")),
    ("cohere", re.compile(r"command-?r|command-?a|cohere|aya")),
    ("falcon", re.compile(r"falcon")),
    ("olmo", re.compile(r"olmo")),
    ("granite", re.compile(r"granite")),
    ("glm", re.compile(r"(^|[/_-])glm|chatglm")),
]

# config.json model_type values whose family is unambiguous
MODEL_TYPES = {
    "qwen2": "qwen",
    "qwen3": "qwen",
    "qwen2_moe": "qwen",
    "qwen3_moe": "qwen",
    "mistral": "mistral",
    "mixtral": "mistral",
    "gemma": "gemma",
    "gemma2": "gemma",
    "gemma3": "gemma",
    "gemma3_text": "gemma",
    "phi3": "phi",
    "deepseek_v3": "deepseek",
    "cohere": "cohere",
    "cohere2": "cohere",
    "gpt_oss": "gpt",
    "gpt2": "gpt2",
    "olmo2": "olmo",
    "granite": "granite",
    "llama": "llama",
}


def family_of(name: str | None) -> str | None:
    """The family a model name belongs to, or None when it is not recognised.

    >>> family_of("meta-llama/Llama-3.1-8B-Instruct"), family_of("claude-sonnet-4-5")
    ('llama', 'claude')
    >>> family_of("gpt-4o-mini"), family_of("openai-community/gpt2"), family_of("Qwen/Qwen2.5-7B")
    ('gpt', 'gpt2', 'qwen')
    >>> family_of("tiny-random") is None
    True
    """
    if not name:
        return None
    low = name.lower()
    for family, pattern in FAMILY_PATTERNS:
        if pattern.search(low):
            return family
    return None


def base_model_family(source: str) -> str | None:
    """Family of a base model: from its name or path, else from a local config.json."""
    by_name = family_of(source)
    if by_name:
        return by_name
    config = Path(source) / "config.json"
    if config.is_file():
        try:
            data: Any = json.loads(config.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if isinstance(data, dict):
            return family_of(str(data.get("_name_or_path") or "")) or MODEL_TYPES.get(
                str(data.get("model_type"))
            )
    return None


def generator_families(manifest: dict[str, Any]) -> dict[str, list[str]]:
    """Families of the models that generated the export's synthetic records.

    A generator whose model was not recorded (null, as for records imported as synthetic)
    belongs to no family.

    >>> generator_families({"generators": [{"model": None, "records": 3},
    ...                                     {"model": "gpt-4o", "records": 1}]})
    {'gpt': ['gpt-4o']}
    """
    out: dict[str, list[str]] = {}
    for gen in manifest.get("generators") or []:
        model = gen.get("model") if isinstance(gen, dict) else None
        if not isinstance(model, str) or not model:
            continue
        family = family_of(model)
        if family:
            out.setdefault(family, []).append(model)
    return out


def unrecorded_generator_records(manifest: dict[str, Any]) -> int:
    """Synthetic records whose generating model the export does not know."""
    total = 0
    for gen in manifest.get("generators") or []:
        if isinstance(gen, dict) and not gen.get("model"):
            records = gen.get("records")
            total += records if isinstance(records, int) else 0
    return total
