"""Accuracy by an LLM judge: one graded request per sampled record, score and rationale kept."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from curate.checks.base import Finding
from curate.checks.rubric import JudgeOptions
from curate.records import Record

JSON_OBJECT_RE = re.compile(r"\{.*\}", re.S)
SCORE_RE = re.compile(r"\bscore\b\W{0,3}([1-5](?:\.\d+)?)", re.I)
MAX_CHARS = 12_000  # of conversation text sent per record


@dataclass
class JudgeVerdict:
    """The judge's grade of one record: a 1-5 score and why, or the error that stopped it."""

    record_id: str
    score: float | None
    rationale: str
    error: str | None = None


@dataclass
class JudgeOutcome:
    """All verdicts, or why accuracy could not be assessed by the judge."""

    verdicts: list[JudgeVerdict] = field(default_factory=list)
    not_assessed: str | None = None
    provider: str | None = None
    model: str | None = None

    @property
    def scored(self) -> list[JudgeVerdict]:
        return [v for v in self.verdicts if v.score is not None]

    def mean(self) -> float | None:
        scores = [v.score for v in self.scored if v.score is not None]
        return sum(scores) / len(scores) if scores else None


def render_conversation(record: Record) -> str:
    """The conversation as plain text for the judge, with the answer under its own heading."""
    lines = []
    for m in record.prompt_messages():
        lines.append(f"[{m.role}]\n{m.content or ''}")
        for call in m.tool_calls or ():
            lines.append(f"[tool call] {call.function.name}({call.function.arguments})")
    answer = []
    for m in record.answer_messages():
        answer.append(m.content or "")
        for call in m.tool_calls or ():
            answer.append(f"[tool call] {call.function.name}({call.function.arguments})")
    text = "\n\n".join(lines)[: MAX_CHARS // 2]
    return f"Conversation:\n{text}\n\nAnswer to grade:\n" + "\n".join(answer)[: MAX_CHARS // 2]


def judge_messages(record: Record) -> list[dict[str, str]]:
    """The user message(s) of a judge request for ``record``."""
    return [{"role": "user", "content": render_conversation(record)}]


def parse_judge_reply(text: str) -> tuple[float, str]:
    """The score (1-5) and rationale from a judge reply; ValueError when there is none.

    >>> parse_judge_reply('{"score": 4, "rationale": "Correct but terse."}')
    (4.0, 'Correct but terse.')
    >>> parse_judge_reply('```json\\n{"score": "2", "rationale": "Wrong year."}\\n```')
    (2.0, 'Wrong year.')
    >>> parse_judge_reply("Score: 5. Fully correct.")
    (5.0, 'Score: 5. Fully correct.')
    """
    m = JSON_OBJECT_RE.search(text)
    if m:
        try:
            data = orjson.loads(m.group(0))
        except orjson.JSONDecodeError:
            data = None
        if isinstance(data, dict) and "score" in data:
            try:
                score = float(data["score"])
            except (TypeError, ValueError):
                raise ValueError(f"the score {data['score']!r} is not a number") from None
            if not 1 <= score <= 5:
                raise ValueError(f"the score {score:g} is outside 1-5")
            return score, str(data.get("rationale", "")).strip()
    m2 = SCORE_RE.search(text)
    if m2:
        return float(m2.group(1)), text.strip()[:500]
    raise ValueError("the reply holds no score")


def sample_records(records: list[Record], size: int | None) -> list[Record]:
    """A stable sample: the records with the smallest ids (ids are content hashes)."""
    if size is None or size >= len(records):
        return list(records)
    return sorted(records, key=lambda r: r.id)[:size]


def make_provider(options: JudgeOptions) -> tuple[Any | None, str | None]:
    """The judge's provider from the rubric, or None and one sentence saying why not."""
    try:
        from curate.providers import get_provider
    except ImportError as exc:  # the provider layer or its SDK is not installed
        return None, f"the LLM provider layer cannot be loaded ({exc})"
    from curate.errors import CurateError

    try:
        provider = get_provider(
            options.provider,
            model=options.model,
            base_url=options.base_url,
            api_key_env=options.api_key_env,
            concurrency=options.concurrency,
            max_retries=3,
        )
    except CurateError as exc:
        return None, str(exc)
    return provider, None


async def _judge_all(provider: Any, records: list[Record], options: JudgeOptions) -> list[JudgeVerdict]:
    from curate.errors import CurateError

    sem = asyncio.Semaphore(options.concurrency)
    stop: list[str] = []

    async def one(record: Record) -> JudgeVerdict:
        if stop:
            return JudgeVerdict(record.id, None, "", stop[0])
        request = provider.request(
            judge_messages(record),
            system=options.prompt,
            max_tokens=options.max_tokens,
            temperature=0.0,
        )
        async with sem:
            try:
                response = await provider.complete(request)
            except CurateError as exc:
                if type(exc).__name__ in ("QuotaExhausted", "MissingApiKey"):
                    stop.append(str(exc))
                return JudgeVerdict(record.id, None, "", str(exc))
        try:
            score, rationale = parse_judge_reply(response.text)
        except ValueError as exc:
            return JudgeVerdict(record.id, None, "", f"The judge's reply cannot be read: {exc}.")
        return JudgeVerdict(record.id, score, rationale)

    try:
        return list(await asyncio.gather(*(one(r) for r in records)))
    finally:
        await provider.aclose()


def run_judge(records: list[Record], options: JudgeOptions, provider: Any | None = None) -> JudgeOutcome:
    """Grade a sample of ``records``; without a usable provider, say why accuracy is not assessed."""
    if provider is None:
        provider, why = make_provider(options)
        if provider is None:
            return JudgeOutcome(not_assessed=f"The LLM judge could not run: {why}")
    outcome = JudgeOutcome(provider=getattr(provider, "name", None), model=getattr(provider, "model", None))
    chosen = sample_records(records, options.sample)
    if not chosen:
        outcome.not_assessed = "There are no records to judge."
        return outcome
    outcome.verdicts = asyncio.run(_judge_all(provider, chosen, options))
    if not outcome.scored:
        first = next((v.error for v in outcome.verdicts if v.error), "no reply had a score")
        outcome.not_assessed = f"The LLM judge scored no record: {first}"
    return outcome


def judge_findings(verdict: JudgeVerdict, pass_score: float) -> list[Finding]:
    """``judge_low_score`` below the pass score; a passing finding with the score otherwise."""
    if verdict.score is None:
        return []
    detail = verdict.rationale or f"Scored {verdict.score:g} of 5."
    return [Finding("judge_low_score", passed=verdict.score >= pass_score, score=verdict.score, detail=detail)]
