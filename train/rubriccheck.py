"""Generated answers judged by the curate rubric's record checks (format, completeness, safety).

`train eval` asks the same questions of a model's answers that `curate validate` asked of the
training data: is the structure sound, does the answer keep the declared output format (JSON,
SQL block, balanced code fences), is it complete (not empty, cut off, a refusal or a
placeholder), and does it leak secrets or personal data. Dataset-level checks (consistency,
diversity, readiness) and token limits say nothing about one answer and are left out.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ANSWER_CHECKS = ("structure", "output_format", "completeness", "safety")


@dataclass
class RubricChecker:
    """The rubric's per-answer checks, ready to run on (prompt, answer) pairs."""

    name: str
    checks: list[Any]
    context: Any

    def findings(self, prompt: Any, answer: str, tags: dict[str, str] | None = None) -> list[str]:
        """Reason codes of the checks ``answer`` fails (empty when it passes every one)."""
        from pydantic import ValidationError

        from curate.checks.profile import profile_record
        from curate.records import Message, Record

        if isinstance(prompt, str):
            turns = [Message(role="user", content=prompt)]
        else:
            turns = [Message.model_validate(m) for m in prompt]
        try:
            record = Record(
                messages=[*turns, Message(role="assistant", content=answer)], tags=tags or {}
            )
        except ValidationError:
            return ["invalid_record"]
        profile = profile_record(0, record, self.context)
        codes: list[str] = []
        for check in self.checks:
            codes.extend(f.code for f in check.check(record, profile) if not f.passed)
        return sorted(set(codes))


def load_checker(rubric: str | Path | None = None) -> RubricChecker:
    """The answer checks of ``rubric`` (a YAML path, or the default rubric)."""
    from curate.checks.profile import ProfileContext
    from curate.checks.rubric import load_rubric
    from curate.checks.runner import all_checks

    loaded = load_rubric(str(rubric) if rubric else "default")
    record_classes, _ = all_checks()
    options = loaded.checks
    checks = [
        record_classes[name](getattr(options, name), loaded)
        for name in ANSWER_CHECKS
        if name in record_classes and getattr(options, name).enabled
    ]
    return RubricChecker(loaded.name, checks, ProfileContext(ngram_every=0))


def summarise(results: list[list[str]]) -> dict[str, Any]:
    """Share of answers with no finding, and how many answers failed with each code."""
    total = len(results)
    codes = Counter(code for found in results for code in found)
    clean = sum(1 for found in results if not found)
    return {
        "answers": total,
        "rate": clean / total if total else None,
        "codes": dict(sorted(codes.items())),
    }
