"""The registry of dataset formats: every module here with a ``FORMAT`` is one format."""

from __future__ import annotations

from functools import cache

from curate.discover import discover
from curate.errors import UsageError
from curate.formats.base import Format

_NOT_FORMATS = {"base", "detect", "common"}


@cache
def all_formats() -> dict[str, Format]:
    """Every known format by its canonical name, in a stable order."""
    found = discover(__name__, "FORMAT", skip=_NOT_FORMATS).values()
    return {fmt.name: fmt for fmt in found if isinstance(fmt, Format)}


def get_format(name: str) -> Format:
    """Look a format up by name or alias; a UsageError lists the known names."""
    formats = all_formats()
    key = name.strip().lower()
    if key in formats:
        return formats[key]
    for fmt in formats.values():
        if key in fmt.aliases:
            return fmt
    known = ", ".join(sorted(formats))
    raise UsageError(f"Unknown format '{name}'.", f"Use one of: {known}.")


__all__ = ["Format", "all_formats", "get_format"]
