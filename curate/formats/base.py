"""The format contract: a reader maps a row to a Record, a writer maps a Record to a row."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from curate.records import Kind, Record


class Format(ABC):
    """One dataset format (an "edge" of the flow): no other stage knows about formats.

    Subclasses live one per module in ``curate/formats/`` and expose a module-level
    ``FORMAT`` instance; the registry finds them there.
    """

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    kinds: ClassVar[tuple[Kind, ...]]
    description: ClassVar[str] = ""

    @abstractmethod
    def score(self, row: Any) -> float:
        """How well a parsed row fits this format, 0.0 (not at all) to 1.0 (certainly).

        Looks at keys and shapes only; it must never raise.
        """

    @abstractmethod
    def parse(self, row: Any) -> Record:
        """Map one parsed row to a Record, or raise ``RowError`` with a reason code.

        Unknown top-level fields go to ``record.meta`` verbatim. Provenance is filled in by
        the caller.
        """

    def parse_json_bytes(self, line: bytes) -> Record | None:
        """Optionally, a fast path: one JSON line's bytes straight to the Record that
        ``parse(orjson.loads(line))`` would return, or None to take the normal path.

        It must return a record only when that record equals the normal path's (same id,
        same fields); on any doubt it returns None, so reason codes never change. It never
        raises. Provenance is filled in by the caller. The default has no fast path.
        """
        return None

    @abstractmethod
    def render(self, record: Record) -> dict[str, Any]:
        """Map a Record to one row of this format, or raise ``RowError``
        (``unsupported_in_target``) saying what the format cannot hold.

        Writes ``record.meta`` back as extra fields where the format allows them.
        """
