"""The checklist's hard format checks on new synthetic records, before they count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from curate.records import Message, Record

# Rubric checks that judge the dataset or the content rather than the format: off here.
SOFT_CHECKS = ("completeness", "safety", "consistency", "diversity", "readiness")
HARD_PILLAR = "format"


class HardChecks:
    """``checks(records)`` gives each record's failed format checks (structure, declared
    output formats, token limit) under the workspace's rubric; a record with any does not
    count toward ``-n``. Without the checklist only the canonical models validate.
    """

    def __init__(self, rubric: str | Path | None = "default") -> None:
        self._validate: Any = None
        self._pillar: dict[str, str] = {}
        self._rubric: Any = None
        self.problem: str | None = None
        try:
            from curate.checks.rubric import load_rubric
        except ImportError:  # the checklist is not installed with this build
            return
        rubric_obj = load_rubric(rubric or "default")  # a bad rubric is a usage error now
        hard = rubric_obj.model_copy(deep=True)
        for name in SOFT_CHECKS:
            toggle = getattr(hard.checks, name, None)
            if toggle is not None:
                toggle.enabled = False
        hard.checks.judge.enabled = False
        self._rubric = hard

    @property
    def available(self) -> bool:
        return self._rubric is not None

    def warm(self) -> None:
        """Load the checks and their tokenizer (about a second; run it off the event loop)."""
        if self._rubric is None or self._validate is not None:
            return
        from curate.checks.codes import code_pillars
        from curate.checks.runner import validate_records

        probe = Record(
            messages=[
                Message(role="user", content="probe"),
                Message(role="assistant", content="ok"),
            ]
        )
        try:
            validate_records([probe], self._rubric)
        except Exception as exc:  # a broken check must not lose answers already paid for
            self.problem = (
                f"The format checks could not run ({exc}); new records were validated by the "
                "record model only. Run `curate validate` once this is fixed."
            )
            self._rubric = None
            return
        self._pillar = dict(code_pillars())
        self._validate = validate_records

    def __call__(self, records: list[Record]) -> list[list[str]]:
        self.warm()
        if self._rubric is None:
            return [[] for _ in records]
        result = self._validate(records, self._rubric)
        return [
            sorted(
                {
                    f.code
                    for f in result.findings.get(r.id, ())
                    if not f.passed and self._pillar.get(f.code, HARD_PILLAR) == HARD_PILLAR
                }
            )
            for r in records
        ]
