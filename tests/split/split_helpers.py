"""Workspaces with records, duplicate clusters and review states, for the split tests."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from curate.records import Message, Provenance, Record
from curate.store import ClusterMember
from curate.workspace import Workspace, init_workspace


def record(i: int, category: str | None = "spark", origin: str = "real") -> Record:
    """A distinct small SFT record number ``i``."""
    return Record(
        messages=[
            Message(role="user", content=f"Question {i}: how does step {i} work?"),
            Message(role="assistant", content=f"Step {i} works like this, in detail."),
        ],
        tags={"category": category} if category else {},
        provenance=Provenance(origin=origin),  # type: ignore[arg-type]
    )


def workspace(root: Path) -> Workspace:
    return init_workspace(root)


def add(ws: Workspace, records: Iterable[Record]) -> list[str]:
    records = list(records)
    ws.store.add_records(records)
    return [r.id for r in records]


def dedupe_run(ws: Workspace, clusters: Iterable[list[str]]) -> int:
    """Store a finished dedupe run with these clusters (the first id is the representative)."""
    store = ws.store
    run_id = store.start_run("dedupe")
    members = [
        ClusterMember(rid, f"c{n}", i == 0, 1.0)
        for n, ids in enumerate(clusters)
        for i, rid in enumerate(ids)
    ]
    if members:
        store.put_clusters(run_id, members)
    store.finish_run(run_id)
    return run_id
