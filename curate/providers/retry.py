"""Retries with exponential backoff and jitter, honouring retry-after; never for final errors."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass

from curate.providers.base import (
    ChatRequest,
    ChatResponse,
    ConnectFailed,
    Provider,
    TransientError,
)
from curate.providers.ratelimit import TokenBucket


@dataclass
class RetryPolicy:
    """How often and how long to retry a TransientError.

    The wait before retry ``n`` (0-based) is a random value in ``[b/2, b]`` with
    ``b = min(max_delay, base_delay * 2**n)``; a server's retry-after is waited in full
    (plus a little jitter). A retry-after longer than ``max_retry_after`` ends the retries.

    A connection that cannot be made (refused, a name that does not resolve) before the
    provider ever answered is most likely a wrong address: such failures are retried at
    most ``max_connect_retries`` times in all, counted across concurrent requests, and the
    other requests give up at their first one. After a first answer it is retried like any
    other transient failure.
    """

    max_retries: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 300.0
    max_connect_retries: int = 1

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return retry_after + random.uniform(0.0, min(1.0, 0.1 * retry_after + 0.01))
        ceiling = min(self.max_delay, self.base_delay * (2**retry))
        return random.uniform(ceiling / 2, ceiling)


class RetryingProvider(Provider):
    """Wraps a provider: rate limit, optional concurrency bound, and retries of transient errors.

    ``attempts`` and ``retries`` count every attempt and every retry made through it;
    ``answered`` counts answers, ``unreachable`` holds the connection failure that ended a
    request's retries while nothing had been answered yet.
    """

    def __init__(
        self,
        inner: Provider,
        policy: RetryPolicy | None = None,
        rpm: float | None = None,
        concurrency: int | None = None,
        on_retry: Callable[[TransientError, float], None] | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.model = inner.model
        self.key_fingerprint = inner.key_fingerprint
        self.policy = policy or RetryPolicy()
        self.bucket = TokenBucket(rpm) if rpm else None
        self._sem = asyncio.Semaphore(concurrency) if concurrency else None
        self.on_retry = on_retry
        self.attempts = 0
        self.retries = 0
        self.answered = 0
        self.connect_failures = 0
        self.unreachable: ConnectFailed | None = None

    async def _attempt(self, request: ChatRequest) -> ChatResponse:
        if self.bucket is not None:
            await self.bucket.acquire()
        self.attempts += 1
        if self._sem is None:
            return await self.inner.complete(request)
        async with self._sem:
            return await self.inner.complete(request)

    async def complete(self, request: ChatRequest) -> ChatResponse:
        retry = 0
        while True:
            try:
                response = await self._attempt(request)
            except TransientError as exc:
                wait = self._wait_for(exc, retry)
                if wait is None:
                    raise
                retry += 1
                self.retries += 1
                if self.on_retry is not None:
                    self.on_retry(exc, wait)
                if exc.retry_after and self.bucket is not None:
                    self.bucket.pause(exc.retry_after)
                await asyncio.sleep(wait)
                continue
            response.attempts = retry + 1
            self.answered += 1
            return response

    def _wait_for(self, exc: TransientError, retry: int) -> float | None:
        """Seconds to wait before the next attempt, or None to give up."""
        if isinstance(exc, ConnectFailed) and not self.answered:
            self.connect_failures += 1  # across all requests: concurrent ones share the count
            if self.connect_failures > self.policy.max_connect_retries:
                self.unreachable = self.unreachable or exc
                return None
        if retry >= self.policy.max_retries:
            exc.message = f"{exc.message} Gave up after {retry + 1} attempts."
            return None
        if exc.retry_after is not None and exc.retry_after > self.policy.max_retry_after:
            exc.message = f"{exc.message} The server asked to wait {exc.retry_after:.0f} s."
            return None
        return self.policy.delay(retry, exc.retry_after)

    async def aclose(self) -> None:
        await self.inner.aclose()
