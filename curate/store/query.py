"""Record filters (``--where origin=synthetic``) parsed into SQL over the ``records`` table.

A filter is ``FIELD=VALUE`` (or ``FIELD!=VALUE`` to negate); several filters are ANDed:

==================  =====================================================================
``origin=real``     provenance origin (``real`` or ``synthetic``)
``kind=sft``        record kind (``sft``, ``preference``, ``unpaired``)
``state=pending``   review state (``pending``, ``approved``, ``rejected``, ``edited``)
``tag:KEY=VALUE``   a tag, e.g. ``tag:category=spark``
``check=CODE``      failed this check in the latest finished check run (``check=*``: any)
``source=FILE``     appeared in this source file (the stored path, or its last parts)
``split=test``      assigned to this split
``duplicate=yes``   a non-representative member of a duplicate cluster (latest dedupe run)
``id=ID``           this record id
``text=WORDS``      the message text contains WORDS (case-insensitive for ASCII)
==================  =====================================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from curate.errors import UsageError
from curate.store.migrations import STATES
from curate.store.runs import latest_run_sql

FIELDS = ("origin", "kind", "state", "tag", "check", "source", "split", "duplicate", "id", "text")
LATEST_CHECKS = latest_run_sql("checks")
LATEST_DEDUPE = latest_run_sql("dedupe")


@dataclass(frozen=True)
class Where:
    """One parsed filter."""

    field: str
    value: str
    key: str | None = None
    negate: bool = False

    def __str__(self) -> str:
        name = f"tag:{self.key}" if self.field == "tag" else self.field
        return f"{name}{'!=' if self.negate else '='}{self.value}"


def parse_where(text: str) -> Where:
    """Parse ``FIELD=VALUE`` / ``FIELD!=VALUE``; a UsageError lists the known fields."""
    eq = text.find("=")
    negate = eq > 0 and text[eq - 1] == "!"
    name = text[: eq - 1 if negate else eq].strip() if eq >= 0 else ""
    value = text[eq + 1 :].strip() if eq >= 0 else ""
    if not name or not value:
        raise UsageError(
            f"The filter '{text}' is not FIELD=VALUE.",
            "For example: --where origin=synthetic or --where tag:category=spark.",
        )
    key = None
    if name.startswith("tag:"):
        name, key = "tag", name[4:]
        if not key:
            raise UsageError(f"The filter '{text}' names no tag.", "Write it as tag:KEY=VALUE.")
    if name not in FIELDS:
        raise UsageError(
            f"Unknown filter field '{name}'.", f"Use one of: {', '.join(FIELDS)} (tag as tag:KEY)."
        )
    if name == "state" and value not in STATES:
        raise UsageError(f"Unknown review state '{value}'.", f"Use one of: {', '.join(STATES)}.")
    if name == "origin" and value not in ("real", "synthetic"):
        raise UsageError(f"Unknown origin '{value}'.", "Use real or synthetic.")
    return Where(name, value, key, negate)


def _condition(w: Where) -> tuple[str, list[str]]:
    if w.field in ("origin", "kind", "id"):
        return f"r.{w.field} = ?", [w.value]
    if w.field == "state":
        return "r.rid IN (SELECT rid FROM review_state WHERE state = ?)", [w.value]
    if w.field == "tag":
        return "r.rid IN (SELECT rid FROM record_tags WHERE key = ? AND value = ?)", [
            w.key or "",
            w.value,
        ]
    if w.field == "check":
        if w.value in ("*", "any"):
            sql = f"r.rid IN (SELECT rid FROM check_results WHERE run_id = {LATEST_CHECKS} AND passed = 0)"
            return sql, []
        sql = (
            "r.rid IN (SELECT rid FROM check_results "
            f"WHERE run_id = {LATEST_CHECKS} AND check_code = ? AND passed = 0)"
        )
        return sql, [w.value]
    if w.field == "source":
        value = w.value.replace("\\", "/")
        sql = (
            "r.rid IN (SELECT rid FROM occurrences WHERE source_file = ? "
            "OR substr(source_file, -length(?) - 1) = '/' || ?)"
        )
        return sql, [value, value, value]
    if w.field == "split":
        return "r.rid IN (SELECT rid FROM splits WHERE split = ?)", [w.value]
    if w.field == "duplicate":
        yes = w.value.lower() in ("yes", "true", "1")
        sql = (
            "r.rid IN (SELECT rid FROM dup_clusters "
            f"WHERE run_id = {LATEST_DEDUPE} AND representative = 0)"
        )
        return (sql if yes else f"NOT ({sql})"), []
    if w.field == "text":
        escaped = w.value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return "r.search LIKE ? ESCAPE '\\'", [f"%{escaped}%"]
    raise UsageError(f"Unknown filter field '{w.field}'.")


def where_sql(filters: Iterable[Where | str] | Where | str | None) -> tuple[str, list[str]]:
    """A SQL boolean expression over ``records AS r`` and its parameters (``1`` for none)."""
    if filters is None:
        return "1", []
    if isinstance(filters, str | Where):
        filters = [filters]
    parts: list[str] = []
    params: list[str] = []
    for f in filters:
        w = parse_where(f) if isinstance(f, str) else f
        sql, p = _condition(w)
        parts.append(f"NOT ({sql})" if w.negate else f"({sql})")
        params.extend(p)
    return (" AND ".join(parts) or "1"), params
