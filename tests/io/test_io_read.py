"""The row readers: containers, encodings, blank and broken lines, limits, unreadable files."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.errors import RowError, UnreadableInput
from curate.io.read import RowReader, read_rows

GOOD = b'{"a": 1}'


def rows(path: Path, **kw: Any) -> list[tuple[int, Any]]:
    """(number, value or reason code) for every row."""
    return [(r.number, r.value if r.ok else r.value.code) for r in read_rows(path, **kw)]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# JSON Lines ---------------------------------------------------------------------------------
def test_jsonl_rows_are_numbered_by_physical_line_and_blank_lines_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", b'{"a": 1}\n\n   \n{"a": 2}\r\n\t\n{"a": 3}\n')
    assert rows(path) == [(1, {"a": 1}), (4, {"a": 2}), (6, {"a": 3})]


def test_a_utf8_bom_is_accepted_and_dropped(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", b"\xef\xbb\xbf" + GOOD + b"\n" + GOOD + b"\n")
    assert rows(path) == [(1, {"a": 1}), (2, {"a": 1})]


def test_invalid_json_line_is_rejected_and_reading_goes_on(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", b'{"a": 1}\n{"a": \n{"a": 3}\n')
    got = list(read_rows(path))
    assert [(r.number, r.ok) for r in got] == [(1, True), (2, False), (3, True)]
    assert got[1].value.code == "invalid_json"
    assert got[1].raw == '{"a": '
    assert "Line 2" in got[1].value.message


def test_invalid_utf8_is_invalid_encoding_with_replacement_in_raw(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", b'{"a": "caf\xe9"}\n' + GOOD + b"\n")
    first, second = read_rows(path)
    assert first.value.code == "invalid_encoding"
    assert first.raw == '{"a": "caf\ufffd"}'
    assert second.value == {"a": 1}


@pytest.mark.parametrize("escape", [rb"\ud800", rb"\udc00", rb"\ud83d x", rb"\ud800\u0041"])
def test_lone_surrogate_escapes_are_invalid_encoding(tmp_path: Path, escape: bytes) -> None:
    path = write(tmp_path, "d.jsonl", b'{"a": "' + escape + b'"}\n')
    (row,) = read_rows(path)
    assert row.value.code == "invalid_encoding"
    assert "surrogate" in row.value.message


def test_a_paired_surrogate_escape_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", rb'{"a": "\ud83d\ude00"}' + b"\n")
    assert rows(path) == [(1, {"a": "\U0001f600"})]


@pytest.mark.parametrize("data", [b"", b"\n\n  \n", b"\xef\xbb\xbf"])
def test_an_empty_file_has_no_rows(tmp_path: Path, data: bytes) -> None:
    assert rows(write(tmp_path, "d.jsonl", data)) == []


def test_truncated_last_line_is_truncated_row(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", GOOD + b'\n{"messages": [{"role": "us')
    assert rows(path) == [(1, {"a": 1}), (2, "truncated_row")]


def test_last_line_without_newline_that_parses_is_a_row(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", GOOD + b"\n" + GOOD)
    assert rows(path) == [(1, {"a": 1}), (2, {"a": 1})]


def test_broken_line_with_a_newline_is_invalid_json_not_truncated(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", b'{"a": \n')
    assert rows(path) == [(1, "invalid_json")]


def test_a_line_over_the_limit_is_skipped_without_losing_the_next(tmp_path: Path) -> None:
    big = b'{"a": "' + b"x" * 5000 + b'"}'
    path = write(tmp_path, "d.jsonl", GOOD + b"\n" + big + b"\n" + GOOD + b"\n")
    got = list(read_rows(path, max_row_bytes=1000))
    assert [(r.number, r.ok) for r in got] == [(1, True), (2, False), (3, True)]
    assert got[1].value.code == "row_too_large"
    assert got[1].size == len(big) + 1
    assert len(got[1].raw) <= 4096


def test_a_huge_last_line_without_newline_is_row_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", GOOD + b"\n" + b"[" * 3000)
    assert rows(path, max_row_bytes=1000) == [(1, {"a": 1}), (2, "row_too_large")]


def test_a_row_of_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    line = b'{"a": "' + b"x" * 92 + b'"}'
    assert len(line) == 101
    path = write(tmp_path, "d.jsonl", line + b"\n")
    assert rows(path, max_row_bytes=101)[0][1] == {"a": "x" * 92}
    assert rows(path, max_row_bytes=100)[0][1] == "row_too_large"


def test_gzip_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl.gz"
    path.write_bytes(gzip.compress(b"\xef\xbb\xbf" + GOOD + b"\nnope\n"))
    assert rows(path) == [(1, {"a": 1}), (2, "invalid_json")]


def test_a_cut_off_gzip_file_is_unreadable(tmp_path: Path) -> None:
    data = gzip.compress((GOOD + b"\n") * 20000)
    path = write(tmp_path, "d.jsonl.gz", data[: len(data) // 2])
    with pytest.raises(UnreadableInput, match="damaged or cut off"):
        list(read_rows(path))


def test_rows_unpack_as_number_value_raw(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", b'{"a": 1}\n')
    ((number, value, raw),) = [tuple(r) for r in read_rows(path)]
    assert (number, value, raw) == (1, {"a": 1}, '{"a": 1}')


def test_position_reaches_the_file_size(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", (GOOD + b"\n") * 100)
    reader = RowReader(path)
    assert reader.position() == 0
    assert len(list(reader)) == 100
    assert reader.position() == reader.size == path.stat().st_size


# JSON ---------------------------------------------------------------------------------------
def test_json_array_elements_are_rows_numbered_from_one(tmp_path: Path) -> None:
    path = write(tmp_path, "d.json", b'\xef\xbb\xbf[\n {"a": 1},\n {"a": 2}, 3\n]\n')
    got = list(read_rows(path))
    assert [(r.number, r.value) for r in got] == [(1, {"a": 1}), (2, {"a": 2}), (3, 3)]
    assert got[0].raw == '{"a":1}'


def test_a_json_file_with_one_object_is_one_row(tmp_path: Path) -> None:
    path = write(tmp_path, "d.json", b'{\n  "a": 1\n}\n')
    assert rows(path) == [(1, {"a": 1})]


def test_json_lines_saved_as_json_are_read_as_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "d.json", b'{"a": 1}\n{"a": 2}\nbad\n')
    assert rows(path) == [(1, {"a": 1}), (2, {"a": 2}), (3, "invalid_json")]


def test_a_json_array_that_does_not_parse_is_unreadable_with_its_position(tmp_path: Path) -> None:
    path = write(tmp_path, "d.json", b'[\n {"a": 1},\n {"a": }\n]\n')
    with pytest.raises(UnreadableInput) as info:
        list(read_rows(path))
    assert "line 3" in info.value.message and "not a valid JSON array" in info.value.message
    assert ".jsonl" in (info.value.fix or "")


def test_a_json_array_with_a_lone_surrogate_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, "d.json", rb'[{"a": "\ud800"}]')
    with pytest.raises(UnreadableInput, match="lone surrogate"):
        list(read_rows(path))


def test_empty_json_file_and_empty_array_have_no_rows(tmp_path: Path) -> None:
    assert rows(write(tmp_path, "a.json", b"")) == []
    assert rows(write(tmp_path, "b.json", b" [ ] ")) == []


def test_a_pretty_json_array_named_jsonl_is_read_as_an_array(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", b'[\n  {"a": 1},\n  {"a": 2}\n]\n')
    assert rows(path) == [(1, {"a": 1}), (2, {"a": 2})]


def test_json_lines_of_arrays_stay_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", b"[1, 2]\n[3]\n")
    assert rows(path) == [(1, [1, 2]), (2, [3])]


def test_gzip_json_array(tmp_path: Path) -> None:
    path = tmp_path / "d.json.gz"
    path.write_bytes(gzip.compress(b'[{"a": 1}]'))
    assert rows(path) == [(1, {"a": 1})]


# CSV ----------------------------------------------------------------------------------------
def test_csv_cells_stay_text_and_json_cells_are_parsed(tmp_path: Path) -> None:
    data = (
        b"instruction,input,output,n,messages\n"
        b'Explain Kafka,NA,None,null,"[{""role"": ""user"", ""content"": ""hi""}]"\n'
        b"Explain Spark,,NaN,1,[not json\n"
    )
    got = rows(write(tmp_path, "d.csv", data))
    assert got[0] == (
        1,
        {
            "instruction": "Explain Kafka",
            "input": "NA",
            "output": "None",
            "n": "null",
            "messages": [{"role": "user", "content": "hi"}],
        },
    )
    assert got[1][1] == {
        "instruction": "Explain Spark",
        "input": "",
        "output": "NaN",
        "n": "1",
        "messages": "[not json",
    }


def test_csv_rows_with_json_cells_keep_an_all_text_reading(tmp_path: Path) -> None:
    data = b'a,b\n"[1, 2]",x\nplain,y\n'
    first, second = read_rows(write(tmp_path, "d.csv", data))
    assert first.value == {"a": [1, 2], "b": "x"}
    assert first.alt == {"a": "[1, 2]", "b": "x"}
    assert second.value == {"a": "plain", "b": "y"} and second.alt is None


def test_csv_json_scalars_in_brackets_stay_text(tmp_path: Path) -> None:
    got = rows(write(tmp_path, "d.csv", b'a\n"{not: json}"\n'))
    assert got == [(1, {"a": "{not: json}"})]


def test_csv_multiline_cells_bom_and_blank_rows(tmp_path: Path) -> None:
    data = b'\xef\xbb\xbfprompt,completion\n"line one\nline two",ok\n\n"a, b",c\n'
    assert rows(write(tmp_path, "d.csv", data)) == [
        (1, {"prompt": "line one\nline two", "completion": "ok"}),
        (2, {"prompt": "a, b", "completion": "c"}),
    ]


def test_csv_invalid_utf8_rejects_only_that_row(tmp_path: Path) -> None:
    data = b"a,b\ncaf\xe9,1\nok,2\n"
    got = list(read_rows(write(tmp_path, "d.csv", data)))
    assert got[0].value.code == "invalid_encoding"
    assert got[0].raw == "caf\ufffd,1"
    assert got[1].value == {"a": "ok", "b": "2"}


def test_csv_lone_surrogate_in_a_json_cell_is_invalid_encoding(tmp_path: Path) -> None:
    data = b'messages\n"[{""content"": ""\\ud800""}]"\n'
    (row,) = read_rows(write(tmp_path, "d.csv", data))
    assert row.value.code == "invalid_encoding"
    assert row.alt == {"messages": '[{"content": "\\ud800"}]'}  # as text it is fine


def test_csv_short_rows_leave_keys_out_and_long_rows_are_rejected(tmp_path: Path) -> None:
    got = rows(write(tmp_path, "d.csv", b"a,b,c\n1,2\n1,2,3,4\n"))
    assert got == [(1, {"a": "1", "b": "2"}), (2, "data_type")]


def test_csv_row_over_the_limit(tmp_path: Path) -> None:
    data = b"a,b\n1,2\n" + b"x" * 3000 + b",y\n3,4\n"
    got = rows(write(tmp_path, "d.csv", data), max_row_bytes=1000)
    assert got == [(1, {"a": "1", "b": "2"}), (2, "row_too_large"), (3, {"a": "3", "b": "4"})]


def test_csv_duplicate_header_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput, match="twice"):
        list(read_rows(write(tmp_path, "d.csv", b"a,a\n1,2\n")))


def test_gzip_csv_and_header_only_csv(tmp_path: Path) -> None:
    path = tmp_path / "d.csv.gz"
    path.write_bytes(gzip.compress(b"a\nNA\n"))
    assert rows(path) == [(1, {"a": "NA"})]
    assert rows(write(tmp_path, "h.csv", b"a,b\n")) == []


# Parquet ------------------------------------------------------------------------------------
def test_parquet_rows_with_nested_messages_and_nulls_dropped(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    table = pa.Table.from_pylist(
        [
            {"messages": [{"role": "user", "content": "hi", "name": None}], "extra": None},
            {"messages": [{"role": "user", "content": "yo", "name": "bob"}], "extra": "x"},
        ]
    )
    pq.write_table(table, path)
    assert rows(path) == [
        (1, {"messages": [{"role": "user", "content": "hi"}]}),
        (2, {"messages": [{"role": "user", "content": "yo", "name": "bob"}], "extra": "x"}),
    ]


def test_parquet_raw_is_the_row_as_json(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_pylist([{"a": 1}]), path)
    (row,) = read_rows(path)
    assert row.raw == '{"a":1}'


def test_a_file_that_is_not_parquet_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput, match="not a readable Parquet file"):
        list(read_rows(write(tmp_path, "d.parquet", b"PAR1 not really")))


# names and unreadable files -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"a": 1}\n', [(1, {"a": 1})]),
        (b'[{"a": 1}]', [(1, {"a": 1})]),
        (b"a\nx\n", [(1, {"a": "x"})]),
        (gzip.compress(b'{"a": 1}\n', mtime=0), [(1, {"a": 1})]),
    ],
    ids=["jsonl", "json", "csv", "gzip"],
)
def test_files_without_a_known_extension_are_sniffed(
    tmp_path: Path, data: bytes, expected: list[Any]
) -> None:
    assert rows(write(tmp_path, "data.txt", data)) == expected


def test_missing_file_and_folder_are_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableInput, match="does not exist"):
        RowReader(tmp_path / "nope.jsonl")
    with pytest.raises(UnreadableInput, match="is a folder"):
        RowReader(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_a_file_without_read_permission_is_unreadable(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", GOOD)
    path.chmod(0)
    with pytest.raises(UnreadableInput, match="permission denied"):
        RowReader(path)


def test_row_errors_carry_registered_reason_codes(tmp_path: Path) -> None:
    data = b'{"a": "\xff"}\nnope\n' + rb'{"a": "\ud800"}' + b'\n{"a": '
    for row in read_rows(write(tmp_path, "d.jsonl", data)):
        assert isinstance(row.value, RowError)  # RowError checks the code is registered
