"""A small review workspace with every kind of record the review screen shows."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

from rich.console import Console

from curate.records import FunctionCall, Message, Provenance, Record, ToolCall
from curate.store import CheckResult, ClusterMember
from curate.workspace import init_workspace

REVIEWER = "alice"
AT = "2026-11-01T09:00:00+00:00"
SYSTEM = "You are a data-engineering assistant."


def _prov(line: int, origin: str = "real") -> Provenance:
    synthetic = origin == "synthetic"
    return Provenance(
        origin=origin,  # type: ignore[arg-type]
        source_file="synth/run-1.jsonl" if synthetic else "data/chat.jsonl",
        source_line=line,
        source_format="openai-jsonl",
        importer="curate",
        imported_at=AT,
        generator_provider="anthropic" if synthetic else None,
        generator_model="claude-sonnet-4-5" if synthetic else None,
        template="sql-questions" if synthetic else None,
    )


def _chat(question: str, answer: str, system: bool = False) -> list[Message]:
    turns = [Message(role="system", content=SYSTEM)] if system else []
    return [
        *turns,
        Message(role="user", content=question),
        Message(role="assistant", content=answer),
    ]


CODE_ANSWER = (
    "Use a window function:\n\n```sql\nSELECT user_id,\n       row_number() OVER"
    " (PARTITION BY user_id ORDER BY ts DESC) AS rn\nFROM events;\n```\n\nThen keep `rn = 1`."
)

RECORDS: dict[str, Record] = {
    "syn_fail": Record(
        messages=_chat("How do I keep the latest event per user in SQL?", CODE_ANSWER, system=True),
        tags={"category": "sql", "difficulty": "medium"},
        provenance=_prov(1, "synthetic"),
    ),
    "real_fail": Record(
        messages=_chat("Who owns the billing pipeline?", "Ask bob@example.com, he owns it."),
        tags={"category": "ops", "difficulty": "easy"},
        provenance=_prov(2),
    ),
    "syn_ok": Record(
        messages=_chat(
            "What does VACUUM do in Delta Lake?",
            "It removes files no longer referenced by the table.",
        ),
        tags={"category": "spark", "difficulty": "easy"},
        provenance=_prov(3, "synthetic"),
    ),
    "real_ok": Record(
        messages=_chat(
            "How do I read a Parquet file with polars?",
            "Call `pl.read_parquet(path)`:\n\n```python\nimport polars as pl\ndf = pl.read_parquet('events.parquet')\n```",
        ),
        tags={"category": "python", "difficulty": "easy"},
        provenance=_prov(4),
    ),
    "pref": Record(
        kind="preference",
        messages=[Message(role="user", content="Explain idempotent writes in one sentence.")],
        chosen=[
            Message(
                role="assistant",
                content="A write is idempotent when repeating it leaves the same result.",
            )
        ],
        rejected=[Message(role="assistant", content="Writes are fast.")],
        tags={"category": "concepts", "difficulty": "easy"},
        provenance=_prov(5),
    ),
    "dup": Record(
        messages=_chat(
            "How do I read a parquet file with polars?",
            "Call `pl.read_parquet(path)`:\n\n```python\nimport polars as pl\ndf = pl.read_parquet('events.parquet')\n```",
        ),
        tags={"category": "python", "difficulty": "easy"},
        provenance=_prov(6),
    ),
    "tool": Record(
        messages=[
            Message(role="user", content="What is the row count of table events?"),
            Message(
                role="assistant",
                tool_calls=[
                    ToolCall(
                        id="call_1",
                        function=FunctionCall(name="count_rows", arguments='{"table": "events"}'),
                    )
                ],
            ),
            Message(role="tool", tool_call_id="call_1", content='{"rows": 1204}'),
            Message(role="assistant", content="The table `events` has 1,204 rows."),
        ],
        tags={"category": "tools", "difficulty": "medium"},
        provenance=_prov(7),
    ),
}
NAMES = {r.id: name for name, r in RECORDS.items()}
# The queue order: failing and synthetic first, then failing, then synthetic, then the rest.
ORDER = ["syn_fail", "real_fail", "syn_ok", "real_ok", "pref", "dup", "tool"]


def ids(*names: str) -> list[str]:
    return [RECORDS[n].id for n in names]


def make_workspace(root: Path, keys: dict[str, str] | None = None) -> Path:
    """A workspace with the records above, a check run, a dedupe run and reviewer alice."""
    with init_workspace(root) as ws:
        store = ws.store
        store.add_records(RECORDS.values())
        run_id = store.start_run("checks", {"rubric": "default"})
        store.put_check_results(
            run_id,
            [
                CheckResult(
                    RECORDS["syn_fail"].id,
                    "too_long",
                    False,
                    None,
                    "1,912 tokens, over the 1,024 limit",
                ),
                CheckResult(
                    RECORDS["real_fail"].id,
                    "pii_email",
                    False,
                    None,
                    "an email address: bob@example.com",
                ),
                *(
                    CheckResult(RECORDS[n].id, "checklist", True)
                    for n in ("syn_ok", "real_ok", "pref", "dup")
                ),
                CheckResult(RECORDS["tool"].id, "judge_score", True, 4.5, None),
            ],
        )
        scores = {
            "accuracy": 90.0,
            "consistency": 80.0,
            "diversity": 65.0,
            "completeness": 85.0,
            "format": 71.4,
        }
        store.finish_run(run_id, {"scores": scores, "overall": 78.3})
        with store.run("dedupe") as dedupe:
            store.put_clusters(
                dedupe,
                [
                    ClusterMember(RECORDS["real_ok"].id, "c0001", True, 1.0),
                    ClusterMember(RECORDS["dup"].id, "c0001", False, 0.93),
                ],
            )
    toml = root / "curate.toml"
    text = toml.read_text().replace('# reviewer = "alice"', f'reviewer = "{REVIEWER}"')
    head, _, section = text.partition("[review.keys]")
    for action, key in (keys or {}).items():
        section = re.sub(rf'(?m)^{action} = ".*"$', f'{action} = "{key}"', section, count=1)
    toml.write_text(f"{head}[review.keys]{section}")
    return root


def screen_text(app) -> str:  # noqa: ANN001 - a running Textual app
    """The current screen as plain text (what a person would read)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), force_terminal=True, record=True
    )
    console.print(
        app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    )
    return console.export_text(styles=False)


async def settle(pilot) -> None:  # noqa: ANN001 - a Textual pilot
    """Wait until background reads are done and the screen is painted."""
    app = pilot.app
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


async def wait_for(pilot, predicate, timeout: float = 5.0) -> None:  # noqa: ANN001
    """Pause until ``predicate()`` holds (a failing assertion after ``timeout`` seconds)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "timed out waiting for the app"
        await pilot.pause(0.01)
