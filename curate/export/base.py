"""The export target contract: which kinds a target holds, how it renders a record, how to re-read it.

A target is one module in ``curate/export/`` with a module-level ``TARGET``. Targets render
rows with the project's format writers (``curate.formats``) and name the reader that must give
the same records back; they never re-implement a format.
"""

from __future__ import annotations

from abc import ABC
from dataclasses import dataclass, field
from typing import Any, ClassVar

from curate.errors import RowError, UsageError
from curate.formats import get_format
from curate.formats.common import LAYOUT_KEY
from curate.records import Message, Record


@dataclass
class Layout:
    """How one export renders its rows: the writer and reader formats and target options."""

    kind: str
    writer: str
    reader: str
    options: dict[str, Any] = field(default_factory=dict)


class Target(ABC):
    """One export target (``curate export --format NAME``)."""

    name: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]]
    containers: ClassVar[tuple[str, ...]] = ("jsonl",)
    description: ClassVar[str] = ""
    # format name (reader and writer) for each kind
    formats: ClassVar[dict[str, str]] = {}
    # the source-layout notes this target's writer may use (see ``export_view``)
    keep_layout: ClassVar[tuple[str, ...]] = ()
    add_id: ClassVar[bool] = False

    def container(self, asked: str | None) -> str:
        """The file container: the one asked for, if this target writes it, else its default."""
        if asked is None:
            return self.containers[0]
        key = asked.strip().lower().lstrip(".")
        if key not in self.containers:
            raise UsageError(
                f"The {self.name} export cannot be written as {asked}.",
                f"Use --container {' or '.join(self.containers)}.",
            )
        return key

    def layout(self, records: list[Record], kind: str) -> Layout:
        """Decide the row layout for this export's records (all splits together)."""
        fmt = self.formats[kind]
        return Layout(kind, fmt, fmt)

    def prepare(self, record: Record, layout: Layout) -> Record:
        """The record as this target writes it (a hook for targets that normalise turns)."""
        return record

    def render(self, record: Record, layout: Layout) -> dict[str, Any]:
        """One row, or RowError(``unsupported_in_target``) saying what the target cannot hold."""
        view = self.prepare(export_view(record, self.keep_layout), layout)
        row = get_format(layout.writer).render(view)
        if self.add_id:
            row = {"id": record.id, **row} if "id" not in row else row
        return row

    def extra_files(
        self, layout: Layout, files: dict[str, str], columns: dict[str, set[str]], name: str
    ) -> dict[str, bytes]:
        """Files written next to the split files (for example a dataset registry entry);
        ``columns`` holds the keys the rows of each split file carry."""
        return {}


def export_view(record: Record, keep_layout: tuple[str, ...] = ()) -> Record:
    """The record without its source-only ``meta`` fields: exports write the canonical shape.

    Only the layout notes of ``keep_layout`` formats survive (they change how a row is
    split into fields, never what it says).
    """
    meta: dict[str, Any] = {}
    note = record.meta.get(LAYOUT_KEY)
    if isinstance(note, dict):
        kept = {k: v for k, v in note.items() if k in keep_layout}
        if kept:
            meta[LAYOUT_KEY] = kept
    if meta == record.meta:
        return record
    return record.model_copy(update={"meta": meta})


def without_weights(record: Record, target: str) -> Record:
    """The record with ``weight: 1`` marks dropped; a ``weight: 0`` turn cannot be held.

    Targets whose trainers have no per-turn weight would train on a turn marked "do not
    learn", so such records are left out as ``unsupported_in_target``.
    """
    turns = [*record.messages, *(record.chosen or []), *(record.rejected or [])]
    if not any(m.weight is not None for m in turns):
        return record
    if any(m.weight == 0 for m in turns):
        raise RowError(
            "unsupported_in_target",
            f"The {target} export has no per-turn training weight, so it cannot hold a turn marked weight 0.",
        )

    def clean(msgs: list[Message] | None) -> list[Message] | None:
        if msgs is None:
            return None
        return [m.model_copy(update={"weight": None}) if m.weight is not None else m for m in msgs]

    return record.model_copy(
        update={
            "messages": clean(record.messages),
            "chosen": clean(record.chosen),
            "rejected": clean(record.rejected),
        }
    )
