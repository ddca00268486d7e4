"""Faults at the wire: a refused address (no retry storm), unreadable usage, secrets in URLs."""

from __future__ import annotations

import asyncio
import json

import pytest
from fakeserver import PLANTED_KEY, Action, FakeServer, closed_port
from hypothesis import given
from hypothesis import strategies as st

from curate.providers import ChatRequest, get_provider
from curate.providers.anthropic import parse_message
from curate.providers.base import USAGE_MALFORMED, USAGE_MISSING, ConnectFailed, read_usage
from curate.providers.keys import mask_url, mask_urls, scrub
from curate.providers.openai import parse_completion
from curate.providers.retry import RetryPolicy

POLICY = RetryPolicy(max_retries=6, base_delay=0.01, max_delay=0.02)
APIS = ["openai", "anthropic"]


def provider_at(name: str, url: str):
    return get_provider(name, model="m", base_url=url, api_key=PLANTED_KEY, retry=POLICY)


def request() -> ChatRequest:
    return ChatRequest(model="m", messages=[{"role": "user", "content": "q"}])


@pytest.mark.parametrize("name", APIS)
def test_a_refused_address_is_not_retried_in_a_storm(name: str) -> None:
    async def go(url: str):
        provider = provider_at(name, url + ("/v1" if name == "openai" else ""))
        try:
            results = await asyncio.gather(
                *(provider.complete(request()) for _ in range(8)), return_exceptions=True
            )
            return results, provider.attempts
        finally:
            await provider.aclose()

    with closed_port() as url:
        results, attempts = asyncio.run(go(url))
    assert all(isinstance(r, ConnectFailed) for r in results)
    assert attempts <= 8 + 2  # one retry at most before the address is given up (was 56)
    error = results[0]
    assert isinstance(error, ConnectFailed)
    assert url in error.message and "connection refused" in error.message
    assert error.exit_code == 2 and "base-url" in (error.fix or "")


def test_a_server_that_goes_away_after_answering_is_retried_as_usual() -> None:
    async def go(server: FakeServer):
        provider = provider_at("openai", server.openai_url)
        try:
            first = await provider.complete(request())
            server.script(Action.reset())  # the kept-alive connection breaks ...
            server.stop()  # ... and every new one is refused
            with pytest.raises(ConnectFailed):
                await provider.complete(request())
            return first, provider.attempts
        finally:
            await provider.aclose()

    server = FakeServer().start()
    first, attempts = asyncio.run(go(server))
    assert first.text and attempts == 1 + 1 + POLICY.max_retries


@given(
    st.one_of(
        st.none(),
        st.text(max_size=5),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(
            st.sampled_from(["prompt_tokens", "completion_tokens", "input_tokens"]),
            st.one_of(
                st.integers(-5, 10**6),
                st.text(max_size=3),
                st.floats(allow_nan=False, allow_infinity=False),
                st.booleans(),
            ),
        ),
    )
)
def test_any_usage_reads_as_counts_or_a_reason_code(usage: object) -> None:
    body = {"id": "c1", "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}]}
    body["usage"] = usage
    r = parse_completion(json.dumps(body), None, "m")
    assert r.text == "hi"
    assert r.usage_error in (None, USAGE_MALFORMED, USAGE_MISSING)
    if r.usage_error is None:
        assert isinstance(usage, dict)
        assert (r.input_tokens, r.output_tokens) == (
            usage["prompt_tokens"],
            usage["completion_tokens"],
        )
    else:
        assert (r.input_tokens, r.output_tokens) == (0, 0)


def test_anthropic_usage_shapes() -> None:
    def parse(usage: object):
        body = {"content": [{"type": "text", "text": "hi"}], "usage": usage}
        return parse_message(json.dumps(body), None, "m")

    ok = parse({"input_tokens": 10, "cache_read_input_tokens": None, "output_tokens": 7})
    assert (ok.input_tokens, ok.output_tokens, ok.usage_error) == (10, 7, None)
    assert parse([{"input_tokens": 1}]).usage_error == USAGE_MALFORMED
    assert parse({"input_tokens": "abc", "output_tokens": 1}).usage_error == USAGE_MALFORMED
    assert parse({"output_tokens": 1}).usage_error == USAGE_MISSING
    assert read_usage({"a": 2.0, "b": 3}, ("a",), "b") == (2, 3, None)


@pytest.mark.parametrize(
    ("url", "masked", "secret"),
    [
        ("https://x.example/v1?api-key=s3cr3t-value", "https://x.example/v1?api-key=***", "s3cr3t-value"),
        ("https://x.example/v1?key=s3cr3t-value&v=1", "https://x.example/v1?key=***&v=1", "s3cr3t-value"),
        ("https://x.example/?token=s3cr3t-value", "https://x.example/?token=***", "s3cr3t-value"),
        ("https://x.example/?access_token=s3cr3t-value", "https://x.example/?access_token=***", "s3cr3t-value"),
        ("https://bob:s3cr3t-value@x.example/v1", "https://***@x.example/v1", "s3cr3t-value"),
        ("http://localhost:8000/v1", "http://localhost:8000/v1", None),
    ],
)  # fmt: skip
def test_secrets_in_urls_are_masked_and_scrubbed(url: str, masked: str, secret: str | None) -> None:
    assert mask_url(url) == masked
    assert (
        mask_urls(f"curate synth --base-url {url} -n 2") == f"curate synth --base-url {masked} -n 2"
    )
    if secret:
        assert secret not in (scrub(f"the server at {url} said no") or "")
