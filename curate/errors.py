"""Domain errors and the stable reason codes that rejected rows and checks carry."""

from __future__ import annotations

from typing import Any

# Reason codes for rows that cannot become records (or cannot be written in a target).
# Other tools and checks rely on these names: never rename one.
REASONS: dict[str, str] = {
    "invalid_json": "the row is not valid JSON",
    "invalid_encoding": "the bytes are not valid UTF-8 (or contain lone surrogates)",
    "data_type": "a field has the wrong type (for example a number where text belongs)",
    "not_an_object": "the row is valid JSON but not an object (a list, a string, a number, "
    "true/false or null) where a record's fields belong",
    "missing_messages_list": "the row has no list of messages or turns",
    "message_missing_key": "a message lacks a required key (role or content)",
    "message_unrecognized_key": "a message has a key the format does not define",
    "unrecognized_role": "a message has a role the format does not know",
    "missing_content": "a message or answer is empty",
    "example_missing_assistant_message": "the conversation has no assistant turn to learn from",
    "non_alternating_turns": "user and assistant turns do not alternate",
    "missing_field": "a required field of the format is absent",
    "empty_row": "the row is empty",
    "row_too_large": "the row is larger than the reader's limit",
    "truncated_row": "the last row of the file is cut off",
    "unknown_format": "the row matches no known format",
    "invalid_preference": "a preference pair is malformed (chosen and rejected missing or identical)",
    "invalid_label": "an unpaired example's label is not a boolean",
    "invalid_tool_call": "a tool call is malformed",
    "unpaired_tool_call": "a tool result answers no tool call before it, or a tool call gets no result",
    "unsupported_in_target": "the target format cannot hold this record",
    "unsupported_content": "a message holds a content part that is not text (an image, audio, "
    "video, reasoning or a typed tool call), which a record cannot carry",
    "unsupported_weight": "a turn's loss weight is not 0 or 1 (a record trains on a whole turn "
    "or not at all)",
    "unreadable_file": "a whole input file cannot be opened, read or recognised (one reject "
    "stands for the file)",
}


class CurateError(Exception):
    """A domain error with one clear sentence for the user and, where known, the fix."""

    exit_code = 2

    def __init__(self, message: str, fix: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message} {self.fix}" if self.fix else self.message


class UsageError(CurateError):
    """The user asked for something that cannot be done as asked."""


class UnreadableInput(CurateError):
    """An input file cannot be opened or read at all."""


class MissingDependency(CurateError):
    """An optional dependency is not installed."""

    def __init__(self, package: str, extra: str) -> None:
        super().__init__(
            f"This needs the optional package '{package}'.",
            f"Install it with: pip install 'curate-ft[{extra}]'",
        )


class RowError(Exception):
    """One row cannot become a record (or cannot be written): a reason code and a sentence."""

    def __init__(self, code: str, message: str) -> None:
        if code not in REASONS:
            raise ValueError(f"unknown reason code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message


def require(package: str, extra: str) -> Any:
    """Import an optional dependency or raise MissingDependency with an install hint."""
    import importlib

    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise MissingDependency(package, extra) from exc
