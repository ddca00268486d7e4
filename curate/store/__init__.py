"""The workspace store: SQLite tables for records and the annotations made about them.

The schema is described in :mod:`curate.store.migrations`; connection settings and write
transactions in :mod:`curate.store.db`. :class:`Store` gathers the operations, one small
module per concern (records, review, annotations, rejects and imports, status).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

from curate.store.annotations import AnnotationsMixin, CheckResult, ClusterMember, Run
from curate.store.db import Database, StoreBusy
from curate.store.migrations import ACTIONS, LATEST, STATES, migrate
from curate.store.query import Where, parse_where
from curate.store.records import RecordsMixin
from curate.store.rejects import ImportRow, RejectsMixin
from curate.store.review import Batch, Decision, Event, ReviewMixin, SessionTag, Undo
from curate.store.status import StatusMixin


class Store(RecordsMixin, ReviewMixin, AnnotationsMixin, RejectsMixin, StatusMixin):
    """The workspace database. Every public write is one transaction; use
    ``with store.transaction():`` to group several into one."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.path)
        try:
            self.schema_version = migrate(self.db)
        except BaseException:
            self.db.close()
            raise

    def transaction(self):  # noqa: ANN201 - a context manager yielding the connection
        """Group several writes into one transaction (nested calls become savepoints)."""
        return self.db.transaction()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


__all__ = [
    "ACTIONS",
    "LATEST",
    "STATES",
    "Batch",
    "CheckResult",
    "ClusterMember",
    "Decision",
    "Event",
    "ImportRow",
    "Run",
    "SessionTag",
    "Store",
    "StoreBusy",
    "Undo",
    "Where",
    "parse_where",
]
