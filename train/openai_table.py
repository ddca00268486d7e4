"""OpenAI fine-tuning prices and per-example token limits (a shipped TOML, overridable), and epochs.

>>> table = FineTuneTable({"gpt-4o-mini": ModelLimits(3.0, 65536)})
>>> table.lookup("gpt-4o-mini-2024-07-18")
ModelLimits(training=3.0, context=65536)
>>> table.lookup("ft:gpt-4o-mini-2024-07-18:acme:support:9xYz") == table.lookup("gpt-4o-mini")
True
>>> table.lookup("gpt-5-pro") is None
True
>>> [default_epochs(n) for n in (10, 34, 100, 9000, 100_000)]
[10, 3, 3, 2, 1]
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from curate.errors import UsageError

TABLE_FILE = "finetune_prices.toml"
_SNAPSHOT = re.compile(r"^-(\d{8}|\d{4}-\d{2}-\d{2}|\d{4}|latest)$")

# How OpenAI picks n_epochs when it is "auto", as OpenAI's cookbook notebook
# "Data preparation and analysis for chat model fine-tuning" estimates it: 3 epochs, raised so
# that small files see at least 100 examples in all (at most 25 epochs), lowered so that big
# ones see at most 25,000 (at least 1).
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25
EPOCHS_SOURCE = (
    "OpenAI's cookbook (Chat_finetuning_data_prep): 3 epochs, more for fewer than 34 examples, "
    "fewer for more than 8,333"
)


@dataclass(frozen=True)
class ModelLimits:
    """Dollars per million trained tokens, and the most tokens one training example may hold."""

    training: float
    context: int


class FineTuneTable:
    """Base models by name; the shipped table with a user's overrides applied."""

    def __init__(
        self, models: dict[str, ModelLimits], as_of: str | None = None, source: str | None = None
    ) -> None:
        self.models = dict(models)
        self.as_of = as_of
        self.source = source

    @classmethod
    def load(cls, override: str | Path | None = None) -> FineTuneTable:
        """The shipped table (curate/providers/finetune_prices.toml), then ``override``'s models."""
        text = resources.files("curate.providers").joinpath(TABLE_FILE).read_text("utf-8")
        data = tomllib.loads(text)
        models = {k: _limits(k, v) for k, v in data.get("models", {}).items()}
        as_of, source = data.get("as_of"), data.get("source")
        if override is not None:
            path = Path(override)
            try:
                extra = tomllib.loads(path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise UsageError(
                    f"The price table {path} cannot be read as TOML ({exc}).",
                    'Write models as [models."gpt-4o-mini"] with training = 3.0 and context = 65536.',
                ) from None
            for name, value in extra.get("models", {}).items():
                base = models.get(name)
                merged = {"training": base.training, "context": base.context} if base else {}
                merged.update(value if isinstance(value, dict) else {})
                models[name] = _limits(name, merged)
            as_of = extra.get("as_of", as_of)
            source = f"{source}; overridden by {path}"
        return cls(models, as_of, source)

    def lookup(self, model: str) -> ModelLimits | None:
        """The entry for ``model``: exact, a dated snapshot of an entry, or a fine-tuned model's base."""
        if model.startswith("ft:"):
            model = model[3:].split(":", 1)[0]
        if model in self.models:
            return self.models[model]
        for name in sorted(self.models, key=len, reverse=True):
            if model.startswith(name) and _SNAPSHOT.match(model[len(name) :]):
                return self.models[name]
        return None


def default_epochs(n_examples: int) -> int:
    """The epochs OpenAI picks for ``n_epochs="auto"`` (see EPOCHS_SOURCE)."""
    if n_examples <= 0:
        return TARGET_EPOCHS
    if n_examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // n_examples)
    if n_examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // n_examples)
    return TARGET_EPOCHS


def _limits(name: str, value: Any) -> ModelLimits:
    try:
        return ModelLimits(float(value["training"]), int(value["context"]))
    except (TypeError, KeyError, ValueError) as exc:
        raise UsageError(
            f"The fine-tuning entry of '{name}' needs a numeric 'training' (dollars per million "
            "trained tokens) and an integer 'context' (tokens per example).",
            f'Write it as [models."{name}"] with training = 3.0 and context = 65536.',
        ) from exc
