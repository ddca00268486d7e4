"""Duplicate detection: exact (normalised-text hash) and near (MinHash LSH), as clusters.

Library entry points:

- :func:`find_duplicates` (records -> :class:`DedupeResult` with clusters and
  representatives, and ``same_prompt`` groups: records sharing a prompt but not their
  answers, never duplicates) for plain lists, no workspace needed;
- :func:`find_contamination` (records, reference records -> marks);
- :func:`dedupe_workspace` (``curate dedupe``: stream a workspace, store annotations);
- :func:`contamination_marks` / :func:`contaminated_ids` (what the latest
  ``curate dedupe --against`` marked).

Module map: ``normalise`` (text folding), ``compare`` (which text of a record, in sections),
``exact`` (hashes, exact groups), ``minhash`` (vectorised signatures), ``lsh`` (candidate
pairs), ``sketch`` (per-batch work, process pool), ``engine`` (streaming deduplicator),
``clusters`` (union-find, representative rule), ``facts`` (workspace facts, quality
score), ``against`` (contamination), ``annotations`` (store runs), ``find`` and ``runner``.
"""

from __future__ import annotations

from curate.dedup.against import Mark, find_contamination
from curate.dedup.annotations import contaminated_ids, contamination_marks
from curate.dedup.clusters import Cluster, Facts, Member, PromptGroup, representative_key
from curate.dedup.find import DedupeResult, find_duplicates
from curate.dedup.runner import dedupe_workspace

__all__ = [
    "Cluster",
    "DedupeResult",
    "Facts",
    "Mark",
    "Member",
    "PromptGroup",
    "contaminated_ids",
    "contamination_marks",
    "dedupe_workspace",
    "find_contamination",
    "find_duplicates",
    "representative_key",
]
