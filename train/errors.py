"""Domain errors of the trainer: each one is a clear sentence the CLI prints as is."""

from __future__ import annotations

from typing import Any

from curate.errors import CurateError, UnreadableInput, UsageError


class ConfigError(UsageError):
    """A training setting is missing, unknown or out of range."""


class ExportError(UnreadableInput):
    """The export directory or its manifest cannot be read."""


class ModelLoadError(UnreadableInput):
    """The base model, its tokenizer or a run directory cannot be loaded."""


class PreflightRefused(CurateError):
    """The preflight found a reason not to train; the report says which and why."""

    exit_code = 1

    def __init__(self, message: str, report: Any = None, fix: str | None = None) -> None:
        super().__init__(message, fix)
        self.report = report


class MissingTrainDependency(CurateError):
    """A package the trainer needs is not installed."""

    def __init__(self, package: str, install: str = "pip install 'curate-ft[train]'") -> None:
        super().__init__(f"Training needs the package '{package}'.", f"Install it with: {install}")
