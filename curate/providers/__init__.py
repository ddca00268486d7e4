"""LLM providers (Anthropic, OpenAI, OpenAI-compatible) behind one small async contract."""

from curate.providers.base import (
    PROVIDERS,
    ChatRequest,
    ChatResponse,
    MalformedResponse,
    MissingApiKey,
    NonRetryableError,
    Provider,
    ProviderError,
    QuotaExhausted,
    TransientError,
    get_provider,
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
