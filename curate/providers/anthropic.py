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
    read_usage,
)
from curate.providers.errors import from_sdk_error
from curate.providers.keys import fingerprint, mask_url, scrub

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
        self.address = mask_url(str(self._client.base_url)) or ""

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
        except (sdk.APIStatusError, sdk.APIConnectionError) as exc:
            raise from_sdk_error(exc, self.name, self.address) from exc
        http = raw.http_response
        request_id = http.headers.get("request-id")
        try:
            return parse_message(http.text, request_id, self.model)
        except MalformedResponse:
            raise
        except Exception as exc:  # any shape the parser did not foresee: kept as paid
            raise MalformedResponse(
                f"anthropic answered with a body curate cannot read ({type(exc).__name__}).",
                scrub(http.text) or "",
                request_id=request_id,
            ) from exc

    async def aclose(self) -> None:
        await self._client.close()


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
        b["text"]
        for b in content
        if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
    )
    input_tokens, output_tokens, usage_error = read_usage(
        data.get("usage"),
        ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"),
        "output_tokens",
    )
    stop = data.get("stop_reason")
    rid = data.get("id")
    return ChatResponse(
        text=text,
        model=str(data.get("model") or model),
        request_id=request_id or (rid if isinstance(rid, str) else None),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        stop_reason=stop if isinstance(stop, str) else None,
        raw=data,
        raw_text=body,
        usage_error=usage_error,
    )
