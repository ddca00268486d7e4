"""Is a new synthetic record already in the workspace? By content id, and by the exact
duplicate test of `curate dedupe` under the workspace's ``[dedupe]`` settings."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from curate.dedup.compare import SECTION, compare_text
from curate.dedup.find import KIND_GROUP
from curate.dedup.normalise import Normaliser
from curate.records import Record
from curate.settings import DedupeSettings
from curate.synth.ledger import Ledger

if TYPE_CHECKING:
    from curate.store import Store

_MARKER = SECTION.encode()


class TextKey:
    """The hash of a record's exact-duplicate key as `curate dedupe` sees it: the kind's
    group and the normalised compare text (``[dedupe] normalise`` and ``compare``). Two
    records get the same hash exactly when dedupe calls them exact duplicates; a record with
    nothing to compare gets a hash of its own. Each hash starts with a tag of the settings,
    so hashes cached under other settings are recomputed."""

    def __init__(self, settings: DedupeSettings | None = None) -> None:
        settings = settings or DedupeSettings()
        self.normaliser = Normaliser.from_flags(settings.normalise)
        self.compare = settings.compare
        spec = f"{','.join(self.normaliser.flags)}|{self.compare}"
        self.tag = hashlib.sha256(spec.encode()).hexdigest()[:8]

    def key(self, record: Record) -> bytes | None:
        """The exact key (None: nothing to compare, so no record is its duplicate)."""
        text = compare_text(record, self.compare)
        words = [w for w in self.normaliser.encode(text).split(b" ") if w]
        if all(w == _MARKER for w in words):
            return None
        if self.normaliser.whitespace:  # the word sequence, section markers included
            return b" ".join(words)
        return self.normaliser.exact_bytes(text)

    def __call__(self, record: Record) -> str:
        key = self.key(record)
        if key is None:
            key = b"\x00" + record.id.encode()
        group = KIND_GROUP.get(record.kind, 3)
        digest = hashlib.sha256(bytes([group]) + key).hexdigest()[:24]
        return f"{self.tag}-{digest}"


def text_hash(record: Record, settings: DedupeSettings | None = None) -> str:
    """The :class:`TextKey` hash of ``record`` under ``settings`` (default: the defaults).

    >>> from curate.records import Message
    >>> def chat(q: str, a: str) -> Record:
    ...     return Record(messages=[Message(role="user", content=q),
    ...                             Message(role="assistant", content=a)])
    >>> text_hash(chat("What is  Kafka?", "A log.")) == text_hash(chat("what is kafka", "a LOG"))
    True
    >>> text_hash(chat("snake_case", "ok")) == text_hash(chat("snake case", "ok"))
    True
    """
    return TextKey(settings)(record)


class WorkspaceIndex:
    """The normalised-text hashes of every stored record, cached in the ledger database
    (only records not seen before are read and hashed)."""

    def __init__(
        self, store: Store, ledger: Ledger, settings: DedupeSettings | None = None
    ) -> None:
        self.store = store
        self.ledger = ledger
        self.text_hash = TextKey(settings)
        prefix = self.text_hash.tag + "-"
        cached = {k: v for k, v in ledger.text_hashes().items() if v.startswith(prefix)}
        ids = store.select_ids()
        missing = [rid for rid in ids if rid not in cached]
        if missing:
            fresh = {rid: self.text_hash(r) for rid, r in store.get_many(missing).items()}
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
        existing = self.by_hash.get(self.text_hash(record))
        if existing is not None:
            return "duplicate", existing
        return "new", None

    def add(self, record: Record) -> None:
        """Claim a record about to be stored (see :meth:`persist`)."""
        self.ids.add(record.id)
        self.claimed[record.id] = record.provenance.prompt_hash
        self.by_hash.setdefault(self.text_hash(record), record.id)

    def persist(self, records: list[Record]) -> None:
        """Cache the hashes of records now in the store."""
        self.ledger.put_text_hashes([(r.id, self.text_hash(r)) for r in records])
