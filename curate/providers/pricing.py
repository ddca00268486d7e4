"""Token prices per model (a shipped table users can override) and cost arithmetic."""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from curate.errors import UsageError
from curate.tokens import prompt_token_bound

_SNAPSHOT = re.compile(r"^-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$")


@dataclass(frozen=True)
class Price:
    """US dollars per million input and output tokens."""

    input: float
    output: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input + output_tokens * self.output) / 1_000_000


class PriceTable:
    """Prices by model name; ``overrides`` (from curate.toml) win over the shipped table.

    >>> table = PriceTable({"gpt-4o": Price(2.5, 10.0)})
    >>> table.price_for("gpt-4o-2024-11-20")
    Price(input=2.5, output=10.0)
    >>> table.price_for("gpt-4o-mini") is None
    True
    """

    def __init__(self, prices: Mapping[str, Price], as_of: str | None = None) -> None:
        self.prices = dict(prices)
        self.as_of = as_of

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> PriceTable:
        """The shipped table (curate/providers/prices.toml) with ``overrides`` applied."""
        text = resources.files("curate.providers").joinpath("prices.toml").read_text("utf-8")
        data = tomllib.loads(text)
        prices = {name: _price(name, v) for name, v in data.get("models", {}).items()}
        for name, value in (overrides or {}).items():
            prices[name] = _price(name, value)
        return cls(prices, data.get("as_of"))

    def price_for(self, model: str) -> Price | None:
        """The price of ``model``: exact name, else an entry plus a dated snapshot suffix."""
        if model in self.prices:
            return self.prices[model]
        for name in sorted(self.prices, key=len, reverse=True):
            if model.startswith(name) and _SNAPSHOT.match(model[len(name) :]):
                return self.prices[name]
        return None

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        """Dollars for the usage, or None when the model has no price."""
        price = self.price_for(model)
        return None if price is None else price.cost(input_tokens, output_tokens)

    def max_cost(self, model: str, prompt_chars: int, max_tokens: int) -> float | None:
        """An upper estimate of one request's cost: its prompt and ``max_tokens`` of output."""
        return self.cost(model, prompt_token_bound(prompt_chars), max_tokens)


def _price(name: str, value: Any) -> Price:
    if isinstance(value, Price):
        return value
    if not isinstance(value, dict) and hasattr(value, "input"):  # a settings model
        value = {"input": value.input, "output": getattr(value, "output", None)}
    try:
        return Price(float(value["input"]), float(value["output"]))
    except (TypeError, KeyError, ValueError) as exc:
        raise UsageError(
            f"The price of '{name}' must have numeric 'input' and 'output' (dollars per million tokens).",
            f'Write it as [prices."{name}"] with input = 1.0 and output = 2.0.',
        ) from exc


def dollars(amount: float) -> str:
    """Dollars with enough digits to show an amount below a cent (two significant ones).

    >>> dollars(0.02), dollars(0.0015), dollars(0.0000123), dollars(2.5), dollars(0)
    ('$0.02', '$0.0015', '$0.000012', '$2.50', '$0.00')
    """
    if amount <= 0:
        return "$0.00"
    digits = max(2, min(8, 1 - math.floor(math.log10(amount))))
    text = f"{amount:.{digits}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0").ljust(2, "0")
    return f"${whole}.{frac}"
