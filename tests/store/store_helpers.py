"""Records for the store tests."""

from __future__ import annotations

from curate.records import Message, Provenance, Record


def make(
    i: int,
    *,
    origin: str = "real",
    source: str | None = "data.jsonl",
    tags: dict[str, str] | None = None,
    kind: str = "sft",
) -> Record:
    """A small distinct record number ``i``."""
    messages = [
        Message(role="user", content=f"Question number {i}?"),
        Message(role="assistant", content=f"Answer number {i}."),
    ]
    return Record(
        kind=kind,  # type: ignore[arg-type]
        messages=messages,
        label=True if kind == "unpaired" else None,
        tags=tags or {},
        provenance=Provenance(
            origin=origin,  # type: ignore[arg-type]
            source_file=source,
            source_line=i + 1 if source else None,
        ),
    )
