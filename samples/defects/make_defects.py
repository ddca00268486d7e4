"""Write the planted-defect files in samples/defects/ and their EXPECTED.json, byte for byte.

Each file is declared below as a list of rows, each with the outcome a reader must give it
(``None`` = accepted, otherwise the reason code of its reject). The files are committed; a test
checks that this script still produces exactly them. Run from the repository root:
`.venv/bin/python samples/defects/make_defects.py`.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).parent
BOM = b"\xef\xbb\xbf"

Row = tuple[str | None, bytes]  # (expected reason code or None, the row's bytes)


def line(obj: object) -> bytes:
    """One JSON Lines row (UTF-8, no ASCII escaping)."""
    return json.dumps(obj, ensure_ascii=False).encode() + b"\n"


def chat(*turns: str, system: str | None = None) -> dict:
    """An OpenAI chat row from alternating user/assistant texts."""
    messages = [{"role": "system", "content": system}] if system else []
    for i, text in enumerate(turns):
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": text})
    return {"messages": messages}


def u(text: str) -> dict:
    return {"role": "user", "content": text}


def a(text: object) -> dict:
    return {"role": "assistant", "content": text}


def bad_rows() -> list[Row]:
    """openai-jsonl with one defect per rejected line; lines 1, 5, 12 and 16 are valid."""
    tool_row = {
        "messages": [
            u("How many rows does analytics.orders have?"),
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_01",
                        "type": "function",
                        "function": {
                            "name": "run_sql",
                            "arguments": '{"query": "SELECT count(*) FROM analytics.orders"}',
                        },
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "call_01", "content": '[{"count": 1840223}]'},
            a("`analytics.orders` has 1,840,223 rows."),
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "run_sql",
                    "description": "Run a read-only SQL query on the warehouse.",
                    "parameters": {
                        "type": "object",
                        "properties": {"query": {"type": "string"}},
                        "required": ["query"],
                    },
                },
            }
        ],
    }
    return [
        (
            None,
            line(
                chat(
                    "What does `spark.sql.shuffle.partitions` control?",
                    "The number of partitions Spark uses when it shuffles data for joins and "
                    "aggregations. The default is 200; Adaptive Query Execution may coalesce them.",
                    system="You are a data engineering assistant.",
                )
            ),
        ),
        # a Python dict pasted instead of JSON (single quotes)
        (
            "invalid_json",
            b"{'messages': [{'role': 'user', 'content': 'What is a Kafka topic?'}, "
            b"{'role': 'assistant', 'content': 'A named, partitioned log.'}]}\n",
        ),
        # a number where text belongs
        (
            "data_type",
            line(
                {
                    "messages": [
                        u("What replication factor should a production Kafka topic have?"),
                        a(3),
                    ]
                }
            ),
        ),
        # messages flattened into one string
        (
            "data_type",
            line({"messages": "user: What is dbt?\nassistant: A SQL transformation tool."}),
        ),
        (
            None,
            line(
                chat(
                    "How do I list the tables in a Postgres schema?",
                    "In psql, run `\\dt analytics.*`. In SQL: `SELECT table_name FROM "
                    "information_schema.tables WHERE table_schema = 'analytics';`",
                    "And their sizes?",
                    "`SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
                    "WHERE relnamespace = 'analytics'::regnamespace AND relkind = 'r';`",
                )
            ),
        ),
        # null content without tool calls
        ("missing_content", line({"messages": [u("Explain Airflow pools."), a(None)]})),
        # a role OpenAI's format does not know
        (
            "unrecognized_role",
            line(
                {
                    "messages": [
                        u("What is a watermark in Flink?"),
                        {"role": "bot", "content": "A marker of event-time progress."},
                    ]
                }
            ),
        ),
        # an empty answer
        ("missing_content", line({"messages": [u("What does VACUUM do in Postgres?"), a("")]})),
        # nothing to learn from: no assistant turn
        (
            "example_missing_assistant_message",
            line(
                {
                    "messages": [
                        {"role": "system", "content": "You are a SQL tutor."},
                        u("What is a CTE?"),
                    ]
                }
            ),
        ),
        # a key the message format does not define
        (
            "message_unrecognized_key",
            line(
                {
                    "messages": [
                        {
                            "role": "user",
                            "content": "What is a dbt seed?",
                            "timestamp": "2024-05-14T09:12:00Z",
                        },
                        a("A CSV file in the project that `dbt seed` loads as a table."),
                    ]
                }
            ),
        ),
        # a message without a role
        (
            "message_missing_key",
            line(
                {
                    "messages": [
                        {"content": "What is Spark's Catalyst optimizer?"},
                        a(
                            "The query optimizer of Spark SQL: it rewrites logical plans with rules."
                        ),
                    ]
                }
            ),
        ),
        (None, line(tool_row)),
        # a lone surrogate escape (half of a UTF-16 pair)
        (
            "invalid_encoding",
            b'{"messages": [{"role": "user", "content": "Why is my Kafka lag '
            b'growing? \\ud800"}, {"role": "assistant", "content": "Check '
            b'the lag per partition first."}]}\n',
        ),
        # Latin-1 bytes, not UTF-8 (M\xfcller)
        (
            "invalid_encoding",
            b'{"messages": [{"role": "user", "content": "Load the file from '
            b'M\xfcller GmbH into staging."}, {"role": "assistant", "content": '
            b'"Use COPY with FORMAT csv and HEADER true."}]}\n',
        ),
        # an export bug: an empty messages list
        ("missing_messages_list", line({"id": "conv-0815", "messages": []})),
        (
            None,
            line(
                chat(
                    "What is the difference between ROW_NUMBER and RANK?",
                    "`ROW_NUMBER` numbers rows 1, 2, 3 even when values tie; `RANK` gives ties the same "
                    "number and leaves gaps (1, 1, 3).",
                )
            ),
        ),
        # the file was cut off in the middle of its last row (no final newline)
        (
            "truncated_row",
            b'{"messages": [{"role": "user", "content": "Explain Kafka consumer '
            b'rebalancing."}, {"role": "assistant", "content": "When a consumer '
            b"joins or leaves the gro",
        ),
    ]


def bom_rows() -> list[Row]:
    """Valid openai-jsonl saved with a UTF-8 byte order mark (as some Windows editors do)."""
    rows = [
        chat(
            "What is a Kafka partition?",
            "An ordered, append-only log that is one shard of a topic.",
        ),
        chat(
            "What is an Airflow DAG?",
            "A Python-defined graph of tasks with dependencies and a schedule.",
        ),
        chat(
            "What is a Parquet row group?",
            "A horizontal slice of a Parquet file with its own column chunks and statistics.",
        ),
    ]
    out: list[Row] = [(None, line(r)) for r in rows]
    out[0] = (None, BOM + out[0][1])
    return out


def huge_rows() -> list[Row]:
    """A valid row whose answer is a generated date-dimension seed of about 1.6 MB."""
    start, end = date(1990, 1, 1), date(2099, 12, 31)
    values = []
    day = start
    while day <= end:
        weekday = day.isoweekday()
        values.append(
            f"('{day.isoformat()}', {day.year}, {day.month}, {day.day}, {weekday}, "
            f"{'true' if weekday >= 6 else 'false'})"
        )
        day += timedelta(days=1)
    seed = (
        "```sql\nINSERT INTO dim_date (date_day, year, month, day, iso_weekday, is_weekend)"
        "\nVALUES\n" + ",\n".join(values) + ";\n```"
    )
    return [
        (
            None,
            line(
                chat(
                    "What is a date dimension?",
                    "A calendar table with one row per day and its attributes.",
                )
            ),
        ),
        (None, line(chat("Write the seed rows for dim_date from 1990 to 2099.", seed))),
        (
            None,
            line(
                chat(
                    "Should the date dimension be generated or loaded?",
                    "Generated: it is pure calendar logic with no source system.",
                )
            ),
        ),
    ]


def na_rows() -> list[Row]:
    """Alpaca CSV whose cells look like missing-value markers but are real answers."""
    cells = [
        ("Normalise this ISO 3166-1 alpha-2 code to alpha-3.", "NA", "NAM"),
        ("What does `print(None or None)` print in Python?", "", "None"),
        ("Convert this Python literal to JSON.", "None", "null"),
        ("What does `SELECT NULL` display in the spark-sql shell?", "", "NULL"),
        ("Is this a valid ISO 4217 currency code? Answer yes or no.", "N/A", "no"),
        ("Name the JSON type of this literal.", "null", "The null type; `null` is its only value."),
    ]
    out: list[Row] = []
    for instruction, input_, output in cells:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([instruction, input_, output])
        out.append((None, buf.getvalue().encode()))
    return out


NA_HEADER = b"instruction,input,output\n"


def json_cell_rows() -> list[Row]:
    """Alpaca CSV whose input or output cells are JSON text: they are answers, not structure."""
    cells = [
        (
            "Return the customer as JSON with keys id and middle_name.",
            "id 42, no middle name",
            '{"id": 42, "middle_name": null}',
        ),
        ("List the ISO weekdays of a weekend as a JSON array.", "", "[6, 7]"),
        (
            "Pretty-print this Kafka header map as YAML.",
            '{"trace_id": "a1f3", "source": "crm"}',
            "trace_id: a1f3\nsource: crm",
        ),
    ]
    out: list[Row] = []
    for instruction, input_, output in cells:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow([instruction, input_, output])
        out.append((None, buf.getvalue().encode()))
    return out


def h(value: str) -> dict:
    return {"from": "human", "value": value}


def g(value: str) -> dict:
    return {"from": "gpt", "value": value}


def non_alternating_rows() -> list[dict]:
    """ShareGPT conversations; the third has two human turns in a row, the fifth two gpt turns."""
    return [
        {
            "conversations": [
                h("What is a Spark executor?"),
                g("A JVM process on a worker node that runs tasks and caches data."),
            ]
        },
        {
            "conversations": [
                h("What is a Kafka broker?"),
                g("A server that stores partitions."),
                h("And a controller?"),
                g("The broker (or KRaft quorum node) that manages cluster metadata."),
            ]
        },
        {
            "conversations": [
                h("My DAG is not showing up in the Airflow UI."),
                h("I put the file in the dags folder an hour ago."),
                g("Check `airflow dags list-import-errors` for a parse error."),
            ]
        },
        {
            "conversations": [
                h("What is a dbt exposure?"),
                g("A declaration of a downstream use of models, such as a dashboard."),
            ]
        },
        {
            "conversations": [
                h("What is MVCC in Postgres?"),
                g("Multi-version concurrency control: each update writes a new row version."),
                g("Readers see the version valid for their snapshot."),
            ]
        },
    ]


NON_ALTERNATING_CODES = [None, None, "non_alternating_turns", None, "non_alternating_turns"]

FILES: dict[str, tuple[str, str]] = {
    "bad_rows.jsonl": ("openai-jsonl", "One defect per rejected line; the other lines are valid."),
    "bom.jsonl": ("openai-jsonl", "Valid rows after a UTF-8 byte order mark."),
    "empty.jsonl": ("openai-jsonl", "A file of 0 bytes: no rows, no rejects."),
    "huge_line.jsonl": (
        "openai-jsonl",
        "A valid row of about 1.6 MB on one line between two small rows.",
    ),
    "na_cells.csv": (
        "alpaca",
        "Cells NA, None, null, NULL and N/A are text, never missing values.",
    ),
    "json_text_cells.csv": ("alpaca", "Cells holding JSON text in text columns stay text."),
    "non_alternating.json": ("sharegpt", "A JSON array; elements 3 and 5 repeat a speaker."),
}


def _expected(codes: list[str | None], fmt: str, about: str) -> dict:
    return {
        "format": fmt,
        "about": about,
        "read": len(codes),
        "accepted": sum(c is None for c in codes),
        "rejects": {str(i): c for i, c in enumerate(codes, 1) if c is not None},
    }


def build() -> dict[str, bytes]:
    """Every defect file and EXPECTED.json, by file name."""
    jsonl = {
        "bad_rows.jsonl": bad_rows(),
        "bom.jsonl": bom_rows(),
        "empty.jsonl": [],
        "huge_line.jsonl": huge_rows(),
    }
    files: dict[str, bytes] = {}
    codes: dict[str, list[str | None]] = {}
    for name, rows in jsonl.items():
        files[name] = b"".join(data for _, data in rows)
        codes[name] = [code for code, _ in rows]
    na = na_rows()
    files["na_cells.csv"] = NA_HEADER + b"".join(data for _, data in na)
    codes["na_cells.csv"] = [code for code, _ in na]
    cells = json_cell_rows()
    files["json_text_cells.csv"] = NA_HEADER + b"".join(data for _, data in cells)
    codes["json_text_cells.csv"] = [code for code, _ in cells]
    files["non_alternating.json"] = (
        json.dumps(non_alternating_rows(), ensure_ascii=False, indent=2) + "\n"
    ).encode()
    codes["non_alternating.json"] = NON_ALTERNATING_CODES
    expected = {name: _expected(codes[name], *FILES[name]) for name in FILES}
    files["EXPECTED.json"] = (json.dumps(expected, indent=2) + "\n").encode()
    return files


def main() -> None:
    for name, data in build().items():
        (HERE / name).write_bytes(data)
        print(f"wrote {HERE / name} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
