"""Import files into the workspace store, streaming, with provenance and stored rejects."""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from curate.errors import UnreadableInput, UsageError
from curate.io.spool import STDIN, display_name, is_stream, spool
from curate.records import Record, Reject, now_iso
from curate.source import read_records
from curate.store.lock import exclusive
from curate.workspace import Workspace

IMPORTER = "curate-ft"
BATCH_ROWS = 2_000
META_TAGS = ("category", "difficulty", "language")
ORIGINS = ("real", "synthetic")
# what every input row became: read = added + duplicates + existing + rejected
COUNTS = ("read", "added", "duplicates", "existing", "rejected")


def importer_version() -> str:
    try:
        return version("curate-ft")
    except PackageNotFoundError:
        return "unknown"


@dataclass
class FileImport:
    """What importing one file did: ``read == added + duplicates + existing + rejected``.

    ``duplicates`` are rows identical to a row read earlier in the same command (in this
    file or an earlier one); ``existing`` are rows whose record was in the workspace before.
    """

    path: str
    import_id: int
    sha256: str
    format: str | None = None
    read: int = 0
    added: int = 0
    duplicates: int = 0
    existing: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "import_id": self.import_id,
            "sha256": self.sha256,
            "format": self.format,
            "read": self.read,
            "added": self.added,
            "duplicates": self.duplicates,
            "existing": self.existing,
            "rejected": self.rejected,
            "reasons": self.reasons,
        }


@dataclass
class ImportSummary:
    """Every file of one `curate import`, with totals."""

    files: list[FileImport] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    @property
    def reasons(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for f in self.files:
            counts.update(f.reasons)
        return dict(counts.most_common())

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [f.as_dict() for f in self.files],
            **{k: self.total(k) for k in COUNTS},
            "reasons": self.reasons,
        }


def parse_tags(items: Iterable[str]) -> dict[str, str]:
    """``["KEY=VALUE", ...]`` as a dict; a UsageError for an item without a key or ``=``."""
    tags: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(
                f"The tag '{item}' is not KEY=VALUE.", "For example: --tag category=spark"
            )
        tags[key.strip()] = value.strip()
    return tags


def file_sha256(path: Path) -> str:
    """The file's sha256, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    except FileNotFoundError:
        raise UnreadableInput(
            f"The input file '{path}' does not exist.", "Check the path."
        ) from None
    except IsADirectoryError:
        raise UnreadableInput(
            f"The input '{path}' is a folder, not a file.", "Give a file path."
        ) from None
    except OSError as exc:
        raise UnreadableInput(f"The input file '{path}' cannot be read ({exc.strerror}).") from None
    return digest.hexdigest()


def _meta_tags(meta: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key in META_TAGS:
        value = meta.get(key)
        if isinstance(value, str) and value.strip():
            out[key] = value.strip()
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = str(value)
    return out


class _Batch:
    """Rows waiting to be written in one transaction."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.rejects: list[Reject] = []

    def __len__(self) -> int:
        return len(self.records) + len(self.rejects)


@exclusive("curate import")
def import_file(
    workspace: Workspace,
    path: Path | str,
    origin: str = "real",
    tags: dict[str, str] | None = None,
    fmt: str | None = None,
    batch_size: int = BATCH_ROWS,
    progress: Callable[[FileImport], None] | None = None,
    same_run: Sequence[int] = (),
) -> FileImport:
    """Import one file; see :func:`import_files`. ``same_run``: the import ids of the files
    imported before this one by the same command (their rows count as duplicates here)."""
    if origin not in ORIGINS:
        raise UsageError(f"Unknown origin '{origin}'.", "Use real or synthetic.")
    path = Path(path)
    store = workspace.store
    stream = is_stream(path)  # ``-`` or a pipe: read from its copy, named as given
    key = display_name(path) if str(path) == STDIN else workspace.source_key(path)
    sha = file_sha256(spool(path) if stream else path)
    items = read_records(path, fmt)  # unreadable file or unknown format: raises before writing
    extra = dict(tags or {})
    started = now_iso()
    version_ = importer_version()
    result = FileImport(key, store.start_import(key, origin, sha, fmt, extra), sha)
    reasons: Counter[str] = Counter()

    def flush(batch: _Batch) -> None:
        with store.transaction():
            added, duplicates, existing = store.import_records(
                batch.records, result.import_id, same_run
            )
            store.add_rejects(batch.rejects, result.import_id)
            store.update_import(
                result.import_id,
                read=len(batch),
                added=added,
                duplicates=duplicates,
                existing=existing,
                rejected=len(batch.rejects),
                format=result.format or fmt,
            )
        result.read += len(batch)
        result.added += added
        result.duplicates += duplicates
        result.existing += existing
        result.rejected += len(batch.rejects)
        reasons.update(r.code for r in batch.rejects)
        result.reasons = dict(reasons.most_common())
        if progress is not None:
            progress(result)

    try:
        batch = _Batch()
        for item in items:
            if isinstance(item, Record):
                prov = item.provenance
                prov.origin = origin  # type: ignore[assignment]
                prov.source_file = key
                prov.importer = IMPORTER
                prov.importer_version = version_
                prov.imported_at = started
                if result.format is None:
                    result.format = prov.source_format
                item.tags = {**_meta_tags(item.meta), **item.tags, **extra}
                batch.records.append(item)
            else:
                item.source = key
                batch.rejects.append(item)
            if len(batch) >= batch_size:
                flush(batch)
                batch = _Batch()
        if len(batch):
            flush(batch)
    except BaseException:
        with contextlib.suppress(Exception):  # the original error matters more
            store.finish_import(result.import_id, "failed")
        raise
    store.finish_import(result.import_id)
    return result


@exclusive("curate import")
def import_files(
    workspace: Workspace,
    paths: Sequence[Path | str],
    origin: str = "real",
    tags: dict[str, str] | None = None,
    fmt: str | None = None,
    batch_size: int = BATCH_ROWS,
    progress: Callable[[FileImport], None] | None = None,
) -> ImportSummary:
    """Stream files into the workspace, ``batch_size`` rows per transaction.

    Each record gets its provenance (origin, source file relative to the workspace, line,
    format, importer and version, import time) and tags: ``category``/``difficulty``/
    ``language`` copied from its meta fields, then its own tags, then ``tags`` (which win).
    Rejected rows are stored with their reason codes. Record ids are content hashes, so a
    row whose record was in the workspace before the command counts as ``existing``, and a
    row identical to one read earlier by the same command (in the same file or an earlier
    one) counts as a ``duplicate``; either way the stored record is left as it was (its
    tags are not changed) and the row is noted as one of its occurrences. A killed import leaves whole batches behind; running it again adds
    what is missing, so every row ends up exactly once.
    """
    missing = [p for p in paths if not (Path(p).is_file() or is_stream(p))]
    if missing:
        first = Path(missing[0])
        what = (
            "is a folder, not a file"
            if first.is_dir()
            else "is not a regular file (a pipe or device)"
            if first.exists()
            else "does not exist"
        )
        raise UnreadableInput(
            f"The input '{first}' {what}.", "Check the path; nothing was imported."
        )
    summary = ImportSummary()
    for path in paths:
        done = [f.import_id for f in summary.files]
        summary.files.append(
            import_file(workspace, path, origin, tags, fmt, batch_size, progress, done)
        )
    return summary
