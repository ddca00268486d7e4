"""Both SDKs against a real HTTP server: what goes on the wire and what comes back."""

from __future__ import annotations

import asyncio
import json

import pytest
from fakeserver import PLANTED_KEY, Action, FakeServer

from curate.providers import ChatRequest, MalformedResponse, get_provider
from curate.providers.anthropic import parse_message
from curate.providers.openai import parse_completion
from curate.synth.parse import SCHEMAS

APIS = ["openai", "anthropic"]


def url_for(server: FakeServer, name: str) -> str:
    return server.anthropic_url if name == "anthropic" else server.openai_url


def complete(server: FakeServer, name: str, request: ChatRequest, **opts: object):
    async def go():
        provider = get_provider(
            name,
            request.model,
            base_url=url_for(server, name),
            api_key=PLANTED_KEY,
            timeout=2.0,
            **opts,
        )
        try:
            return await provider.complete(request)
        finally:
            await provider.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("name", APIS)
def test_structured_request_and_answer(server: FakeServer, name: str) -> None:
    request = ChatRequest(
        model="m-1",
        messages=[{"role": "user", "content": "Explain consumer lag."}],
        system="You are terse.",
        max_tokens=321,
        json_schema=SCHEMAS["sft"],
        provider=name,
    )
    response = complete(server, name, request, max_retries=0)
    body = server.seen[0].body
    assert server.seen[0].api == name
    assert set(json.loads(response.text)) == {"prompt", "answer"}
    assert response.request_id == "req_000001"
    assert response.input_tokens > 0 and response.output_tokens > 0
    assert response.raw and response.raw_text.startswith("{")
    assert response.attempts == 1
    if name == "openai":
        assert body["messages"][0] == {"role": "system", "content": "You are terse."}
        assert body["response_format"]["json_schema"]["schema"] == SCHEMAS["sft"]
        assert body["response_format"]["json_schema"]["strict"] is True
        assert body["max_completion_tokens"] == 321
        assert body["temperature"] == 0.7
    else:
        assert body["system"] == "You are terse."
        assert body["output_config"]["format"] == {"type": "json_schema", "schema": SCHEMAS["sft"]}
        assert body["max_tokens"] == 321
        assert "temperature" not in body  # API version 2026-10-21 rejects sampling parameters
    assert server.auth_values == {PLANTED_KEY}


def test_openai_compatible_sends_max_tokens(server: FakeServer) -> None:
    request = ChatRequest(model="local", messages=[{"role": "user", "content": "hi"}])
    response = complete(server, "openai-compatible", request, max_retries=0)
    body = server.seen[0].body
    assert body["max_tokens"] == 1024 and "max_completion_tokens" not in body
    assert "response_format" not in body
    assert response.text.startswith("For case")


def test_reasoning_models_get_no_temperature(server: FakeServer) -> None:
    request = ChatRequest(model="gpt-5-mini", messages=[{"role": "user", "content": "hi"}])
    complete(server, "openai", request, max_retries=0)
    assert "temperature" not in server.seen[0].body


@pytest.mark.parametrize("name", APIS)
def test_malformed_body_is_kept_raw(server: FakeServer, name: str) -> None:
    server.script(Action.malformed())
    request = ChatRequest(model="m", messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(MalformedResponse) as info:
        complete(server, name, request)
    assert info.value.raw_text.startswith('{"id": "x"')
    assert server.total == 1  # an answered request is never retried


def test_request_key_is_stable_and_covers_every_field() -> None:
    a = ChatRequest(model="m", messages=[{"role": "user", "content": "x"}], provider="openai")
    assert a.key() == ChatRequest.from_dict(a.to_dict()).key()
    assert len(a.key()) == 64
    changed = [
        ChatRequest(model="n", messages=a.messages, provider="openai"),
        ChatRequest(model="m", messages=[{"role": "user", "content": "y"}], provider="openai"),
        ChatRequest(model="m", messages=a.messages, provider="anthropic"),
        ChatRequest(model="m", messages=a.messages, provider="openai", max_tokens=5),
        ChatRequest(model="m", messages=a.messages, provider="openai", system="s"),
        ChatRequest(model="m", messages=a.messages, provider="openai", json_schema={}),
        ChatRequest(model="m", messages=a.messages, provider="openai", temperature=0.1),
    ]
    assert len({a.key(), *(c.key() for c in changed)}) == len(changed) + 1


def test_parsers_read_usage_and_stop_reasons() -> None:
    anthropic_body = json.dumps(
        {
            "id": "msg_1",
            "model": "claude-x",
            "content": [{"type": "thinking", "thinking": "..."}, {"type": "text", "text": "hi"}],
            "stop_reason": "max_tokens",
            "usage": {"input_tokens": 10, "cache_read_input_tokens": 5, "output_tokens": 7},
        }
    )
    r = parse_message(anthropic_body, None, "fallback")
    assert (r.text, r.input_tokens, r.output_tokens, r.stop_reason) == ("hi", 15, 7, "max_tokens")
    assert r.request_id == "msg_1"
    openai_body = json.dumps(
        {
            "id": "c1",
            "choices": [{"message": {"content": None, "refusal": "no"}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 1},
        }
    )
    r = parse_completion(openai_body, "req_9", "gpt-x")
    assert (r.text, r.stop_reason, r.model, r.request_id) == ("", "refusal", "gpt-x", "req_9")
    with pytest.raises(MalformedResponse):
        parse_completion(json.dumps({"choices": []}), None, "m")
    with pytest.raises(MalformedResponse):
        parse_message(json.dumps({"type": "message"}), None, "m")
