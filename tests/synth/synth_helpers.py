"""Helpers shared by the synth tests: real records, options aimed at the fake server."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fakeserver import PLANTED_KEY, FakeServer, prompt_key  # noqa: E402

from curate.providers.retry import RetryPolicy  # noqa: E402
from curate.records import Message, Record  # noqa: E402
from curate.synth.generate import SynthOptions  # noqa: E402

FAST_RETRY = RetryPolicy(max_retries=3, base_delay=0.01, max_delay=0.05)


def real_records(n: int, start: int = 0) -> list[Record]:
    """``n`` distinct real SFT records."""
    return [
        Record(
            messages=[
                Message(role="user", content=f"How do I rotate the logs of service {i}?"),
                Message(
                    role="assistant",
                    content=f"Configure logrotate for service {i} with daily rotation and compression.",
                ),
            ],
            tags={"category": "ops"},
        )
        for i in range(start, start + n)
    ]


def options(server: FakeServer, **kw: object) -> SynthOptions:
    """Options pointing at the fake server's OpenAI endpoint with a planted key."""
    base: dict[str, object] = {
        "topic": "Kafka ops",
        "n": 6,
        "provider": "openai",
        "base_url": server.openai_url,
        "api_key": PLANTED_KEY,
        "allow_over_ratio": True,
        "concurrency": 2,
        "timeout": 2.0,
        "retry": FAST_RETRY,
    }
    base.update(kw)
    return SynthOptions(**base)  # type: ignore[arg-type]


def ledger_rows(state_dir: Path, where: str = "1=1") -> list[dict[str, Any]]:
    """Ledger rows as dicts (read-only connection)."""
    conn = sqlite3.connect(f"file:{state_dir / 'ledger.sqlite'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(f"SELECT * FROM requests WHERE {where} ORDER BY idx")]
    finally:
        conn.close()


def server_key(row: dict[str, Any]) -> str:
    """The fake server's key for a ledger row's request (its last user message)."""
    import json

    request = json.loads(row["request"])
    return prompt_key(request["messages"][-1]["content"])
