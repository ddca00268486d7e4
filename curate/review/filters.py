"""What the review queue shows: origin, tags, a failed check, a duplicate cluster, text, state."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from curate.errors import UsageError
from curate.store.review_queue import queue_condition

QUEUE_STATES = ("pending", "approved", "rejected", "all")


def parse_tag(text: str) -> tuple[str, str]:
    """``"category=spark"`` -> ``("category", "spark")``; a UsageError otherwise.

    >>> parse_tag("difficulty = hard")
    ('difficulty', 'hard')
    """
    key, eq, value = text.partition("=")
    key, value = key.strip().removeprefix("tag:"), value.strip()
    if not eq or not key or not value:
        raise UsageError(
            f"The tag filter '{text}' is not KEY=VALUE.", "For example: --tag category=spark"
        )
    return key, value


@dataclass(frozen=True)
class QueueFilters:
    """The records a review queue holds. Empty fields do not filter.

    ``state`` picks records by review state: ``pending`` (the default: what is left to do),
    ``approved``, ``rejected`` or ``all`` (pending first). Records replaced by an edit are
    never in the queue; their newest version is.
    """

    origin: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    check: str | None = None
    cluster: str | None = None
    search: str | None = None
    state: str = "pending"

    def __post_init__(self) -> None:
        if self.origin is not None and self.origin not in ("real", "synthetic"):
            raise UsageError(f"Unknown origin '{self.origin}'.", "Use real or synthetic.")
        if self.state not in QUEUE_STATES:
            raise UsageError(
                f"Unknown review state '{self.state}'.", f"Use one of: {', '.join(QUEUE_STATES)}."
            )

    @classmethod
    def build(
        cls,
        origin: str | None = None,
        tag: str | Iterable[str] | None = None,
        check: str | None = None,
        cluster: str | None = None,
        search: str | None = None,
        state: str | None = None,
    ) -> QueueFilters:
        """Filters from user input (``tag`` as ``KEY=VALUE`` strings; blanks mean no filter)."""
        tags = [tag] if isinstance(tag, str) else list(tag or [])
        return cls(
            origin=(origin or "").strip() or None,
            tags=tuple(parse_tag(t) for t in tags if t.strip()),
            check=(check or "").strip() or None,
            cluster=(cluster or "").strip() or None,
            search=(search or "").strip() or None,
            state=(state or "").strip() or "pending",
        )

    def replace(self, **changes: object) -> QueueFilters:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def describe(self) -> str:
        """A short line for the header, e.g. ``origin=synthetic check=too_long``."""
        parts = [] if self.state == "pending" else [f"state={self.state}"]
        if self.origin:
            parts.append(f"origin={self.origin}")
        parts += [f"tag:{k}={v}" for k, v in self.tags]
        if self.check:
            parts.append(f"check={self.check}")
        if self.cluster:
            parts.append(f"cluster={self.cluster}")
        if self.search:
            parts.append(f'search="{self.search}"')
        return " ".join(parts)

    def sql(self, with_state: bool = True) -> tuple[str, list[str]]:
        """A condition over ``review_state s`` and its parameters.

        Every filter is a set of row keys (``s.rid IN (...)``), which SQLite builds once from
        an index, so the wide ``records`` rows are read only for the text search.
        """
        state = self.state if with_state and self.state != "all" else None
        return queue_condition(
            state, self.origin, self.tags, self.check, self.cluster, self.search
        )
