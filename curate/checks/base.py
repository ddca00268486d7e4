"""The check contract: record checks judge one record, dataset checks judge the whole set."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from curate.records import Record

if TYPE_CHECKING:
    from curate.checks.profile import Profile
    from curate.checks.rubric import Rubric

Pillar = Literal["accuracy", "consistency", "diversity", "completeness", "format", "safety"]
PILLARS: tuple[str, ...] = ("accuracy", "consistency", "diversity", "completeness", "format")
Severity = Literal["info", "warn", "fail"]


@dataclass(slots=True)
class Finding:
    """One verdict of a check on one record: a reason code, and why.

    Record checks return only what they found wrong (``passed=False``) plus, for scored
    checks such as the LLM judge, passing findings that carry a score.
    """

    code: str
    passed: bool = False
    score: float | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "passed": self.passed, "detail": self.detail}
        if self.score is not None:
            out["score"] = self.score
        return out


@dataclass(slots=True)
class DatasetFinding:
    """A verdict on the whole dataset (a warning, a note, or a failure of the rubric)."""

    code: str
    detail: str
    severity: Severity = "warn"
    value: float | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "severity": self.severity, "detail": self.detail}
        if self.value is not None:
            out["value"] = self.value
        return out


@dataclass
class DatasetResult:
    """What a dataset check returns: dataset findings, per-record findings, metrics."""

    findings: list[DatasetFinding] = field(default_factory=list)
    record_findings: dict[int, list[Finding]] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    score: float | None = None  # 0..100 for the check's pillar, when it scores one


class RecordCheck(ABC):
    """A check over one record; ``check_batch`` is what the runner (or a worker) calls."""

    name: ClassVar[str]
    pillar: ClassVar[Pillar]
    codes: ClassVar[tuple[str, ...]]

    def __init__(self, options: Any, rubric: Rubric) -> None:
        self.options = options
        self.rubric = rubric

    @abstractmethod
    def check(self, record: Record, profile: Profile) -> list[Finding]:
        """The failures found in ``record`` (an empty list when it passes)."""

    def check_batch(self, records: list[Record], profiles: list[Profile]) -> list[list[Finding]]:
        return [self.check(r, p) for r, p in zip(records, profiles, strict=True)]


class DatasetCheck(ABC):
    """A check over the whole dataset, given every record's profile (batch statistics).

    ``per_record``: its codes land on records (consistency); otherwise on the dataset.
    """

    name: ClassVar[str]
    pillar: ClassVar[Pillar]
    codes: ClassVar[tuple[str, ...]]
    per_record: ClassVar[bool] = False

    def __init__(self, options: Any, rubric: Rubric) -> None:
        self.options = options
        self.rubric = rubric

    @abstractmethod
    def check(self, profiles: list[Profile]) -> DatasetResult:
        """Findings for the dataset; per-record findings keyed by the profile's index."""
