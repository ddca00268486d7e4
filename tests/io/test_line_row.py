"""JSON Lines rows parse on first use and then behave exactly like eagerly parsed rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from curate.errors import RowError
from curate.io.read import LineRow, parse_line, read_rows


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (b'{"a": [1, 2.5, "x"]}\n', {"a": [1, 2.5, "x"]}),
        (b'{"a": 1}\r\n', {"a": 1}),
        (b'{"a": \n', "invalid_json"),
        (b'{"a": "caf\xe9"}\n', "invalid_encoding"),
        (b'{"a": "\\ud800"}\n', "invalid_encoding"),
        (b'{"a": 1', "truncated_row"),
    ],
)
def test_a_line_row_gives_what_an_eager_parse_gives(line: bytes, expected: object) -> None:
    row = LineRow(7, line)
    assert row.number == 7 and row.size == len(line) and row.alt is None and row.line is line
    eager = parse_line(7, line)
    value = row.value
    assert row.value is value  # parsed once, then kept
    if isinstance(expected, str):
        assert not row.ok and isinstance(value, RowError) and value.code == expected
        assert value.message == eager.message  # type: ignore[union-attr]
    else:
        assert row.ok and value == expected == eager
    number, unpacked, raw = row
    assert (number, unpacked) == (7, value)
    assert raw == line.decode("utf-8", "replace").rstrip("\r\n")


def test_other_missing_attributes_still_raise() -> None:
    row = LineRow(1, b"{}\n")
    with pytest.raises(AttributeError):
        _ = row.nothing  # type: ignore[attr-defined]


def test_jsonl_files_yield_line_rows_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"a": 1}\n\n \t\n{"a": 2}\n')
    rows = list(read_rows(path))
    assert [type(r) for r in rows] == [LineRow, LineRow]
    assert [(r.number, r.line) for r in rows] == [(1, b'{"a": 1}\n'), (4, b'{"a": 2}\n')]
    assert [r.value for r in rows] == [{"a": 1}, {"a": 2}]
