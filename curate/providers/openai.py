"""OpenAI chat completions (and OpenAI-compatible servers) through the official async SDK."""

from __future__ import annotations

import re
from typing import Any

import orjson

from curate.errors import UsageError, require
from curate.providers.base import (
    ChatRequest,
    ChatResponse,
    MalformedResponse,
    Provider,
    read_usage,
)
from curate.providers.errors import from_sdk_error
from curate.providers.keys import fingerprint, mask_url, scrub

DEFAULT_MODEL = "gpt-4.1-mini"
# OpenAI's reasoning families accept only the default temperature: it is not sent to them.
_REASONING = re.compile(r"^(o\d|gpt-5|gpt-6)")


class OpenAIProvider(Provider):
    """``AsyncOpenAI`` with the SDK's retries off; ``compatible`` for vLLM, Ollama and the like."""

    def __init__(
        self,
        model: str | None,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 120.0,
        compatible: bool = False,
    ) -> None:
        sdk = require("openai", "llm")
        self._sdk = sdk
        self.compatible = compatible
        self.name = "openai-compatible" if compatible else "openai"
        if compatible and not base_url:
            raise UsageError(
                "The openai-compatible provider needs a server address.",
                "Pass --base-url (for example http://localhost:8000/v1) or set base_url in curate.toml.",
            )
        if compatible and not model:
            raise UsageError(
                "The openai-compatible provider needs a model name.",
                "Pass --model with the name the server serves.",
            )
        self.model = model or DEFAULT_MODEL
        self.key_fingerprint = fingerprint(api_key)
        kwargs: dict[str, Any] = {"api_key": api_key, "timeout": timeout, "max_retries": 0}
        if base_url:
            kwargs["base_url"] = base_url
        self._client = sdk.AsyncOpenAI(**kwargs)
        self.address = mask_url(str(self._client.base_url)) or ""

    def _params(self, request: ChatRequest) -> dict[str, Any]:
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages += [{"role": m["role"], "content": m["content"]} for m in request.messages]
        params: dict[str, Any] = {
            "model": request.model or self.model,
            "messages": messages,
        }
        if self.compatible or not _REASONING.match(params["model"]):
            params["temperature"] = request.temperature
        # Self-hosted servers know max_tokens; OpenAI's newer models only max_completion_tokens.
        params["max_tokens" if self.compatible else "max_completion_tokens"] = request.max_tokens
        if request.json_schema:
            params["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "record", "schema": request.json_schema, "strict": True},
            }
        return params

    async def complete(self, request: ChatRequest) -> ChatResponse:
        sdk = self._sdk
        try:
            raw = await self._client.chat.completions.with_raw_response.create(
                **self._params(request)
            )
        except (sdk.APIStatusError, sdk.APIConnectionError) as exc:
            raise from_sdk_error(exc, self.name, self.address) from exc
        http = raw.http_response
        request_id = http.headers.get("x-request-id")
        try:
            return parse_completion(http.text, request_id, self.model, self.name)
        except MalformedResponse:
            raise
        except Exception as exc:  # any shape the parser did not foresee: kept as paid
            raise MalformedResponse(
                f"{self.name} answered with a body curate cannot read ({type(exc).__name__}).",
                scrub(http.text) or "",
                request_id=request_id,
            ) from exc

    async def aclose(self) -> None:
        await self._client.close()


def parse_completion(
    body: str, request_id: str | None, model: str, provider: str = "openai"
) -> ChatResponse:
    """A ChatResponse from a chat-completions body; MalformedResponse when it is not one."""
    body = scrub(body) or ""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedResponse(
            f"{provider} answered with a body that is not JSON.", body, request_id=request_id
        ) from exc
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedResponse(
            f"{provider} answered without any choices.", body, request_id=request_id
        )
    message = choices[0].get("message") or {}
    text = message.get("content") if isinstance(message, dict) else None
    stop = choices[0].get("finish_reason")
    if text is None and isinstance(message, dict) and message.get("refusal"):
        stop = "refusal"
    input_tokens, output_tokens, usage_error = read_usage(
        data.get("usage"), ("prompt_tokens",), "completion_tokens"
    )
    return ChatResponse(
        text=text if isinstance(text, str) else "",
        model=str(data.get("model") or model),
        request_id=request_id or _text_or_none(data.get("id")),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        stop_reason=_text_or_none(stop),
        raw=data,
        raw_text=body,
        usage_error=usage_error,
    )


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None if value is None else str(value)
