"""The provider contract: one chat request in, one chat response out, typed errors."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from typing import Any

import orjson

# The typed errors live in curate.providers.errors; importable from here too.
from curate.providers.errors import ConnectFailed as ConnectFailed
from curate.providers.errors import MalformedResponse as MalformedResponse
from curate.providers.errors import MissingApiKey as MissingApiKey
from curate.providers.errors import NonRetryableError as NonRetryableError
from curate.providers.errors import ProviderError as ProviderError
from curate.providers.errors import QuotaExhausted as QuotaExhausted
from curate.providers.errors import TransientError as TransientError

PROVIDERS = ("anthropic", "openai", "openai-compatible")
# Reason codes of an answer whose token usage cannot be read (it is charged at its worst case).
USAGE_MALFORMED = "usage_malformed"
USAGE_MISSING = "usage_missing"


@dataclass
class ChatRequest:
    """A provider-neutral chat request (OpenAI-style user/assistant messages)."""

    model: str
    messages: list[dict[str, Any]]
    system: str | None = None
    max_tokens: int = 1024
    temperature: float = 0.7
    json_schema: dict[str, Any] | None = None
    provider: str = ""

    def key(self) -> str:
        """A stable sha256 of the request (provider name and every field): the ledger key."""
        blob = orjson.dumps(self.to_dict(), option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(blob).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """The request as plain JSON data (it never holds keys or headers)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChatRequest:
        """Rebuild a request stored by :meth:`to_dict`."""
        return cls(**data)


@dataclass
class ChatResponse:
    """What a provider answered: the text, usage and the raw body (never keys or headers)."""

    text: str
    model: str
    request_id: str | None
    input_tokens: int
    output_tokens: int
    stop_reason: str | None
    raw: dict[str, Any] = field(default_factory=dict)
    raw_text: str = ""
    attempts: int = 1
    usage_error: str | None = None  # USAGE_MALFORMED or USAGE_MISSING: the tokens are unknown


def read_usage(usage: Any, inputs: tuple[str, ...], output: str) -> tuple[int, int, str | None]:
    """Input and output tokens from a usage object, and a reason code when it is unusable.

    ``inputs`` are summed (the first is required, the others may be absent or null);
    ``output`` is required. A count must be a non-negative whole number.

    >>> read_usage({"prompt_tokens": 3, "completion_tokens": 1}, ("prompt_tokens",), "completion_tokens")
    (3, 1, None)
    >>> read_usage({"prompt_tokens": "abc"}, ("prompt_tokens",), "completion_tokens")
    (0, 0, 'usage_malformed')
    >>> read_usage(None, ("input_tokens",), "output_tokens")
    (0, 0, 'usage_missing')
    """
    if usage is None:
        return 0, 0, USAGE_MISSING
    if not isinstance(usage, dict):
        return 0, 0, USAGE_MALFORMED
    counts: dict[str, int] = {}
    for name in (*inputs, output):
        value = usage.get(name)
        if value is None:
            if name == inputs[0] or name == output:
                return 0, 0, USAGE_MISSING
            continue
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return 0, 0, USAGE_MALFORMED
        counts[name] = value
    return sum(counts.get(n, 0) for n in inputs), counts[output], None


class Provider(ABC):
    """One LLM API. ``complete`` makes one attempt; wrap it for retries (see retry.py)."""

    name: str = ""
    model: str = ""
    key_fingerprint: str | None = None

    @abstractmethod
    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Send one request; raise a ProviderError subclass on failure."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""

    def request(self, messages: list[dict[str, Any]], **kw: Any) -> ChatRequest:
        """A ChatRequest for this provider and model."""
        return ChatRequest(model=self.model, messages=messages, provider=self.name, **kw)


def __getattr__(name: str) -> Any:
    """``get_provider`` moved to :mod:`curate.providers`; the old import path still works."""
    if name == "get_provider":
        from curate.providers import get_provider

        return get_provider
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
