"""The request plan: request number i of a synth command, the same on every run.

A plan is identified by what shapes its requests (provider, model, kind, topic, template
text, difficulty mix, token limit). Request ``i`` cycles through the difficulties (equal
shares) and, within each difficulty, through the template's angles, personas and, for
preference pairs, the rejected answer's flaw, so a repeated command asks for exactly the
same requests and finds them in the ledger.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from curate.providers.base import ChatRequest
from curate.records import Message, Record
from curate.synth.parse import SCHEMAS
from curate.synth.template import FLAWS, Template


@dataclass(frozen=True)
class PlanItem:
    """One planned request and what it varies (difficulty, angle, flaw, source record)."""

    idx: int
    request: ChatRequest
    meta: dict[str, Any]
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", self.request.key())


@dataclass
class Plan:
    """Everything that shapes the requests of one synth command."""

    provider: str
    model: str
    kind: str  # sft | preference (pairs from SFT make preference records)
    template: Template
    topic: str | None = None
    difficulties: tuple[str, ...] = ("beginner", "intermediate", "advanced")
    max_tokens: int | None = None
    sources: list[Record] = field(default_factory=list)

    @property
    def pairs(self) -> bool:
        return self.template.kind == "pairs"

    def spec(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "model": self.model,
            "kind": self.kind,
            "topic": self.topic,
            "template": self.template.label,
            "difficulties": list(self.difficulties),
            "max_tokens": self.tokens,
            "pairs_from_sft": self.pairs,
        }

    @property
    def signature(self) -> str:
        blob = orjson.dumps(self.spec(), option=orjson.OPT_SORT_KEYS)
        return hashlib.sha256(blob).hexdigest()[:24]

    @property
    def tokens(self) -> int:
        return self.max_tokens or self.template.max_tokens

    def item(self, idx: int) -> PlanItem:
        """Request number ``idx`` (0-based)."""
        values, meta = self._pair_values(idx) if self.pairs else self._topic_values(idx)
        request = ChatRequest(
            model=self.model,
            messages=[{"role": "user", "content": self.template.render(values)}],
            system=self.template.system,
            max_tokens=self.tokens,
            temperature=self.template.temperature,
            json_schema=SCHEMAS[self.template.kind],
            provider=self.provider,
        )
        return PlanItem(idx, request, meta)

    def _topic_values(self, idx: int) -> tuple[dict[str, Any], dict[str, Any]]:
        t = self.template
        difficulty = self.difficulties[idx % len(self.difficulties)]
        turn = idx // len(self.difficulties)
        angle = t.angles[turn % len(t.angles)]
        persona = t.personas[(turn + turn // len(t.angles)) % len(t.personas)] if t.personas else ""
        values = {
            "topic": self.topic,
            "difficulty": difficulty,
            "difficulty_hint": t.difficulty.get(difficulty, ""),
            "angle": angle,
            "persona": persona,
            "index": idx + 1,
        }
        meta: dict[str, Any] = {"difficulty": difficulty, "angle": angle, "topic": self.topic}
        if self.kind == "preference":
            flaw = FLAWS[(idx + turn) % len(FLAWS)]  # every difficulty meets every flaw
            values.update(flaw=flaw, flaw_hint=t.flaws[flaw])
            meta["flaw"] = flaw
        return values, meta

    def _pair_values(self, idx: int) -> tuple[dict[str, Any], dict[str, Any]]:
        source = self.sources[idx % len(self.sources)]
        cycle = idx // len(self.sources)
        flaw = FLAWS[(idx + cycle) % len(FLAWS)]
        values = {
            "prompt": conversation_text(source.prompt_messages()),
            "answer": conversation_text(source.answer_messages()),
            "flaw": flaw,
            "flaw_hint": self.template.flaws[flaw],
            "index": idx + 1,
        }
        meta = {"source_id": source.id, "flaw": flaw}
        for key in ("difficulty", "category"):
            if key in source.tags:
                meta[key] = source.tags[key]
        return values, meta

    def source(self, record_id: str) -> Record | None:
        for record in self.sources:
            if record.id == record_id:
                return record
        return None


def conversation_text(messages: list[Message]) -> str:
    """Turns as text: a single user turn as it is, several turns labelled by role."""
    turns = [m for m in messages if m.content]
    if len(turns) == 1:
        return turns[0].content or ""
    return "\n\n".join(f"{m.role.capitalize()}: {m.content}" for m in turns)


def usable_for_pairs(record: Record) -> bool:
    """An SFT record can seed a pair when it has a prompt and a plain-text answer."""
    if record.kind != "sft":
        return False
    answer = record.answer_messages()
    prompt = record.prompt_messages()
    return (
        bool(answer)
        and bool(prompt)
        and all(m.content and not m.tool_calls for m in answer)
        and any(m.role == "user" for m in prompt)
    )
