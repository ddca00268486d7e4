"""The atomic row writers: every container round-trips through the readers."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curate.errors import RowError, UsageError
from curate.io.read import read_rows
from curate.io.write import open_row_writer, write_rows

TEXT_CONTAINERS = ["jsonl", "json", "jsonl.gz", "json.gz"]
ALL = [*TEXT_CONTAINERS, "csv", "csv.gz", "parquet"]


def read_back(path: Path) -> list[Any]:
    out = []
    for row in read_rows(path):
        assert row.ok, row.value
        out.append(row.value)
    return out


text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), text)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)
json_rows = st.lists(st.dictionaries(text, json_values, min_size=1, max_size=4), max_size=5)


@pytest.mark.parametrize("ext", TEXT_CONTAINERS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=json_rows)
def test_json_containers_round_trip_any_json_rows(tmp_path: Path, ext: str, data: list[Any]) -> None:
    path = tmp_path / f"out.{ext}"
    assert write_rows(data, path) == len(data)
    assert read_back(path) == data


chat_rows = st.lists(
    st.fixed_dictionaries(
        {
            "messages": st.lists(
                st.fixed_dictionaries(
                    {"role": st.sampled_from(["user", "assistant"]), "content": text}
                ),
                min_size=1,
                max_size=3,
            ),
            "source": text.filter(lambda s: not s.lstrip().startswith(("[", "{"))),
        }
    ),
    max_size=5,
)


@pytest.mark.parametrize("ext", ["csv", "csv.gz", "parquet"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=chat_rows)
def test_tabular_containers_round_trip_text_and_nested_lists(
    tmp_path: Path, ext: str, data: list[Any]
) -> None:
    path = tmp_path / f"out.{ext}"
    write_rows(data, path)
    assert read_back(path) == data


def test_csv_cells_json_encode_nested_values_and_keep_text(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    write_rows(
        [
            {"a": "NA", "b": [1, {"x": None}], "c": True},
            {"a": "None", "d": "new column"},
        ],
        path,
    )
    assert path.read_text().splitlines() == [
        "a,b,c,d",
        'NA,"[1,{""x"":null}]",true,',
        "None,,,new column",
    ]


def test_parquet_unifies_types_and_falls_back_to_json_text(tmp_path: Path) -> None:
    path = tmp_path / "o.parquet"
    data = [
        {"n": 1, "mixed": "text", "empty": {}, "meta": {"a": 1}},
        {"n": 2.5, "mixed": 3, "empty": {}, "meta": {"b": "x"}},
    ]
    write_rows(data, path)
    schema = pq.read_schema(path)
    assert str(schema.field("n").type) == "double"
    assert str(schema.field("mixed").type) == "string"
    assert schema.field("mixed").metadata == {b"curate.encoding": b"json"}
    assert schema.field("empty").metadata == {b"curate.encoding": b"json"}
    assert read_back(path) == data


def test_parquet_in_many_batches_keeps_every_row(tmp_path: Path) -> None:
    path = tmp_path / "o.parquet"
    data = [{"i": i, "text": f"row {i}"} for i in range(10000)]
    data[9000]["late"] = {"k": [1, 2]}
    write_rows(data, path)
    back = read_back(path)
    assert len(back) == 10000 and back[9000]["late"] == {"k": [1, 2]} and back[-1]["i"] == 9999


def test_json_array_is_indented_and_empty_outputs_are_valid(tmp_path: Path) -> None:
    path = tmp_path / "o.json"
    write_rows([{"a": [1]}], path)
    assert path.read_text() == '[\n  {\n    "a": [\n      1\n    ]\n  }\n]\n'
    for ext in ALL:
        empty = tmp_path / f"empty.{ext}"
        assert write_rows([], empty) == 0
        assert empty.exists() and read_back(empty) == []


def test_gzip_output_is_reproducible(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    write_rows([{"x": 1}], a)
    write_rows([{"x": 1}], b)
    assert a.read_bytes() == b.read_bytes()
    assert gzip.decompress(a.read_bytes()) == b'{"x":1}\n'


@pytest.mark.parametrize("ext", ALL)
def test_a_failure_leaves_the_old_file_and_no_temp_file(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"o.{ext}"
    write_rows([{"old": "yes"}], path)
    before = path.read_bytes()

    def boom() -> Any:
        yield {"new": 1}
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_rows(boom(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_rows_json_cannot_hold_are_row_errors_and_the_rest_is_written(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    with open_row_writer(path) as writer:
        writer.write({"a": 1})
        with pytest.raises(RowError) as bad_text:
            writer.write({"a": "\ud800"})
        with pytest.raises(RowError) as bad_type:
            writer.write({"a": b"bytes"})
        writer.write({"a": 2})
    assert (bad_text.value.code, bad_type.value.code) == ("invalid_encoding", "data_type")
    assert writer.count == 2
    assert read_back(path) == [{"a": 1}, {"a": 2}]


def test_unknown_output_extension_and_missing_folder_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="Cannot tell which file type"):
        write_rows([], tmp_path / "o.txt")
    with pytest.raises(UsageError, match="Cannot tell which file type"):
        write_rows([], tmp_path / "o.parquet.gz")
    with pytest.raises(UsageError, match="does not exist"):
        write_rows([], tmp_path / "missing" / "o.jsonl")


def test_output_file_mode_is_not_private(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    write_rows([{"a": 1}], path)
    assert path.stat().st_mode & 0o644 == 0o644
