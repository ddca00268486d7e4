"""Workspace settings (`curate.toml`) as pydantic models with documented defaults."""

from __future__ import annotations

import getpass
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from curate.errors import UsageError

SETTINGS_FILE = "curate.toml"
# The synthetic share limit when curate.toml sets none (the rubric and the export policy too).
DEFAULT_MAX_SYNTHETIC_SHARE = 0.30


def default_reviewer() -> str:
    """The reviewer name used when none is configured: $USER, else the login name."""
    name = os.environ.get("USER") or os.environ.get("USERNAME")
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SplitSettings(_Section):
    """Train/validation/test ratios, the shuffle seed and the tag to stratify by."""

    train: float = Field(0.8, ge=0, le=1)
    validation: float = Field(0.1, ge=0, le=1)
    test: float = Field(0.1, ge=0, le=1)
    seed: int = 13
    stratify_by: str | None = "category"

    @model_validator(mode="after")
    def _ratios_sum_to_one(self) -> SplitSettings:
        total = self.train + self.validation + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"train + validation + test must add up to 1, not {total:g}")
        return self


class DedupeSettings(_Section):
    """Near-duplicate detection: MinHash over word shingles of normalised text."""

    shingle_size: int = Field(3, ge=1)  # 3 words at Jaccard 0.5: see bench/README.md (dedupe)
    num_perm: int = Field(128, ge=16)
    threshold: float = Field(0.5, gt=0, le=1)
    normalise: list[Literal["whitespace", "case", "punctuation"]] = Field(
        default_factory=lambda: ["whitespace", "case", "punctuation"]
    )
    compare: Literal["all-turns", "prompt+answer", "prompt-only"] = "all-turns"

    @field_validator("compare", mode="before")
    @classmethod
    def _old_compare_name(cls, value: Any) -> Any:
        return "prompt-only" if value == "prompt" else value  # the name used before


class ProviderSettings(_Section):
    """One LLM provider: the model to call and the environment variable holding its key."""

    model: str
    api_key_env: str
    base_url: str | None = None


class ProvidersSettings(_Section):
    """The providers `synth` and the LLM judge may call."""

    anthropic: ProviderSettings = Field(
        default_factory=lambda: ProviderSettings(
            model="claude-sonnet-4-6", api_key_env="ANTHROPIC_API_KEY"
        )
    )
    openai: ProviderSettings = Field(
        default_factory=lambda: ProviderSettings(model="gpt-4.1-mini", api_key_env="OPENAI_API_KEY")
    )


class ReviewKeys(_Section):
    """Key bindings of the review screen: one field per action the screen binds, named and
    defaulted as the screen's own action table (curate/review/tui/keys.py)."""

    approve: str = "a"
    reject: str = "r"
    edit: str = "e"
    skip: str = "s"
    undo: str = "u"
    next: str = "n"
    previous: str = "p"
    search: str = "/"
    filters: str = "f"
    swap: str = "w"
    dashboard: str = "d"
    help: str = "?"
    quit: str = "q"

    @model_validator(mode="after")
    def _distinct(self) -> ReviewKeys:
        seen: dict[str, str] = {}
        for action, key in self.model_dump().items():
            if not key:
                raise ValueError(f"the key for '{action}' is empty")
            if key in seen:
                raise ValueError(f"'{action}' and '{seen[key]}' share the key {key!r}")
            seen[key] = action
        return self


class ABKeys(_Section):
    """Verdict keys of the blind A/B review (`curate review --ab`); next, previous, undo and
    quit are the review screen's keys."""

    left: str = "1"
    right: str = "2"
    tie: str = "t"
    both_bad: str = "b"

    @model_validator(mode="after")
    def _distinct(self) -> ABKeys:
        keys = list(self.model_dump().values())
        if any(not k for k in keys) or len(set(keys)) != len(keys):
            raise ValueError("the A/B verdict keys must be four different keys")
        return self


class ReviewSettings(_Section):
    """Who reviews (recorded with every decision) and the review screen's keys."""

    reviewer: str = Field(default_factory=default_reviewer, min_length=1)
    keys: ReviewKeys = Field(default_factory=ReviewKeys)
    ab_keys: ABKeys = Field(default_factory=ABKeys)


class ExportSettings(_Section):
    """Export policy."""

    require_real_approval: bool = Field(
        False,
        description="Export only real records a person approved (synthetic ones always need approval).",
    )


