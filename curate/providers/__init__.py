"""LLM providers (Anthropic, OpenAI, OpenAI-compatible) behind one small async contract."""

from __future__ import annotations

from typing import Any

from curate.errors import CurateError
from curate.providers.base import PROVIDERS, ChatRequest, ChatResponse, Provider
from curate.providers.errors import (
    MalformedResponse,
    MissingApiKey,
    NonRetryableError,
    ProviderError,
    QuotaExhausted,
    TransientError,
)

__all__ = [
    "PROVIDERS",
    "ChatRequest",
    "ChatResponse",
    "MalformedResponse",
    "MissingApiKey",
    "NonRetryableError",
    "Provider",
    "ProviderError",
    "QuotaExhausted",
    "TransientError",
    "get_provider",
]


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
