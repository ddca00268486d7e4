"""The rubric: which checks run, their thresholds, weights, severities, and what fails the dataset."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from curate.errors import UsageError
from curate.settings import DEFAULT_MAX_SYNTHETIC_SHARE

PillarName = Literal["accuracy", "consistency", "diversity", "completeness", "format"]
Level = Literal["error", "warning", "info"]
LEVELS: tuple[str, ...] = ("error", "warning", "info")
SCOPE_RE = r"^(source|kind|origin|tag:[A-Za-z0-9_.-]+)$"


class RubricError(UsageError):
    """A rubric file cannot be used: one sentence says where and why."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Toggle(_Model):
    enabled: bool = True


class OutputRule(_Model):
    tag: str | None = None
    key: str | None = None
    expect: Literal["json", "sql_block", "balanced_fences"]


class OutputFormatOptions(Toggle):
    rules: list[OutputRule] = Field(default_factory=list)


class CompletenessOptions(Toggle):
    min_words_detailed: int = Field(40, ge=1)
    truncation_min_words: int = Field(12, ge=1)


class SafetyOptions(Toggle):
    pii: bool = True
    example_email_domains: list[str] = Field(default_factory=list)


class ConsistencyOptions(Toggle):
    scope: list[Annotated[str, StringConstraints(pattern=SCOPE_RE)]] = Field(
        default_factory=lambda: ["source", "kind"]
    )
    group_by: str | None = "category"
    min_group: int = Field(20, ge=2)
    majority: float = Field(0.85, gt=0.5, le=1)
    length_factor: float = Field(8.0, gt=1)
    min_deviations: int = Field(2, ge=1)
    language_majority: float = Field(0.6, gt=0.5, le=1)  # unused: answers are judged against their own prompt
    system_prompt_majority: float = Field(0.8, gt=0.5, le=1)


class LanguageOptions(_Model):
    prefix_chars: int = Field(400, ge=20)
    min_letters: int = Field(20, ge=1)


class DiversityOptions(Toggle):
    category_tag: str = "category"
    difficulty_tag: str = "difficulty"
    dominant_share: float = Field(0.5, gt=0, le=1)
    duplicate_rate_warn: float = Field(0.05, ge=0, le=1)
    distinct2_warn: float = Field(0.25, ge=0, le=1)
    sample: int = Field(20000, ge=10)
    weights: dict[Literal["balance", "distinct", "duplicates", "spread"], float] = Field(
        default_factory=dict
    )


class ReadinessOptions(Toggle):
    max_synthetic_share: float = Field(DEFAULT_MAX_SYNTHETIC_SHARE, ge=0, le=1)
    split_tag: str = "split"
    test_split_min: float = Field(0.10, ge=0, le=1)
    test_split_max: float = Field(0.20, ge=0, le=1)
    task: Literal["auto", "style", "domain", "reasoning"] = "auto"


class JudgeOptions(_Model):
    enabled: bool = False
    provider: str = "openai"
    model: str = "gpt-4o-mini"
    base_url: str | None = None
    api_key_env: str | None = None
    sample: int | None = Field(200, ge=1)
    concurrency: int = Field(4, ge=1, le=64)
    max_tokens: int = Field(300, ge=16)
    pass_score: float = Field(4, ge=1, le=5)
    prompt: str = Field(min_length=10)


class Checks(_Model):
    structure: Toggle = Field(default_factory=Toggle)
    output_format: OutputFormatOptions = Field(default_factory=OutputFormatOptions)
    tokens: Toggle = Field(default_factory=Toggle)
    completeness: CompletenessOptions = Field(default_factory=CompletenessOptions)
    safety: SafetyOptions = Field(default_factory=SafetyOptions)
    consistency: ConsistencyOptions = Field(default_factory=ConsistencyOptions)
    language: LanguageOptions = Field(default_factory=LanguageOptions)
    diversity: DiversityOptions = Field(default_factory=DiversityOptions)
    readiness: ReadinessOptions = Field(default_factory=ReadinessOptions)
    judge: JudgeOptions


