"""Write samples/chat.parquet: chat rows with a nested `messages` column, as Hub datasets ship them.

Run from the repository root: `.venv/bin/python samples/make_parquet.py`. The Parquet file is
committed; rerun this script only when the rows below change.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).with_name("chat.parquet")

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])
SCHEMA = pa.schema(
    [
        ("messages", pa.list_(MESSAGE)),
        ("category", pa.string()),
        ("difficulty", pa.string()),
    ]
)

SYSTEM = "You are a data engineering assistant. Answer precisely and show code where it helps."


def chat(category: str, difficulty: str, *turns: str, system: bool = False) -> dict:
    """One row: alternating user/assistant turns, optionally after the shared system prompt."""
    messages = [{"role": "system", "content": SYSTEM}] if system else []
    for i, text in enumerate(turns):
        messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": text})
    return {"messages": messages, "category": category, "difficulty": difficulty}


ROWS = [
    chat(
        "spark",
        "beginner",
        "How do I add a column with the current date to a PySpark DataFrame?",
        'Use `current_date()` from `pyspark.sql.functions`:\n\n```python\nfrom pyspark.sql import functions as F\n\ndf = df.withColumn("load_date", F.current_date())\n```\n\nThe value is evaluated once per query, so every row gets the same date even if the job runs past midnight.',
    ),
    chat(
        "kafka",
        "intermediate",
        "What is the difference between a Kafka key and a header?",
        "The key is part of the record's identity: the default partitioner hashes it to choose the partition, and compaction keeps the latest record per key. Headers are key-value metadata (trace IDs, content type, source system) that do not affect partitioning or compaction. Put routing and identity in the key, and everything else that consumers may want without parsing the payload in headers.",
        system=True,
    ),
    chat(
        "airflow",
        "beginner",
        "How do I make an Airflow task retry three times with five minutes in between?",
        'Set `retries` and `retry_delay` on the task, or in `default_args` for every task of the DAG:\n\n```python\nfrom datetime import timedelta\n\ndefault_args = {"retries": 3, "retry_delay": timedelta(minutes=5)}\n```\n\nAdd `retry_exponential_backoff=True` to double the wait after each failed try.',
    ),
    chat(
        "sql",
        "intermediate",
        "How do I pivot monthly revenue into one column per month in Postgres?",
        "Use conditional aggregation with `FILTER`:\n\n```sql\nSELECT product_id,\n       SUM(amount) FILTER (WHERE date_trunc('month', sold_at) = '2024-01-01') AS jan,\n       SUM(amount) FILTER (WHERE date_trunc('month', sold_at) = '2024-02-01') AS feb,\n       SUM(amount) FILTER (WHERE date_trunc('month', sold_at) = '2024-03-01') AS mar\nFROM sales\nGROUP BY product_id;\n```\n\nFor a dynamic list of months you need to generate the SQL, or use the `crosstab` function from the `tablefunc` extension.",
        "And in engines without FILTER?",
        "Use `CASE` inside the aggregate, which works everywhere:\n\n```sql\nSUM(CASE WHEN date_trunc('month', sold_at) = '2024-01-01' THEN amount END) AS jan\n```\n\nSnowflake, BigQuery and SQL Server also have a `PIVOT` clause.",
    ),
    chat(
        "dbt",
        "intermediate",
        "How can I reuse the same CASE expression in several dbt models?",
        "Put it in a macro in `macros/`:\n\n```sql\n{% macro order_size(amount) %}\n    case\n        when {{ amount }} >= 1000 then 'large'\n        when {{ amount }} >= 100 then 'medium'\n        else 'small'\n    end\n{% endmacro %}\n```\n\nand call it in a model as `{{ order_size('amount') }} as order_size`. If the logic belongs to a business concept, consider computing it once in an upstream model instead, so it is stored and testable.",
    ),
    chat(
        "flink",
        "intermediate",
        "How do I join a stream of orders with a slowly changing currency rate table in Flink SQL?",
        "Use a temporal join, which picks the rate valid at each order's event time:\n\n```sql\nSELECT o.order_id, o.amount * r.rate AS amount_eur\nFROM orders AS o\nJOIN currency_rates FOR SYSTEM_TIME AS OF o.order_time AS r\n  ON o.currency = r.currency;\n```\n\n`currency_rates` must be a versioned table: it needs a primary key and an event-time attribute with a watermark, for example an upsert-kafka table.",
        system=True,
    ),
    chat(
        "postgres",
        "beginner",
        "What does `ON CONFLICT DO UPDATE` do?",
        "It turns an `INSERT` into an upsert: when the new row violates a unique constraint, Postgres updates the existing row instead of raising an error.\n\n```sql\nINSERT INTO customers (customer_id, email, updated_at)\nVALUES (42, 'a@example.com', now())\nON CONFLICT (customer_id)\nDO UPDATE SET email = EXCLUDED.email, updated_at = EXCLUDED.updated_at;\n```\n\n`EXCLUDED` refers to the row you tried to insert. The conflict target needs a matching unique index or constraint.",
    ),
    chat(
        "data-modelling",
        "advanced",
        "How should I model a many-to-many relationship between accounts and users in a star schema?",
        "With a bridge table between the fact's dimension and the other dimension: `bridge_account_user(account_key, user_key, weight)`. Facts keep pointing at `account_key`; a query that groups by user goes through the bridge.\n\nBeware of double counting: an account with three users contributes its revenue to each of them. Either accept that for per-user views and never sum across users, or store an allocation `weight` (such as 1/3) and multiply the measure by it.",
    ),
    chat(
        "spark",
        "advanced",
        "Why does Spark read my whole table even though I filter on the partition column?",
        "Usually because the filter cannot be evaluated at planning time or does not match the partition column exactly. Common causes:\n\n- a function on the column, such as `to_date(event_date) = '2024-05-01'` when the partition column is already a string;\n- a type mismatch, such as comparing a string partition column with a timestamp;\n- a filter that depends on a subquery or a join, which needs dynamic partition pruning (on by default since Spark 3.0, but only for joins it recognises).\n\nCheck `df.explain()`: the scan node lists `PartitionFilters: [...]`. If it is empty, Spark is not pruning.",
        system=True,
    ),
    chat(
        "kafka",
        "beginner",
        "How do I read a Kafka topic from the command line to check what's in it?",
        "Use the console consumer:\n\n```bash\nkafka-console-consumer.sh --bootstrap-server broker1:9092 \\\n  --topic orders --from-beginning --max-messages 10 \\\n  --property print.key=true --property print.timestamp=true\n```\n\nWithout `--group` it uses a temporary consumer group, so it does not move the offsets of your real consumers.",
    ),
    chat(
        "sql",
        "beginner",
        "How do I get the number of days between two dates?",
        "It depends on the engine:\n\n```sql\n-- Postgres: subtracting dates gives an integer\nSELECT DATE '2024-05-15' - DATE '2024-05-01';           -- 14\n-- Snowflake / SQL Server\nSELECT DATEDIFF(day, '2024-05-01', '2024-05-15');        -- 14\n-- BigQuery\nSELECT DATE_DIFF(DATE '2024-05-15', DATE '2024-05-01', DAY);  -- 14\n```\n\nFor timestamps in Postgres, subtraction returns an interval; use `EXTRACT(EPOCH FROM b - a) / 86400` for fractional days.",
    ),
    chat(
        "airflow",
        "advanced",
        "How do I stop two runs of the same DAG from overlapping?",
        "Set `max_active_runs=1` on the DAG. Runs then wait until the previous run has finished.\n\nIf a task must also wait for its own previous run to succeed (for example an incremental load), add `depends_on_past=True` to that task. Combined with `catchup=True`, this processes intervals strictly one after another.",
        "What if the run is triggered by another DAG?",
        "`max_active_runs` applies to every run of the DAG, however it was created, so triggered runs queue behind the active one as well. To limit concurrent access to a shared resource across different DAGs, use a pool with one slot and assign the tasks that touch the resource to it.",
    ),
]


def main() -> None:
    table = pa.Table.from_pylist(ROWS, schema=SCHEMA)
    pq.write_table(table, OUT, compression="zstd")
    print(f"wrote {OUT} ({table.num_rows} rows)")


if __name__ == "__main__":
    main()
