"""The registry of export targets: every module here with a ``TARGET`` is one target."""

from __future__ import annotations

from functools import cache

from curate.discover import discover
from curate.errors import UsageError
from curate.export.base import Target

_NOT_TARGETS = {
    "atomic",
    "base",
    "card",
    "guard",
    "manifest",
    "plan",
    "policy",
    "run",
    "stats",
    "targets",
    "verify",
}


@cache
def all_targets() -> dict[str, Target]:
    """Every export target by name, in a stable order."""
    found = discover("curate.export", "TARGET", skip=_NOT_TARGETS).values()
    return {target.name: target for target in found if isinstance(target, Target)}


def get_target(name: str) -> Target:
    """A target by name; a UsageError lists the known ones."""
    targets = all_targets()
    key = name.strip().lower().replace("_", "-")
    if key in targets:
        return targets[key]
    raise UsageError(f"Unknown export format '{name}'.", f"Use one of: {', '.join(targets)}.")


def container_help() -> str:
    """The ``--container`` help: which file types each target writes, its default first.

    Generated from the targets themselves, so it cannot drift from what they accept.
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, target in all_targets().items():
        groups.setdefault(target.containers, []).append(name)
    parts = [
        f"{' or '.join(containers)} ({', '.join(names)})"
        for containers, names in sorted(groups.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    ]
    return f"File type: {'; '.join(parts)}. The first one listed is the default."
