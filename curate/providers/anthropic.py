"""The Anthropic Messages API through the official async SDK (one attempt per call)."""

from __future__ import annotations

from typing import Any

import orjson

from curate.errors import require
from curate.providers.base import (
    ChatRequest,
    ChatResponse,
    MalformedResponse,
    Provider,
    TransientError,
)
from curate.providers.errors import error_from_status
from curate.providers.keys import fingerprint, scrub

DEFAULT_MODEL = "claude-sonnet-4-6"


class AnthropicProvider(Provider):
    """``AsyncAnthropic`` with the SDK's own retries off (retry.py decides what to retry)."""

    name = "anthropic"

    def __init__(
        self,
        model: str | None,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 120.0,
    ) -> None:
        sdk = require("anthropic", "llm")
        self._sdk = sdk
        self.model = model or DEFAULT_MODEL
        self.key_fingerprint = fingerprint(api_key)
        self._client = sdk.AsyncAnthropic(
            api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
        )

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": request.model or self.model,
            "max_tokens": request.max_tokens,
            "messages": [
                {"role": m["role"], "content": m["content"]}
                for m in request.messages
                if m.get("role") in ("user", "assistant")
            ],
        }
        # API version 2026-10-21 (SDK 2.x) rejects sampling parameters: temperature is not sent.
        if request.system:
            params["system"] = request.system
        if request.json_schema:
            params["output_config"] = {
                "format": {"type": "json_schema", "schema": request.json_schema}
            }
        return params

    async def complete(self, request: ChatRequest) -> ChatResponse:
        sdk = self._sdk
        try:
            raw = await self._client.messages.with_raw_response.create(**self._params(request))
        except sdk.APITimeoutError as exc:
            raise TransientError("The request to anthropic timed out.") from exc
        except sdk.APIConnectionError as exc:
            raise TransientError("The connection to anthropic failed.") from exc
        except sdk.APIStatusError as exc:
            raise error_from_status(
                self.name, exc.status_code, _error_text(exc), exc.response.headers, exc.request_id
            ) from exc
        http = raw.http_response
        request_id = http.headers.get("request-id")
        return parse_message(http.text, request_id, self.model)

    async def aclose(self) -> None:
        await self._client.close()


def _error_text(exc: Any) -> Any:
    try:
        return exc.response.text
    except Exception:  # the body may be unread or undecodable
        return exc.body


def parse_message(body: str, request_id: str | None, model: str) -> ChatResponse:
    """A ChatResponse from an Anthropic Messages body; MalformedResponse when it is not one."""
    body = scrub(body) or ""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedResponse(
            "anthropic answered with a body that is not JSON.", body, request_id=request_id
        ) from exc
    content = data.get("content") if isinstance(data, dict) else None
    if not isinstance(content, list):
        raise MalformedResponse(
            "anthropic answered without a content list.", body, request_id=request_id
        )
    text = "".join(
        b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
    )
    usage = data.get("usage") or {}
    input_tokens = sum(
        int(usage.get(k) or 0)
        for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
    return ChatResponse(
        text=text,
        model=str(data.get("model") or model),
        request_id=request_id or data.get("id"),
        input_tokens=input_tokens,
        output_tokens=int(usage.get("output_tokens") or 0),
        stop_reason=data.get("stop_reason"),
        raw=data,
        raw_text=body,
    )
