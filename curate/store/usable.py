"""Records that can still be exported: pending or approved in review (not rejected, not
replaced by an edit). One set of states, in the forms its users need."""

from __future__ import annotations

from curate.store.db import Database
from curate.store.migrations import STATES

USABLE_STATES = ("pending", "approved")
# As a SQL list for ``state IN ...`` and as ``--where`` filters (``state!=rejected`` ...).
USABLE_SQL = "(" + ", ".join(f"'{s}'" for s in USABLE_STATES) + ")"
USABLE_WHERE = tuple(f"state!={s}" for s in STATES if s not in USABLE_STATES)


def usable_by_origin(db: Database) -> dict[str, int]:
    """Origin (``real``, ``synthetic``) -> how many records can still be exported."""
    rows = db.read(
        "SELECT r.origin, count(*) FROM records r JOIN review_state s ON s.rid = r.rid"
        f" WHERE s.state IN {USABLE_SQL} GROUP BY 1"
    )
    return {str(k): int(n) for k, n in rows}
