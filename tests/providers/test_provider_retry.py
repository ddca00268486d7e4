"""Retries: only what can succeed on retry, with backoff and retry-after honoured."""

from __future__ import annotations

import asyncio
import time

import pytest
from fakeserver import PLANTED_KEY, Action, FakeServer
from hypothesis import given
from hypothesis import strategies as st

from curate.providers import (
    ChatRequest,
    NonRetryableError,
    QuotaExhausted,
    TransientError,
    get_provider,
)
from curate.providers.errors import error_from_status, is_retryable_status, retry_after
from curate.providers.retry import RetryPolicy

FAST = RetryPolicy(max_retries=4, base_delay=0.01, max_delay=0.02)
APIS = ["openai", "anthropic"]


def run(server: FakeServer, name: str, policy: RetryPolicy = FAST, timeout: float = 2.0):
    async def go():
        provider = get_provider(
            name,
            base_url=server.anthropic_url if name == "anthropic" else server.openai_url,
            api_key=PLANTED_KEY,
            timeout=timeout,
            retry=policy,
        )
        try:
            request = ChatRequest(model="m", messages=[{"role": "user", "content": "q"}])
            return await provider.complete(request), provider.retries
        finally:
            await provider.aclose()

    return asyncio.run(go())


@pytest.mark.parametrize("name", APIS)
@pytest.mark.parametrize(
    "failure",
    [
        Action.error(408),
        Action.error(409),
        Action.rate_limited(),
        Action.error(500),
        Action.error(502),
        Action.error(503),
        Action.overloaded(),
        Action.reset(),
    ],
    ids=lambda a: f"{a.kind}-{a.status}",
)
def test_transient_failures_are_retried(server: FakeServer, name: str, failure: Action) -> None:
    server.script(failure, failure)
    response, retries = run(server, name)
    assert response.attempts == 3 and retries == 2
    assert server.total == 3
    assert len(server.counts()) == 1  # the same request each time


@pytest.mark.parametrize("name", APIS)
def test_timeouts_are_retried(server: FakeServer, name: str) -> None:
    server.script(Action.hang(3.0))
    start = time.monotonic()
    response, retries = run(server, name, timeout=0.5)
    assert retries == 1 and response.attempts == 2
    assert 0.5 <= time.monotonic() - start < 2.5


@pytest.mark.parametrize("name", APIS)
@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
def test_other_client_errors_are_never_retried(server: FakeServer, name: str, status: int) -> None:
    server.script(Action.error(status, "invalid_request_error"))
    with pytest.raises(NonRetryableError) as info:
        run(server, name)
    assert info.value.status == status
    assert server.total == 1


@pytest.mark.parametrize("name", APIS)
def test_spent_quota_stops_without_retry(server: FakeServer, name: str) -> None:
    server.script(Action.quota())
    with pytest.raises(QuotaExhausted) as info:
        run(server, name)
    assert server.total == 1
    assert "quota or credit is spent" in info.value.message


@pytest.mark.parametrize("name", APIS)
def test_retry_after_ms_is_honoured(server: FakeServer, name: str) -> None:
    server.script(Action.rate_limited(retry_after_ms=400))
    response, _ = run(server, name)
    first, second = server.seen[0].at, server.seen[1].at
    assert second - first >= 0.4
    assert response.attempts == 2


def test_retry_after_seconds_is_honoured(server: FakeServer) -> None:
    server.script(Action.rate_limited(retry_after=0.3))
    run(server, "openai")
    assert server.seen[1].at - server.seen[0].at >= 0.3


def test_gives_up_after_max_retries(server: FakeServer) -> None:
    server.script(*[Action.error(500)] * 10)
    with pytest.raises(TransientError) as info:
        run(server, "openai", RetryPolicy(max_retries=2, base_delay=0.01))
    assert server.total == 3
    assert "Gave up after 3 attempts" in info.value.message


def test_gives_up_when_told_to_wait_too_long(server: FakeServer) -> None:
    server.script(Action.rate_limited(retry_after=3600))
    with pytest.raises(TransientError) as info:
        run(server, "openai", RetryPolicy(max_retries=5, max_retry_after=60))
    assert server.total == 1
    assert "wait 3600 s" in info.value.message


@given(st.integers(0, 20), st.floats(0.01, 2), st.floats(0.05, 60))
def test_backoff_stays_within_bounds(retry: int, base: float, cap: float) -> None:
    policy = RetryPolicy(base_delay=base, max_delay=cap)
    ceiling = min(cap, base * 2**retry)
    assert ceiling / 2 <= policy.delay(retry) <= ceiling


@given(st.floats(0, 100))
def test_retry_after_is_a_floor(seconds: float) -> None:
    assert seconds <= RetryPolicy().delay(3, seconds) <= seconds + 1.0


def test_status_classification() -> None:
    assert all(is_retryable_status(s) for s in (408, 409, 429, 500, 502, 503, 504, 529))
    assert not any(is_retryable_status(s) for s in (400, 401, 402, 403, 404, 413, 422))
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"retry-after": "2"}) == 2.0
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after({}) is None
    plain_429 = error_from_status("openai", 429, '{"error": {"type": "rate_limit"}}', {}, None)
    assert isinstance(plain_429, TransientError)
    billing = error_from_status("anthropic", 402, {"error": {"type": "billing_error"}}, {}, None)
    assert isinstance(billing, QuotaExhausted)