class TargetSpec(_Model):
    encoding: str | None = None
    tokenizer_json: str | None = None
    max_tokens: int = Field(gt=0)
    template: Literal["openai", "llama3", "chatml", "none"] = "openai"
    note: str = ""

    @model_validator(mode="after")
    def _one_tokenizer(self) -> TargetSpec:
        if (self.encoding is None) == (self.tokenizer_json is None):
            raise ValueError("give exactly one of 'encoding' or 'tokenizer_json'")
        return self


class Accuracy(_Model):
    weights: dict[Literal["judge", "review"], float] = Field(
        default_factory=lambda: {"judge": 0.5, "review": 0.5}
    )


class Scoring(_Model):
    code_weights: dict[str, float] = Field(default_factory=dict)
    pillar_weights: dict[PillarName, float] = Field(default_factory=dict)


class FailRules(_Model):
    scores_below: dict[PillarName, float] = Field(default_factory=dict)
    rates_above: dict[str, float] = Field(default_factory=dict)
    dataset_codes: list[str] = Field(default_factory=list)
    error_share_above: float | None = Field(None, ge=0, le=1)


class ExportRules(_Model):
    approved_overrides_errors: bool = False


class Rubric(_Model):
    name: str
    version: int = 1
    default_target: str = "openai"
    targets: dict[str, TargetSpec]
    checks: Checks
    accuracy: Accuracy = Field(default_factory=Accuracy)
    scoring: Scoring = Field(default_factory=Scoring)
    fail: FailRules = Field(default_factory=FailRules)
    severity: dict[str, Level] = Field(default_factory=dict)
    export: ExportRules = Field(default_factory=ExportRules)
    source: str = "default"

    @model_validator(mode="after")
    def _target_known(self) -> Rubric:
        if self.default_target not in self.targets:
            raise ValueError(
                f"default_target '{self.default_target}' is not one of the targets "
                f"({', '.join(sorted(self.targets))})"
            )
        return self

    def target(self, name: str | None) -> tuple[str, TargetSpec]:
        """The named target (the rubric's default when ``name`` is None)."""
        key = name or self.default_target
        if key not in self.targets:
            raise UsageError(
                f"Unknown target '{key}'.",
                f"Use one of: {', '.join(sorted(self.targets))} (or add it to the rubric).",
            )
        return key, self.targets[key]

    def code_weight(self, code: str) -> float:
        """What a failed code costs a record's pillar score (an ``info`` code costs nothing)."""
        if self.level(code) == "info":
            return 0.0
        return self.scoring.code_weights.get(code, 1.0)

    def level(self, code: str) -> str:
        """The severity of a reason code: ``error`` (keeps the record out of an export by
        default), ``warning`` (reported and scored, the record is kept) or ``info`` (reported).
        A code the rubric does not name is an error."""
        return self.severity.get(code, "error")


def default_rubric_text() -> str:
    """The packaged default rubric, as YAML text (for `curate rubric show/copy`)."""
    return resources.files("curate").joinpath("rubrics/default.yaml").read_text("utf-8")


def load_rubric(path: str | Path | None = "default") -> Rubric:
    """Load a rubric file over the packaged default (a file needs only the keys it changes).

    Raises RubricError with one sentence naming the file, the key and the problem.
    """
    base = yaml.safe_load(default_rubric_text())
    if path is None or str(path) == "default":
        return _validate(base, "default")
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except FileNotFoundError:
        raise RubricError(f"The rubric file {p} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError(f"The rubric file {p} cannot be read ({exc}).") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise RubricError(f"The rubric file {p} is not valid YAML{at}.") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RubricError(f"The rubric file {p} must hold a mapping of settings, not a list or text.")
    return _validate(_merge(base, data), str(p))


def _validate(data: dict[str, Any], source: str) -> Rubric:
    data = {**data, "source": source}
    try:
        return Rubric.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "[key]")
        msg = err.get("msg", "invalid value").removeprefix("Value error, ")
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) or got is None else f" (got {got!r})"
        where_ = f" at '{loc}'" if loc else ""
        raise RubricError(f"The rubric file {source} is not valid{where_}: {msg}{shown}.") from None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out
