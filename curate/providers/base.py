"""The provider contract: one chat request in, one chat response out, typed errors."""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from typing import Any

import orjson

from curate.errors import CurateError

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


class ProviderError(CurateError):
    """A request to an LLM provider failed; ``status`` is the HTTP status when there was one."""

    exit_code = 1
    retryable = False

    def __init__(
        self,
        message: str,
        fix: str | None = None,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message, fix)
        self.status = status
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body


class TransientError(ProviderError):
    """A failure that can succeed on retry: connection errors, timeouts, 408/409/429/5xx/529."""

    retryable = True


class ConnectFailed(TransientError):
    """No connection could be made (refused, unresolvable name): ``address`` is masked."""

    exit_code = 2  # before any answer it is a wrong address, a usage error

    def __init__(self, message: str, fix: str | None = None, *, address: str = "") -> None:
        super().__init__(message, fix)
        self.address = address


class NonRetryableError(ProviderError):
    """A failure that a retry cannot fix (a 4xx other than 408/409/429)."""


class MalformedResponse(NonRetryableError):
    """The provider answered (and charged) but the body is not the expected JSON envelope."""

    def __init__(self, message: str, raw_text: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.raw_text = raw_text


class QuotaExhausted(ProviderError):
    """The account's quota or credit is spent: no request can succeed until it is topped up."""


class MissingApiKey(ProviderError):
    """No API key was found for the provider."""

    exit_code = 2


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


def get_provider(
    name: str,
    model: str | None = None,
    base_url: str | None = None,
    api_key_env: str | None = None,
    **opts: Any,
) -> Provider:
    """A provider by name, with retries, backoff and rate limiting around it.

    Options: ``api_key`` (explicit key), ``timeout`` (seconds per attempt), ``max_retries``
    (default 6; 0 returns the bare provider), ``rpm`` (requests per minute),
    ``concurrency`` (requests in flight), ``retry`` (a RetryPolicy).
    """
    from curate.providers.keys import resolve_key

    if name not in PROVIDERS:
        raise CurateError(f"Unknown provider '{name}'.", f"Choose one of: {', '.join(PROVIDERS)}.")
    timeout = float(opts.pop("timeout", 120.0))
    api_key = resolve_key(name, api_key_env, explicit=opts.pop("api_key", None), base_url=base_url)
    bare: Provider
    if name == "anthropic":
        from curate.providers.anthropic import AnthropicProvider

        bare = AnthropicProvider(model=model, api_key=api_key, base_url=base_url, timeout=timeout)
    else:
        from curate.providers.openai import OpenAIProvider

        bare = OpenAIProvider(
            model=model,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            compatible=name == "openai-compatible",
        )
    max_retries = int(opts.pop("max_retries", 6))
    rpm = opts.pop("rpm", None)
    concurrency = opts.pop("concurrency", None)
    policy = opts.pop("retry", None)
    if opts:
        raise CurateError(f"Unknown provider option(s): {', '.join(sorted(opts))}.")
    if max_retries <= 0 and policy is None and rpm is None and concurrency is None:
        return bare
    from curate.providers.retry import RetryingProvider, RetryPolicy

    return RetryingProvider(
        bare,
        policy=policy or RetryPolicy(max_retries=max_retries),
        rpm=rpm,
        concurrency=concurrency,
    )
