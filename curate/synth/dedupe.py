"""Is a new synthetic record already in the workspace? By content id and normalised text."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from curate.records import Record
from curate.synth.ledger import Ledger

_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Case, punctuation and whitespace folded away.

    >>> normalise("  Hello,   World!\\n")
    'hello world'
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return _SPACE.sub(" ", _PUNCT.sub(" ", text)).strip()


def text_hash(record: Record) -> str:
    """A hash of the record's kind and normalised turn texts (prompt and answers)."""
    parts = [record.kind]
    for side in (record.messages, record.chosen or [], record.rejected or []):
        parts.append("\x1e".join(normalise(m.content or "") for m in side))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


class WorkspaceIndex:
    """The normalised-text hashes of every stored record, cached in the ledger database
    (only records not seen before are read and hashed)."""

    def __init__(self, store: Any, ledger: Ledger) -> None:
        self.store = store
        self.ledger = ledger
        cached = ledger.text_hashes()
        ids = store.select_ids()
        missing = [rid for rid in ids if rid not in cached]
        if missing:
            fresh = {rid: text_hash(r) for rid, r in store.get_many(missing).items()}
            ledger.put_text_hashes(list(fresh.items()))
            cached.update(fresh)
        self.ids = set(ids)
        self.claimed: dict[str, str | None] = {}
        self.by_hash: dict[str, str] = {}
        for rid in ids:
            if rid in cached:
                self.by_hash.setdefault(cached[rid], rid)

    def classify(self, record: Record) -> tuple[str, str | None]:
        """``("new", None)``, ``("same", id)`` when this very record (same request) is
        stored, or ``("duplicate", id)`` of the stored record it repeats."""
        if record.id in self.ids:
            if record.id in self.claimed:  # added in this run, maybe not yet written
                prompt_hash = self.claimed[record.id]
            else:
                prompt_hash = self.store.get(record.id).provenance.prompt_hash
            if prompt_hash == record.provenance.prompt_hash:
                return "same", record.id
            return "duplicate", record.id
        existing = self.by_hash.get(text_hash(record))
        if existing is not None:
            return "duplicate", existing
        return "new", None

    def add(self, record: Record) -> None:
        """Claim a record about to be stored (see :meth:`persist`)."""
        self.ids.add(record.id)
        self.claimed[record.id] = record.provenance.prompt_hash
        self.by_hash.setdefault(text_hash(record), record.id)

    def persist(self, records: list[Record]) -> None:
        """Cache the hashes of records now in the store."""
        self.ledger.put_text_hashes([(r.id, text_hash(r)) for r in records])
