"""Verdicts back into data: every A/B item one side won becomes a preference record.

The prompt is the item's messages, ``chosen`` the winner's answer, ``rejected`` the loser's.
Both answers are model-written, so the records enter as ``synthetic`` (pending review, and
counted by the synthetic-share guard like any generated record) with ``importer = "ab"``;
``meta.ab`` names the A/B file and item, both models, which side won, who decided (a person
or the judge) and when. Ties and both-bad verdicts stay decisions and make no pair. The
record id is a content hash, so adding the same verdicts again adds nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from curate.ab.abfile import ABItem
from curate.ab.decisions import Decision
from curate.records import Message, Provenance, Record, now_iso


def _generator(model: Mapping[str, Any]) -> tuple[str, str | None]:
    if model.get("kind") == "endpoint":
        return str(model.get("provider")), model.get("model")
    return "local", model.get("base_model") or model.get("run_dir")


def preference_records(
    items: list[ABItem], decisions: Mapping[str, Decision], source: str | Path
) -> list[Record]:
    """One preference record per item whose decision names a winning side."""
    out = []
    for line, item in enumerate(items, 1):
        decision = decisions.get(item.id)
        if decision is None or decision.winner not in ("A", "B"):
            continue
        loser = "B" if decision.winner == "A" else "A"
        models = {"A": item.model_a, "B": item.model_b}
        provider, model = _generator(models[decision.winner])
        out.append(
            Record(
                kind="preference",
                messages=[Message.model_validate(m) for m in item.messages],
                chosen=[Message(role="assistant", content=item.answer(decision.winner))],
                rejected=[Message(role="assistant", content=item.answer(loser))],
                tags={"category": item.category} if item.category else {},
                meta={
                    "ab": {
                        "file": str(source),
                        "item": item.id,
                        "chosen_side": decision.winner,
                        "chosen_model": models[decision.winner],
                        "rejected_model": models[loser],
                        "decided_by": decision.decider,
                        "decider": decision.source,
                        "decided_at": decision.at,
                        "seed": item.seed,
                    }
                },
                provenance=Provenance(
                    origin="synthetic",
                    source_file=str(source),
                    source_line=line,
                    source_format="ab",
                    importer="ab",
                    generator_provider=provider,
                    generator_model=model,
                    created_at=now_iso(),
                ),
            )
        )
    return out
