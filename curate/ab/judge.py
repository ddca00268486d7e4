"""The LLM judge of an A/B file: each item asked twice, the answers in both orders.

A judge model tends to prefer the answer in one position. Every item is therefore judged
with A's answer first and again with B's answer first; it counts as a win for a side only when
both orders pick that side, and as a tie otherwise (a judge that always says "first" ends with
all ties, not with the side that happened to be shown first). The judge answers in a JSON
schema (``better``: ``first``, ``second`` or ``tie``, and a ``reason``) where the provider
offers structured output. Every request goes through the synth ledger (the workspace's, else
``FILE.judge-ledger.sqlite``): a repeated run sends nothing already answered, and
``max_cost`` is a hard budget in dollars reserved per request at its worst case.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from curate.ab.abfile import ABItem
from curate.ab.decisions import DecisionStore, new_session

SYSTEM = (
    "You compare two answers to the same conversation. Judge which answer is more helpful, "
    "correct and in the requested format. Ignore the order in which they are shown and their "
    'length alone. Reply with JSON: {"better": "first" | "second" | "tie", "reason": "..."}.'
)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "better": {"type": "string", "enum": ["first", "second", "tie"]},
        "reason": {"type": "string"},
    },
    "required": ["better", "reason"],
    "additionalProperties": False,
}
BETTER_RE = re.compile(r'"better"\s*:\s*"(first|second|tie)"')
MAX_CHARS = 8_000  # of each answer and of the prompt


def judge_prompt(item: ABItem, first: str) -> str:
    """The user message asking to compare the answers, ``first`` (``A`` or ``B``) shown first."""
    second = "B" if first == "A" else "A"
    return (
        f"Conversation:\n{item.prompt_text()[:MAX_CHARS]}\n\n"
        f"[Answer 1]\n{item.answer(first)[:MAX_CHARS]}\n\n"
        f"[Answer 2]\n{item.answer(second)[:MAX_CHARS]}"
    )


def parse_better(text: str) -> str:
    """``first``, ``second`` or ``tie`` from a judge reply; ValueError when it names none.

    >>> parse_better('{"better": "second", "reason": "cites the flag"}')
    'second'
    """
    try:
        data = orjson.loads(text)
        if isinstance(data, dict) and data.get("better") in ("first", "second", "tie"):
            return str(data["better"])
    except orjson.JSONDecodeError:
        pass
    m = BETTER_RE.search(text)
    if m:
        return m.group(1)
    raise ValueError("the reply names no better answer")


def combine(first_a: str, first_b: str) -> str:
    """The side both orders agree on, else ``tie``.

    ``first_a`` is the reply with A shown first, ``first_b`` with B shown first.

    >>> combine("first", "second"), combine("first", "first"), combine("second", "first")
    ('A', 'tie', 'B')
    """
    pick_a = {"first": "A", "second": "B"}.get(first_a, "tie")
    pick_b = {"first": "B", "second": "A"}.get(first_b, "tie")
    return pick_a if pick_a == pick_b else "tie"


@dataclass
class JudgeRun:
    """What a judge run did: verdicts per item, requests sent and reused, cost, and why it
    stopped early (budget, quota) if it did."""

    verdicts: dict[str, str] = field(default_factory=dict)
    orders: dict[str, dict[str, str]] = field(default_factory=dict)
    sent: int = 0
    reused: int = 0
    failed: int = 0
    cost: float = 0.0
    stopped: str | None = None
    decider: str = ""


def ledger_path(ab_file: str | Path, start: str | Path | None = None) -> Path:
    """The workspace's ledger, else a sidecar next to the A/B file."""
    from curate.ab.decisions import decisions_path

    where = decisions_path(ab_file, start)
    if where.parent.name == ".curate":
        from curate.synth.ledger import LEDGER_FILE

        return where.parent / LEDGER_FILE
    return Path(f"{ab_file}.judge-ledger.sqlite")


