"""Client-side rate limiting: an asyncio token bucket in requests per minute."""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    """Allows ``rate_per_minute`` acquisitions per minute with bursts up to ``burst``.

    >>> bucket = TokenBucket(600, burst=2)
    >>> bucket.capacity, round(bucket.per_second, 1)
    (2.0, 10.0)
    """

    def __init__(self, rate_per_minute: float, burst: float | None = None) -> None:
        if rate_per_minute <= 0:
            raise ValueError("rate_per_minute must be positive")
        self.per_second = rate_per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(1.0, self.per_second))
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.per_second)
        self._stamp = now

    async def acquire(self) -> float:
        """Wait for a token; return the seconds waited."""
        waited = 0.0
        async with self._lock:  # first come, first served
            while True:
                self._refill()
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return waited
                delay = (1.0 - self._tokens) / self.per_second
                waited += delay
                await asyncio.sleep(delay)

    def pause(self, seconds: float) -> None:
        """Hold every caller back for ``seconds`` (a server said retry-after)."""
        self._refill()
        self._tokens = min(self._tokens, 1.0 - seconds * self.per_second)
