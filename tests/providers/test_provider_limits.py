"""Client-side rate limiting and the price table."""

from __future__ import annotations

import asyncio
import time

import pytest

from curate.errors import UsageError
from curate.providers.pricing import Price, PriceTable
from curate.providers.ratelimit import TokenBucket


def test_token_bucket_paces_requests() -> None:
    async def go() -> float:
        bucket = TokenBucket(600, burst=2)  # 10 per second after a burst of 2
        start = time.monotonic()
        await asyncio.gather(*(bucket.acquire() for _ in range(7)))
        return time.monotonic() - start

    elapsed = asyncio.run(go())
    assert 0.45 <= elapsed < 1.5  # 5 tokens beyond the burst at 10/s


def test_token_bucket_pause_holds_everyone_back() -> None:
    async def go() -> float:
        bucket = TokenBucket(6000, burst=5)
        bucket.pause(0.3)
        start = time.monotonic()
        await bucket.acquire()
        return time.monotonic() - start

    assert asyncio.run(go()) >= 0.28


def test_token_bucket_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)


def test_shipped_prices_and_snapshot_names() -> None:
    table = PriceTable.load()
    assert table.as_of
    assert table.price_for("claude-haiku-4-5-20251001") == table.price_for("claude-haiku-4-5")
    assert table.price_for("gpt-4.1-mini-2025-04-14") == table.price_for("gpt-4.1-mini")
    assert table.price_for("gpt-4o-mini") != table.price_for("gpt-4o")
    assert table.price_for("gpt-5.5") is None  # not a snapshot of gpt-5
    assert table.price_for("my-local-model") is None


def test_overrides_and_cost_arithmetic() -> None:
    table = PriceTable.load({"my-local-model": {"input": 0, "output": 0}, "gpt-4o": Price(1, 2)})
    assert table.cost("my-local-model", 10**6, 10**6) == 0
    assert table.cost("gpt-4o", 1_000_000, 500_000) == pytest.approx(2.0)
    assert table.cost("unknown", 1, 1) is None
    assert table.max_cost("gpt-4o", 3000, 1000) == pytest.approx((1016 * 1 + 1000 * 2) / 1e6)


def test_a_bad_override_is_one_sentence() -> None:
    with pytest.raises(UsageError, match="numeric 'input' and 'output'"):
        PriceTable.load({"x": {"input": "cheap"}})