class ModelPrice(_Section):
    """US dollars per million input and output tokens for one model."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)


class Settings(_Section):
    """Everything `curate.toml` can hold; every field has a documented default."""

    rubric: str = Field(
        "default",
        description="'default' (the packaged rubrics/default.yaml) or a path to a rubric.",
    )
    max_synthetic_share: float = Field(DEFAULT_MAX_SYNTHETIC_SHARE, ge=0, le=1)
    split: SplitSettings = Field(default_factory=SplitSettings)
    dedupe: DedupeSettings = Field(default_factory=DedupeSettings)
    providers: ProvidersSettings = Field(default_factory=ProvidersSettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    export: ExportSettings = Field(default_factory=ExportSettings)
    prices: dict[str, ModelPrice] = Field(
        default_factory=dict,
        description="Overrides of the shipped price table (curate/providers/prices.toml).",
    )

    def rubric_path(self, root: Path) -> Path | None:
        """The rubric file: None for the packaged default, else a path resolved from ``root``."""
        if self.rubric == "default":
            return None
        path = Path(self.rubric).expanduser()
        return path if path.is_absolute() else root / path


DEFAULT_TOML = """\
# curate-ft workspace settings. Every value shown is the default; edit what you need.

# The quality rubric for `curate validate`: "default" (the packaged rubrics/default.yaml)
# or a path to your own copy, relative to this file.
rubric = "default"

# Synthetic records may make up at most this share of the dataset (0.30 = 30%).
max_synthetic_share = 0.30

[split]
# Ratios must add up to 1. The test split should hold 10-20% of the records.
train = 0.8
validation = 0.1
test = 0.1
seed = 13
# Keep each value of this tag in the same proportion in every split.
stratify_by = "category"

[dedupe]
# Near duplicates: MinHash over word shingles of normalised text. 3-word shingles at
# Jaccard 0.5 found every planted copy with up to 9% of its words edited and no pair of
# records sharing only a prompt or a template (bench/dedupe_bench.py); 5 words at 0.8
# missed most copies with 2.4% edited.
shingle_size = 3
num_perm = 128
threshold = 0.5
normalise = ["whitespace", "case", "punctuation"]
# What a record is compared by (system prompts never count):
#   "all-turns"      every turn: SFT chats with all their turns; preference pairs by
#                    prompt + chosen + rejected; unpaired (KTO) by prompt + completion + label
#   "prompt+answer"  the user turns and the answer(s): SFT's final answer, a pair's chosen
#                    and rejected, KTO's completion and label
#   "prompt-only"    the user turns only (what --prompt-only and --against checks use)
# Records sharing a prompt but not their answers are not duplicates: they form
# same_prompt groups, which the split keeps in one split.
compare = "all-turns"

# API keys are read from the named environment variables, never stored here.
[providers.anthropic]
model = "claude-sonnet-4-6"
api_key_env = "ANTHROPIC_API_KEY"

[providers.openai]
model = "gpt-4.1-mini"
api_key_env = "OPENAI_API_KEY"
# base_url = "http://127.0.0.1:8000/v1"   # any OpenAI-compatible server

[review]
# Recorded with every decision; defaults to $USER.
# reviewer = "alice"

# The review screen's keys, one per action (swap: chosen and rejected of a preference
# pair); each key may serve one action only.
[review.keys]
approve = "a"
reject = "r"
edit = "e"
skip = "s"
undo = "u"
next = "n"
previous = "p"
search = "/"
filters = "f"
swap = "w"
dashboard = "d"
help = "?"
quit = "q"

# The blind A/B review's verdict keys (curate review --ab FILE).
[review.ab_keys]
left = "1"
right = "2"
tie = "t"
both_bad = "b"

[export]
# true: export only real records a person approved (synthetic ones always need approval).
require_real_approval = false

# Token prices (US dollars per million tokens) for --max-cost and cost reports override or
# extend the shipped table, for example for a self-hosted model:
# [prices."my-local-model"]
# input = 0
# output = 0
"""


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the file"
    if first["type"] == "extra_forbidden":
        return f"'{where}' is not a known setting"
    msg = first["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    return f"'{where}': {msg[0].lower()}{msg[1:]}" if msg else f"'{where}' is invalid"


def parse_settings(data: dict[str, Any], source: str = SETTINGS_FILE) -> Settings:
    """Settings from a parsed TOML table; a UsageError names the bad value."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise UsageError(
            f"{source} has a bad value: {_describe(exc)}.",
            "Fix it or delete the line to use the default.",
        ) from None


def load_settings(path: Path | str) -> Settings:
    """Read `curate.toml`; bad TOML or bad values raise a UsageError with one sentence."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist.", "Run `curate init` first.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path} cannot be read ({exc}).") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path} is not valid TOML ({exc}).", "Fix the line it names.") from None
    return parse_settings(data, str(path))


def dump_settings(settings: Settings) -> str:
    """Settings as TOML text (without comments; `DEFAULT_TOML` is the commented template)."""
    return tomli_w.dumps(settings.model_dump(exclude_none=True))


def save_settings(settings: Settings, path: Path | str) -> None:
    """Write settings atomically (temp file, then rename)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(dump_settings(settings))
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
