"""The conversion pipeline: read -> parse -> render -> write, streaming, nothing lost.

Every input row ends in the output or in the rejects file, so ``read = written + rejected``
always holds. The rejects file (default ``OUTPUT.rejects.jsonl``) holds one JSON object per
rejected row: ``{source, line, code, message, raw}``. It is written only when there are
rejects; when a run has none, a rejects file left at that path by an earlier run is removed,
so a rejects file next to an output always belongs to it. Both files appear atomically at
the end; a run that fails half-way leaves the old files as they were.

Meaning, not only counts: a preference pair written to an SFT format would lose its rejected
answer, so by default it is rejected (``unsupported_in_target``); ``preference_side="chosen"``
keeps its prompt and chosen answer as an SFT row and counts every rejected answer dropped
(``dropped_rejected``). An undesirable unpaired example (label false) never becomes an SFT row.
An SFT row has no label, so it is not written to an unpaired (KTO) format unless ``label``
(``--label true|false``) gives it one explicitly; each such row is counted (``labelled``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curate.errors import RowError, UsageError
from curate.formats import get_format
from curate.formats.base import Format
from curate.formats.detect import DEFAULT_SAMPLE, Detection
from curate.io.atomic import atomic_path
from curate.io.containers import output_container
from curate.io.rows import Row
from curate.io.write import JsonlWriter, RowWriter, open_row_writer
from curate.records import Record
from curate.source import RecordSource

# progress(done_bytes, total_bytes) is called about every this many rows
PROGRESS_EVERY = 2048
Progress = Callable[[int, int], None]


@dataclass
class ConvertSummary:
    """The outcome of one conversion (``to_dict`` is what ``curate convert --json`` prints)."""

    input: str
    output: str
    to: str
    detected_format: str | None = None
    from_format: str | None = None
    read: int = 0
    written: int = 0
    rejected: int = 0
    rejects_path: str | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    detection: Detection | None = None
    preference_side: str | None = None
    # rows written as SFT from a preference pair's chosen side: their rejected answers dropped
    dropped_rejected: int = 0
    # the label --label gave, and how many written rows (SFT rows, which have none) got it
    label: bool | None = None
    labelled: int = 0

    @property
    def empty(self) -> bool:
        """The input held no rows at all (an empty file converts to an empty output)."""
        return self.read == 0

    def warnings(self) -> list[str]:
        out = []
        if self.empty:
            out.append(f"The input '{self.input}' is empty: it has no rows.")
        if self.detection is not None:
            out.extend(self.detection.warnings())
            detected = self.detection.format
            if self.from_format and detected and detected != self.from_format:
                out.append(f"--from says {self.from_format} but the rows look like {detected}.")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "output": self.output,
            "detected_format": self.detected_format,
            "from_format": self.from_format,
            "to": self.to,
            "read": self.read,
            "written": self.written,
            "rejected": self.rejected,
            "rejects_path": self.rejects_path,
            "reasons": dict(self.reasons),
            "empty": self.empty,
            "detection": self.detection.to_dict() if self.detection else None,
            "warnings": self.warnings(),
            "preference_side": self.preference_side,
            "dropped_rejected": self.dropped_rejected,
            "label": self.label,
            "labelled": self.labelled,
        }


PREFERENCE_SIDES = ("chosen",)


def check_preference_side(side: str | None) -> str | None:
    """``None`` or ``"chosen"``; a UsageError says why the rejected side is not offered."""
    if side is None:
        return None
    key = side.strip().lower()
    if key in PREFERENCE_SIDES:
        return key
    if key == "rejected":
        raise UsageError(
            "--preference-side rejected would make each pair's worse answer an SFT training "
            "target.",
            "Use --preference-side chosen, or keep the pairs in a preference format.",
        )
    raise UsageError(f"Unknown preference side '{side}'.", "Use --preference-side chosen.")


def chosen_side(record: Record) -> Record:
    """A preference pair as the SFT record of its prompt and chosen answer (rejected dropped).

    >>> from curate.records import Message
    >>> pair = Record(kind="preference", messages=[Message(role="user", content="q")],
    ...               chosen=[Message(role="assistant", content="good")],
    ...               rejected=[Message(role="assistant", content="bad")])
    >>> sft = chosen_side(pair)
    >>> sft.kind, [m.content for m in sft.messages], sft.rejected
    ('sft', ['q', 'good'], None)
    """
    return record.model_copy(
        update={
            "kind": "sft",
            "messages": [*record.messages, *(record.chosen or [])],
            "chosen": None,
            "rejected": None,
        }
    )


def default_rejects_path(output: str | Path) -> Path:
    """``OUTPUT.rejects.jsonl`` next to the output."""
    return Path(f"{output}.rejects.jsonl")


class RejectSink:
    """Writes rejects as JSONL, atomically; the file is only created for the first reject."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self.reasons: dict[str, int] = {}
        self._stack = contextlib.ExitStack()
        self._writer: JsonlWriter | None = None

    def add(self, source: str, row: Row, error: RowError) -> None:
        if self._writer is None:
            tmp = self._stack.enter_context(atomic_path(self.path))
            self._writer = JsonlWriter(tmp, gz=str(self.path).endswith(".gz"))
        self._writer.write(
            {
                "source": source,
                "line": row.number,
                "code": error.code,
                "message": error.message,
                "raw": row.raw,
            }
        )
        self.count += 1
        self.reasons[error.code] = self.reasons.get(error.code, 0) + 1

    def __enter__(self) -> RejectSink:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if self._writer is not None:
            if exc_type is None:
                self._writer.finish()
            else:
                self._writer.abort()
        elif exc_type is None:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                self.path.unlink()
        self._stack.__exit__(exc_type, exc, tb)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def convert(
    input: str | Path,
    output: str | Path,
    to: str,
    from_: str | None = None,
    rejects_path: str | Path | None = None,
    *,
    sample: int = DEFAULT_SAMPLE,
    progress: Progress | None = None,
    preference_side: str | None = None,
    label: bool | str | None = None,
) -> ConvertSummary:
    """Convert ``input`` into format ``to`` at ``output`` (container from its extension).

    ``preference_side="chosen"`` writes a preference pair to an SFT format as its prompt and
    chosen answer (counted in ``dropped_rejected``); without it such pairs are rejected.

    ``label`` (True or False, or the text "true"/"false") gives every SFT row that label so it
    can be written to an unpaired (KTO) format (counted in ``labelled``); rows that have a
    label keep theirs. Without it SFT rows are rejected there: a label is never invented.

    Raises ``UsageError`` (unknown format, bad output name, undetectable input) or
    ``UnreadableInput`` before anything is written.
    """
    target = get_format(to)
    side = check_preference_side(preference_side)
    given_label = check_label(label, target.name, target.kinds)
    output_container(output)
    out_path, in_path = Path(output), Path(input)
    rejects = Path(rejects_path) if rejects_path else default_rejects_path(output)
    if _same_file(out_path, in_path):
        raise UsageError("The output is the input file.", "Write the output to another path.")
    if _same_file(rejects, out_path) or _same_file(rejects, in_path):
        raise UsageError("The rejects path is the input or output file.", "Pick another --rejects path.")
    if not rejects.parent.is_dir():
        raise UsageError(
            f"The folder of the rejects file '{rejects}' does not exist.", "Create it or pick another --rejects path."
        )
    source = RecordSource(in_path, from_, sample=sample)
    summary = ConvertSummary(
        input=source.name,  # as given; ``-`` (standard input) is <stdin>
        output=str(output),
        to=target.name,
        detected_format=source.detection.format,
        from_format=source.format_name,
        detection=source.detection,
        preference_side=side,
        label=given_label,
    )
    render, written = target.render, None
    if side is not None and "preference" not in target.kinds and "sft" in target.kinds:
        render, written = _chosen_side(target.render, summary)
    if given_label is not None:
        render, written = _labelled(render, written, given_label, summary)
    with open_row_writer(out_path) as writer, RejectSink(rejects) as sink:
        take = _plain_rows(source, target, render, writer, progress)
        summary.read = _pump(source, render, writer.write, sink, progress, written, take)
        summary.written = writer.count
    summary.rejected = sink.count
    summary.reasons = dict(sorted(sink.reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    summary.rejects_path = str(rejects) if sink.count else None
    # nothing is lost: every row read is either written or rejected
    assert summary.read == summary.written + summary.rejected, summary
    return summary


def _chosen_side(
    render: Callable[[Record], dict[str, Any]], summary: ConvertSummary
) -> tuple[Callable[[Record], dict[str, Any]], Callable[[Record], None]]:
    """``render`` with preference pairs written as their chosen side, and the hook that
    counts each such pair once its row is written."""

    def chosen_render(record: Record) -> dict[str, Any]:
        if record.kind == "preference" and record.chosen:
            return render(chosen_side(record))
        return render(record)

    def count(record: Record) -> None:
        if record.kind == "preference" and record.chosen:
            summary.dropped_rejected += 1

    return chosen_render, count


def check_label(label: bool | str | None, to: str, kinds: tuple[str, ...]) -> bool | None:
    """``--label``: True, False or None; a UsageError for other text or a target without labels."""
    if label is None:
        return None
    value = label
    if isinstance(label, str):
        value = {"true": True, "false": False}.get(label.strip().lower())
        if value is None:
            raise UsageError(f"Unknown label '{label}'.", "Use --label true or --label false.")
    if "unpaired" not in kinds:
        raise UsageError(
            f"--label gives rows a KTO label, and the format {to} holds no labels.",
            "Use it with --to unpaired or --to llama-factory-kto.",
        )
    return bool(value)


def _labelled(
    render: Callable[[Record], dict[str, Any]],
    written: Callable[[Record], None] | None,
    label: bool,
    summary: ConvertSummary,
) -> tuple[Callable[[Record], dict[str, Any]], Callable[[Record], None]]:
    """``render`` with SFT rows given ``label``, and a hook that counts each one written."""

    def labelled_render(record: Record) -> dict[str, Any]:
        if record.kind == "sft":
            return render(record.model_copy(update={"kind": "unpaired", "label": label}))
        return render(record)

    def count(record: Record) -> None:
        if written is not None:
            written(record)
        if record.kind == "sft":
            summary.labelled += 1

    return labelled_render, count


def _pump(
    source: RecordSource,
    render: Callable[[Record], dict[str, Any]],
    write: Callable[[dict[str, Any]], None],
    sink: RejectSink,
    progress: Progress | None,
    written: Callable[[Record], None] | None = None,
    take: _Take | None = None,
) -> int:
    """Move every row from source to writer or sink; returns the number of rows read.

    ``written`` is called with each record whose row was written. Rows ``take`` takes are
    written by it (see ``_plain_rows``) and only counted here.
    """
    name = source.name
    reader = source.reader
    read = 0
    items: Iterator[tuple[Row, Record | RowError]] = source.parsed(provenance=False, take=take)
    for row, result in items:
        read += 1
        if progress is not None and read % PROGRESS_EVERY == 0:
            progress(reader.position(), reader.size)
        if isinstance(result, RowError):
            sink.add(name, row, result)
            continue
        try:
            write(render(result))
            if written is not None:
                written(result)
        except RowError as exc:
            sink.add(name, row, exc)
        except Exception as exc:  # a format must raise RowError; never let bad data crash
            message = f"Row {row.number} cannot be written ({type(exc).__name__}: {exc})."
            sink.add(name, row, RowError("unsupported_in_target", message))
    if progress is not None:
        progress(reader.size, reader.size)
    return read + (take.count if take is not None else 0)


class _Take:
    """Writes the rows a line path answers for (counted in ``count``); the rest are parsed."""

    def __init__(
        self,
        line_of: Callable[[Row], bytes | None],
        writer: JsonlWriter,
        source: RecordSource,
        progress: Progress | None,
    ) -> None:
        self.count = 0
        self._line_of = line_of
        self._write_line = writer.write_line
        self._reader = source.reader
        self._progress = progress

    def __call__(self, row: Row) -> bool:
        line = self._line_of(row)
        if line is None:
            return False
        self._write_line(line)
        self.count += 1
        if self._progress is not None and self.count % PROGRESS_EVERY == 0:
            self._progress(self._reader.position(), self._reader.size)
        return True


def _plain_rows(
    source: RecordSource,
    target: Format,
    render: Callable[[Record], dict[str, Any]],
    writer: RowWriter,
    progress: Progress | None,
) -> _Take | None:
    """openai-jsonl to openai-jsonl or ShareGPT JSON Lines: plain rows go straight from their
    parsed value to their finished line, without building a Record (the same bytes in less
    time; see ``curate.formats.openai_plain``). None for every other conversion."""
    fmt = source.format
    if (
        type(writer) is not JsonlWriter
        or fmt is None
        or fmt.name != "openai-jsonl"
        or render != target.render
    ):
        return None
    from curate.formats.openai_plain import line_path

    line_of = line_path(fmt, target.name, render)
    return _Take(line_of, writer, source, progress) if line_of is not None else None
