"""Builders for the dedup tests: records and word salad with a known vocabulary."""

from __future__ import annotations

import random

from curate.records import Message, Provenance, Record

WORDS = ["spark", "kafka", "table", "partition", "stream", "batch", "window", "join", "key", "value", "schema", "column", "row", "query", "index", "shuffle", "cache", "broker", "topic", "offset", "consumer", "producer", "lag", "commit", "replica", "leader", "follower", "segment", "retention", "compaction", "sink", "source", "connector", "task", "worker", "driver", "executor", "memory", "disk", "network", "latency", "throughput", "cluster", "node", "pod", "service"]


def chat(question: str, answer: str, **prov: object) -> Record:
    """An SFT record with one user turn and one answer."""
    return Record(
        messages=[Message(role="user", content=question), Message(role="assistant", content=answer)],
        provenance=Provenance(**prov),
    )


def sentence(rng: random.Random, n: int) -> str:
    """``n`` random words (from a vocabulary of about 2,000)."""
    return " ".join(rng.choice(WORDS) + str(rng.randrange(50)) for _ in range(n))


def edit(text: str, rng: random.Random, changes: int) -> str:
    """``text`` with ``changes`` words replaced."""
    words = text.split()
    for _ in range(changes):
        words[rng.randrange(len(words))] = "edited" + str(rng.randrange(10**6))
    return " ".join(words)
