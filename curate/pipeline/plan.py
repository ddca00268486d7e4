"""What a pipeline run is asked to do: inputs, output folder, settings, engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curate.dedup.sketch import Params
from curate.errors import UsageError
from curate.settings import Settings
from curate.settings import load_settings as load_settings_file
from curate.split.ratios import Ratios

ENGINES = ("local", "ray")
BATCH = 2000  # records per batch through the record stages
SHARD_ROWS = 50_000  # records per output Parquet shard


@dataclass
class PipelinePlan:
    """Everything that decides a run's answers (both engines read the same plan)."""

    inputs: list[str]
    out: Path
    settings: Settings = field(default_factory=Settings)
    fmt: str | None = None  # input format; None: detected per file
    target: str = "openai-jsonl"
    engine: str = "local"
    address: str | None = None
    batch: int = BATCH

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise UsageError(f"Unknown engine '{self.engine}'.", f"Use one of: {', '.join(ENGINES)}.")

    @property
    def params(self) -> Params:
        return Params.from_settings(self.settings.dedupe)

    @property
    def ratios(self) -> Ratios:
        s = self.settings.split
        return Ratios(s.train, s.validation, s.test)

    @property
    def rubric(self) -> str:
        return self.settings.rubric if self.settings.rubric == "default" else str(Path(self.settings.rubric).resolve())

    def describe(self) -> dict[str, Any]:
        s = self.settings
        return {
            "format": self.fmt,
            "target": self.target,
            "rubric": s.rubric,
            "dedupe": self.params.describe(),
            "split": {**self.ratios.as_dict(), "seed": s.split.seed, "stratify_by": s.split.stratify_by},
            "batch": self.batch,
        }


def load_settings(path: str | Path | None) -> Settings:
    """``curate.toml`` at ``path`` (its rubric path resolved from its folder), else defaults."""
    if path is None:
        return Settings()
    p = Path(path)
    if not p.is_file():
        raise UsageError(f"The config '{p}' does not exist.", "Give the path of a curate.toml.")
    settings = load_settings_file(p)
    if settings.rubric != "default":
        settings.rubric = str(settings.rubric_path(p.parent))
    return settings