async def _judge(
    provider: Any,
    items: list[ABItem],
    ledger: Any,
    plan: str,
    budget: Any,
    prices: Any,
    concurrency: int,
    max_tokens: int,
    run: JudgeRun,
) -> None:
    from curate.errors import CurateError
    from curate.providers.base import MalformedResponse, MissingApiKey, QuotaExhausted
    from curate.providers.pricing import dollars

    sem = asyncio.Semaphore(max(1, concurrency))

    async def ask(index: int, item: ABItem, first: str) -> str | None:
        request = provider.request(
            [{"role": "user", "content": judge_prompt(item, first)}],
            system=SYSTEM,
            max_tokens=max_tokens,
            temperature=0.0,
            json_schema=SCHEMA,
        )
        key = request.key()
        known = ledger.get(key)
        if known is not None and known.text is not None and known.status in ("answered", "parsed"):
            run.reused += 1
            return known.text
        if run.stopped:
            return None
        chars = len(request.messages[0]["content"]) + len(SYSTEM)
        worst = prices.max_cost(request.model, chars, max_tokens)
        reserve = worst or 0.0
        if not budget.reserve(reserve):
            run.stopped = (
                f"the budget of {dollars(budget.limit or 0)} is nearly spent "
                f"({dollars(budget.spent)} spent); raise --max-cost and run again"
            )
            return None
        idx = 2 * index + (0 if first == "A" else 1)
        meta = {"item": item.id, "first": first}
        async with sem:
            ledger.mark_sent(key, plan, idx, request.to_dict(), meta, "ab-judge", "judge", None)
            run.sent += 1
            try:
                response = await provider.complete(request)
            except MalformedResponse as exc:
                budget.settle(reserve, None)
                ledger.mark_failed(key, "malformed", exc.message, raw=exc.raw_text)
                run.failed += 1
                return None
            except CurateError as exc:
                budget.release(reserve)
                ledger.mark_failed(key, "http", exc.message)
                run.failed += 1
                if isinstance(exc, QuotaExhausted | MissingApiKey):
                    run.stopped = exc.message
                return None
        cost = prices.cost(request.model, response.input_tokens, response.output_tokens)
        budget.settle(reserve, cost)
        run.cost += cost or 0.0
        ledger.mark_answered(
            key,
            raw=response.raw_text,
            text=response.text,
            request_id=response.request_id,
            response_model=response.model,
            stop_reason=response.stop_reason,
            input_tokens=response.input_tokens,
            output_tokens=response.output_tokens,
            cost=cost,
            attempts=response.attempts,
        )
        return response.text

    async def one(index: int, item: ABItem) -> None:
        texts = await asyncio.gather(ask(index, item, "A"), ask(index, item, "B"))
        if any(t is None for t in texts):
            return
        try:
            replies = [parse_better(t or "") for t in texts]
        except ValueError:
            run.failed += 1
            return
        run.orders[item.id] = {"a_first": replies[0], "b_first": replies[1]}
        run.verdicts[item.id] = combine(replies[0], replies[1])

    try:
        await asyncio.gather(*(one(i, item) for i, item in enumerate(items)))
    finally:
        await provider.aclose()


def judge_file(
    items: list[ABItem],
    ab_file: str | Path,
    store: DecisionStore,
    provider: Any,
    max_cost: float | None = None,
    concurrency: int = 4,
    max_tokens: int = 300,
    ledger_file: str | Path | None = None,
    prices: Any | None = None,
) -> JudgeRun:
    """Judge every item in both orders and store each combined verdict as a judge decision.

    ``prices``: a PriceTable (default: the shipped one) for the budget and the cost."""
    from curate.providers.pricing import PriceTable
    from curate.synth.budget import Budget
    from curate.synth.ledger import Ledger

    run = JudgeRun(decider=f"judge:{provider.name}/{provider.model}")
    ledger = Ledger(ledger_file or ledger_path(ab_file))
    try:
        asyncio.run(
            _judge(
                provider,
                items,
                ledger,
                f"ab-judge:{store.ab_key}",
                Budget(max_cost),
                prices or PriceTable.load(),
                concurrency,
                max_tokens,
                run,
            )
        )
    finally:
        ledger.close()
    session = new_session()
    for item in items:
        winner = run.verdicts.get(item.id)
        if winner is None:
            continue
        verdict = winner if winner == "tie" else ("left" if item.left == winner else "right")
        store.record(item, verdict, run.decider, "judge", session)
    return run
