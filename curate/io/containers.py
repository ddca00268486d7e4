"""File containers (JSONL, JSON, CSV, Parquet, gzip of the text ones) told apart by name or bytes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from curate.errors import UsageError

CONTAINERS = ("jsonl", "json", "csv", "parquet")
_BY_SUFFIX = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}
GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"


@dataclass(frozen=True)
class Container:
    """How a file is laid out: ``kind`` is one of CONTAINERS; ``gzip`` for compressed text."""

    kind: str
    gzip: bool = False

    def __str__(self) -> str:
        return self.kind + (".gz" if self.gzip else "")


def container_from_name(path: str | Path) -> Container | None:
    """The container a file name promises, or None when the extension says nothing.

    >>> container_from_name("data.jsonl.gz")
    Container(kind='jsonl', gzip=True)
    >>> container_from_name("train.parquet").kind
    'parquet'
    """
    suffixes = [s.lower() for s in Path(path).suffixes]
    gz = bool(suffixes) and suffixes[-1] == ".gz"
    if gz:
        suffixes = suffixes[:-1]
    if not suffixes or suffixes[-1] not in _BY_SUFFIX:
        return None
    kind = _BY_SUFFIX[suffixes[-1]]
    if kind == "parquet" and gz:
        return None
    return Container(kind, gz)


def sniff_container(head: bytes) -> Container:
    """Guess the container from the first bytes of a file with an unhelpful name."""
    if head.startswith(GZIP_MAGIC):
        import zlib

        try:
            inner = zlib.decompressobj(31).decompress(head, 4096)
        except zlib.error:
            inner = b""
        return Container(sniff_container(inner).kind, True)
    if head.startswith(PARQUET_MAGIC):
        return Container("parquet")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"["):
        return Container("json")
    if text.startswith(b"{") or not text:
        return Container("jsonl")
    return Container("csv")


def output_container(path: str | Path) -> Container:
    """The container to write, from the output file's extension; a UsageError otherwise."""
    found = container_from_name(path)
    if found is None:
        raise UsageError(
            f"Cannot tell which file type to write from the name '{Path(path).name}'.",
            "End the output name with .jsonl, .json, .csv or .parquet (add .gz to compress "
            "JSONL, JSON or CSV).",
        )
    return found
