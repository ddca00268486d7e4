"""File input and output: streaming row readers and atomic row writers for every container."""

from curate.io.containers import Container, container_from_name, output_container
from curate.io.read import MAX_JSON_ARRAY_BYTES, RowReader, read_rows
from curate.io.rows import MAX_ROW_BYTES, Row
from curate.io.write import RowWriter, open_row_writer, write_rows

__all__ = [
    "MAX_JSON_ARRAY_BYTES",
    "MAX_ROW_BYTES",
    "Container",
    "Row",
    "RowReader",
    "RowWriter",
    "container_from_name",
    "open_row_writer",
    "output_container",
    "read_rows",
    "write_rows",
]
