"""Write quality.jsonl (openai-jsonl rows with planted quality defects) and EXPECTED.json.

    .venv/bin/python samples/quality/make_quality.py

Every row is clean except the planted ones; EXPECTED.json maps each line to exactly the codes
planted in it, and lists the dataset-level codes. Validate with the rubric beside it
(rubric.yaml, whose default target has a 2,048-token limit so one long row is `too_long`).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent
SYSTEM = "You are a concise data engineering assistant."

CONCEPTS = [
    ("kafka", "Explain what a Kafka consumer group is.",
     "A consumer group is a set of consumers that share the partitions of a topic. Each partition is read by exactly one member of the group, so adding consumers spreads the load until there are as many consumers as partitions. Offsets are committed per group, which lets a restarted consumer continue where the group left off."),
    ("kafka", "Why does Kafka keep messages after they are consumed?",
     "Kafka is a log, not a queue, so reading a message does not delete it. Messages stay until the retention time or size limit of the topic is reached. This lets several independent consumer groups read the same data and lets a group rewind its offsets to reprocess history after a bug fix."),
    ("spark", "What is the difference between a narrow and a wide transformation in Spark?",
     "A narrow transformation such as map or filter needs only the rows of one input partition to build an output partition. A wide transformation such as groupBy or join needs rows from many partitions, so Spark inserts a shuffle that writes and reads data across the cluster. Shuffles mark stage boundaries and are usually the most expensive part of a job."),
    ("spark", "Why is my Spark job slow when one task runs much longer than the others?",
     "That pattern usually means data skew: one key holds far more rows than the rest, so the task that owns it does most of the work. You can confirm it in the stage view of the Spark UI, where one task shows a much larger shuffle read. Salting the hot key or enabling adaptive query execution with skew join handling spreads the work again."),
    ("airflow", "What does catchup do in an Airflow DAG?",
     "With catchup enabled, the scheduler creates a run for every interval between the start date and now that has not run yet. This is useful for backfilling history, but it can flood the workers when a DAG with an old start date is switched on. Set catchup to false when only the latest interval matters."),
    ("airflow", "How should tasks in Airflow exchange data?",
     "Tasks should pass small values such as file paths or row counts through XCom and keep the data itself in external storage. XCom values live in the metadata database, so large payloads slow the scheduler down. Writing to object storage and passing the path keeps tasks independent and easy to retry."),
    ("postgres", "When does PostgreSQL use an index scan instead of a sequential scan?",
     "The planner compares estimated costs, and an index scan wins when the query selects a small fraction of the rows. For queries that touch a large share of the table, reading it sequentially is cheaper than jumping around the index. Keeping statistics fresh with ANALYZE helps the planner make the right choice."),
    ("postgres", "What does VACUUM do in PostgreSQL?",
     "Updates and deletes leave dead row versions behind because of multi-version concurrency control. VACUUM marks the space of those dead rows as reusable and updates the visibility map, which speeds up index-only scans. Autovacuum runs it in the background, and tuning its thresholds matters on tables with heavy write traffic."),
    ("dbt", "What is the purpose of a staging model in dbt?",
     "A staging model cleans one source table: it renames columns, casts types and applies light fixes, one model per source. Downstream models then build on these consistent names instead of the raw tables. This keeps source quirks in one place and makes later changes to a source cheap."),
    ("dbt", "Why would you use an incremental model in dbt?",
     "An incremental model processes only new or changed rows on each run instead of rebuilding the whole table. This saves time and warehouse cost for large event tables. The trade-off is extra logic for late-arriving data and the occasional full refresh when the model definition changes."),
    ("modelling", "What is a slowly changing dimension of type 2?",
     "A type 2 dimension keeps history by adding a new row whenever a tracked attribute changes. Each row carries valid-from and valid-to dates, and often a flag for the current version. Facts join to the version that was valid at the time of the event, so reports show the world as it was."),
    ("modelling", "Why do star schemas separate facts and dimensions?",
     "Facts hold the measurements of a business process at a fixed grain, while dimensions describe the who, what and where of each event. Keeping them apart makes fact tables narrow and fast to aggregate. Dimensions can then be shared by many fact tables, which keeps reports consistent across teams."),
    ("flink", "What is a watermark in Apache Flink?",
     "A watermark tells an operator that no more events older than a certain timestamp are expected. Windows use it to decide when they can emit results in event time. Setting the allowed delay is a trade-off between waiting for late events and producing results quickly."),
    ("flink", "How does Flink recover from a failure?",
     "Flink takes periodic checkpoints that store the state of every operator together with the source positions. After a failure the job restarts from the latest completed checkpoint and replays the sources from the recorded positions. With transactional sinks this gives exactly-once results end to end."),
    ("quality", "What is a data contract?",
     "A data contract is an agreement between the producer and the consumers of a dataset about its schema, meaning and quality. It is usually written as a machine-readable specification that is checked in the pipeline. Breaking changes then fail early at the producer instead of silently breaking dashboards downstream."),
    ("quality", "How can you detect duplicate rows in a pipeline?",
     "Define the business key that should be unique and count rows per key after each load. A uniqueness test in the pipeline fails the run when any key appears more than once. For streaming data, deduplicate within a window on the key and an event identifier."),
    ("storage", "Why is Parquet a good format for analytics?",
     "Parquet stores data by column, so a query that reads a few columns skips the rest of the file. Each column is compressed and encoded on its own, which works well because values in one column are similar. Row group statistics also let engines skip blocks that cannot match a filter."),
    ("storage", "What problem does a table format like Iceberg solve?",
     "Plain folders of Parquet files give no atomic commits, so readers can see half-written data. Iceberg keeps a metadata layer of snapshots and manifests that makes every commit atomic. It also adds schema evolution, hidden partitioning and time travel on top of the same files."),
    ("orchestration", "What is an idempotent pipeline task?",
     "An idempotent task produces the same result no matter how many times it runs for the same input interval. It usually overwrites its output partition instead of appending to it. This makes retries and backfills safe, because a second run cannot create duplicates."),
    ("orchestration", "How do you choose the schedule of a batch pipeline?",
     "Start from when consumers need the data and how late the sources arrive, then leave a margin for retries. Daily runs are simple and cheap, while hourly runs shorten the delay but multiply the number of small files and runs to monitor. Event-driven triggers fit sources that land at irregular times."),
    ("streaming", "When should you choose streaming over batch processing?",
     "Choose streaming when the value of the data drops quickly, such as for fraud detection or live inventory. Streaming adds operational cost because jobs run all the time and state must be managed carefully. If consumers look at the data once a day, a batch job is usually the better trade."),
    ("streaming", "What is exactly-once processing?",
     "Exactly-once processing means every input event affects the results one time, even when parts of the system fail and retry. It is achieved by combining replayable sources, checkpointed state and sinks that commit atomically or deduplicate. Without all three parts, retries can produce duplicates or lose events."),
]

CODING = [
    ("Write a Python function that reads a CSV file and returns the number of rows.",
     "Open the file with the csv module and count the data rows after the header.",
     "import csv\n\n\ndef count_rows(path):\n    with open(path, newline='') as fh:\n        reader = csv.reader(fh)\n        next(reader, None)\n        return sum(1 for _ in reader)",
     "The header is skipped so only data rows are counted."),
    ("Show how to retry a function three times in Python.",
     "A small loop with a try block is enough for simple retries.",
     "import time\n\n\ndef with_retries(fn, attempts=3, wait=1.0):\n    for attempt in range(attempts):\n        try:\n            return fn()\n        except OSError:\n            if attempt == attempts - 1:\n                raise\n            time.sleep(wait * 2 ** attempt)",
     "The wait doubles after each failure, which gives a flaky service time to recover."),
    ("How do I read a Parquet file with pandas?",
     "Use read_parquet and pass only the columns you need.",
     "import pandas as pd\n\ndf = pd.read_parquet('events.parquet', columns=['user_id', 'ts'])\nprint(df.head())",
     "Selecting columns keeps memory use low because Parquet stores each column separately."),
    ("Write Python code that splits a list into chunks of a fixed size.",
     "Slicing in a generator keeps memory flat for long lists.",
     "def chunks(items, size):\n    for start in range(0, len(items), size):\n        yield items[start:start + size]",
     "The last chunk is shorter when the list length is not a multiple of the size."),
    ("How can I produce a message to Kafka from Python?",
     "The confluent-kafka client sends messages asynchronously and delivers them on flush.",
     "from confluent_kafka import Producer\n\nproducer = Producer({'bootstrap.servers': 'localhost:9092'})\nproducer.produce('orders', key='42', value='{\"total\": 10}')\nproducer.flush()",
     "Calling flush waits until the broker has acknowledged every queued message."),
    ("Show a PySpark snippet that counts events per day.",
     "Group by the date of the timestamp column and count the rows.",
     "from pyspark.sql import functions as F\n\ndaily = events.groupBy(F.to_date('ts').alias('day')).count()\ndaily.orderBy('day').show()",
     "Converting the timestamp to a date first keeps one row per calendar day."),
    ("How do I connect to PostgreSQL from Python and run a query?",
     "Use psycopg with a context manager so the connection is closed for you.",
     "import psycopg\n\nwith psycopg.connect('dbname=shop') as conn:\n    rows = conn.execute('SELECT count(*) FROM orders').fetchone()\n    print(rows[0])",
     "Parameters should always be passed separately instead of formatting them into the query."),
    ("Write a Python function that deduplicates a list while keeping the order.",
     "A dictionary keeps insertion order, so it can drop repeats in one pass.",
     "def unique(items):\n    return list(dict.fromkeys(items))",
     "This works for any list of hashable values and keeps the first occurrence."),
    ("How can I parse JSON lines from a file in Python?",
     "Read the file line by line and decode each non-empty line.",
     "import json\n\n\ndef read_jsonl(path):\n    with open(path, encoding='utf-8') as fh:\n        return [json.loads(line) for line in fh if line.strip()]",
     "Skipping blank lines avoids errors on a trailing newline."),
    ("Show how to define a simple Airflow DAG with two tasks.",
     "The TaskFlow API turns plain functions into tasks.",
     "from airflow.decorators import dag, task\nimport pendulum\n\n\n@dag(schedule='@daily', start_date=pendulum.datetime(2024, 1, 1), catchup=False)\ndef etl():\n    @task\n    def extract():\n        return [1, 2, 3]\n\n    @task\n    def load(rows):\n        print(len(rows))\n\n    load(extract())\n\n\netl()",
     "Returning a value from extract passes it to load through XCom."),
    ("How do I compute a rolling average with pandas?",
     "Use rolling on a sorted series and take the mean.",
     "import pandas as pd\n\ns = pd.Series([3, 5, 4, 8, 6])\nprint(s.rolling(window=3).mean())",
     "The first two values are missing because the window is not full yet."),
    ("Write Python code that measures how long a block takes.",
     "A context manager around perf_counter keeps the timing code out of the way.",
     "import time\nfrom contextlib import contextmanager\n\n\n@contextmanager\ndef timed(label):\n    start = time.perf_counter()\n    yield\n    print(label, time.perf_counter() - start)",
     "perf_counter is monotonic, so clock changes do not distort the result."),
    ("How can I validate that a DataFrame column has no nulls?",
     "Check the null count and raise an error when it is not zero.",
     "def require_no_nulls(df, column):\n    missing = df[column].isna().sum()\n    if missing:\n        raise ValueError(f'{column} has {missing} nulls')",
     "Failing early keeps bad rows out of the tables downstream."),
    ("Show how to write a DataFrame to partitioned Parquet with PySpark.",
     "Use partitionBy on the writer with the column you filter on most.",
     "(events\n    .write\n    .mode('overwrite')\n    .partitionBy('day')\n    .parquet('s3://lake/events'))",
     "Overwrite mode replaces the partitions that the DataFrame contains."),
    ("How do I hash a string with SHA-256 in Python?",
     "The hashlib module computes the digest from bytes.",
     "import hashlib\n\ndigest = hashlib.sha256('customer-42'.encode('utf-8')).hexdigest()\nprint(digest)",
     "Encoding the text first is required because hash functions work on bytes."),
    ("Write a Python generator that reads a large file in batches of lines.",
     "Collect lines into a list and yield it whenever it reaches the batch size.",
     "def batches(path, size=1000):\n    batch = []\n    with open(path, encoding='utf-8') as fh:\n        for line in fh:\n            batch.append(line)\n            if len(batch) == size:\n                yield batch\n                batch = []\n    if batch:\n        yield batch",
     "The final partial batch is yielded after the loop ends."),
    ("How can I run two functions in parallel threads in Python?",
     "A thread pool from concurrent.futures runs both and collects the results.",
     "from concurrent.futures import ThreadPoolExecutor\n\nwith ThreadPoolExecutor(max_workers=2) as pool:\n    first = pool.submit(fetch_orders)\n    second = pool.submit(fetch_users)\n    orders, users = first.result(), second.result()",
     "Threads suit work that waits on the network rather than on the processor."),
    ("Show how to convert a Unix timestamp to a UTC datetime in Python.",
     "Pass the timezone explicitly so the result is not in local time.",
     "from datetime import datetime, timezone\n\nmoment = datetime.fromtimestamp(1700000000, tz=timezone.utc)\nprint(moment.isoformat())",
     "Timezone-aware values avoid silent shifts when the code runs on another machine."),
    ("How do I upload a file to S3 with boto3?",
     "The client upload_file method handles multipart uploads for large files.",
     "import boto3\n\ns3 = boto3.client('s3')\ns3.upload_file('report.csv', 'analytics-bucket', 'reports/report.csv')",
     "Credentials come from the environment or the instance role, never from the code."),
    ("Write Python code that flattens a nested dictionary.",
     "A recursive function joins the keys with dots.",
     "def flatten(data, prefix=''):\n    out = {}\n    for key, value in data.items():\n        name = f'{prefix}.{key}' if prefix else key\n        if isinstance(value, dict):\n            out.update(flatten(value, name))\n        else:\n            out[name] = value\n    return out",
     "Lists are kept as values so their order is not lost."),
]

JSON_ROWS = [
    ("Return the schema of the orders table as JSON.", '{"table": "orders", "columns": [{"name": "id", "type": "bigint"}, {"name": "total", "type": "numeric"}]}'),
    ("Give the retry policy of the ingest job as JSON.", '{"job": "ingest", "max_retries": 3, "backoff_seconds": [1, 2, 4]}'),
    ("Describe the Kafka topic settings as JSON.", '{"topic": "clicks", "partitions": 12, "retention_hours": 168}'),
    ("List the owners of the marketing datasets as JSON.", '{"datasets": [{"name": "campaigns", "owner": "growth"}, {"name": "spend", "owner": "finance"}]}'),
    ("Return the freshness rule for the events table as JSON.", '{"table": "events", "max_delay_minutes": 30, "severity": "error"}'),
]

SQL_ROWS = [
    ("Write a query that counts orders per customer.", "Group by the customer and count.\n\n```sql\nSELECT customer_id, count(*) AS orders\nFROM orders\nGROUP BY customer_id;\n```"),
    ("Write a query that finds the latest order of each customer.", "Use a window function and keep the first row per customer.\n\n```sql\nSELECT *\nFROM (\n  SELECT o.*, row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC) AS rn\n  FROM orders o\n) ranked\nWHERE rn = 1;\n```"),
    ("Write a query that lists customers without orders.", "An anti-join with NOT EXISTS expresses it clearly.\n\n```sql\nSELECT c.id\nFROM customers c\nWHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id);\n```"),
    ("Write a query that sums revenue per month.", "Truncate the timestamp to the month and sum.\n\n```sql\nSELECT date_trunc('month', created_at) AS month, sum(total) AS revenue\nFROM orders\nGROUP BY 1\nORDER BY 1;\n```"),
    ("Write a query that removes duplicate events.", "Keep one row per event id with DISTINCT ON.\n\n```sql\nSELECT DISTINCT ON (event_id) *\nFROM raw_events\nORDER BY event_id, received_at;\n```"),
]

LONG_SENTENCES = [
    "A data platform review starts with the sources and the people who own them.",
    "Every source gets a short description, an owner, an expected arrival time and a freshness rule.",
    "Ingestion jobs copy the raw data into the lake without changing it, so that any later step can be replayed.",
    "Staging models then clean names and types, one model per source table.",
    "Business logic lives in the marts, where facts and dimensions are modelled for the questions people ask.",
    "Tests run after every model: uniqueness of keys, relationships between tables and accepted values for status columns.",
    "Freshness checks alert the owner when a source is late, before the dashboards show stale numbers.",
    "Costs are reviewed monthly by looking at the largest queries and the tables that nobody reads.",
]

GERMAN = ("Ein Index beschleunigt Abfragen, die nur wenige Zeilen einer großen Tabelle lesen. "
          "Bei Abfragen, die einen großen Teil der Tabelle betreffen, ist ein sequentieller Scan oft schneller. "
          "Deshalb sollten Sie die Statistiken aktuell halten, damit der Planer die richtige Wahl trifft.")


def row(user: str, answer: str | None, category: str, system: str | None = SYSTEM, **extra) -> dict:
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": user})
    if answer is not None:
        messages.append({"role": "assistant", "content": answer})
    return {"messages": messages, "category": category, **extra}


def build() -> tuple[list[dict], dict[int, list[str]]]:
    rows: list[dict] = []
    planted: dict[int, list[str]] = {}

    def add(r: dict, *codes: str) -> None:
        rows.append(r)
        if codes:
            planted[len(rows)] = sorted(codes)

    for topic, q, a in CONCEPTS:
        add(row(q, a, "concepts", topic=topic))
    for q, lead, code, tail in CODING:
        add(row(q, f"{lead}\n\n```python\n{code}\n```\n\n{tail}", "coding"))
    for q, a in JSON_ROWS:
        add(row(q, a, "json"))
    for q, a in SQL_ROWS:
        add(row(q, a, "sql"))

    # planted: format
    add(row("Return the partition settings of the clicks topic as JSON.", "{'topic': 'clicks', 'partitions': 12}", "json"), "invalid_json_output")
    add(row("Write a query that counts users per country.", "Group by the country column.\n\nSELECT country, count(*) FROM users GROUP BY country;", "sql"), "missing_sql_block")
    add(row("Show how to read an environment variable in Python.",
            "Use os.environ with a default so a missing variable does not crash.\n\n```python\nimport os\n\nregion = os.environ.get('AWS_REGION', 'eu-west-1')\n\nThat is all you need for optional settings in a small service.",
            "coding"), "unbalanced_code_fence")
    long_text = " ".join(f"Step {i + 1}: {s}" for i, s in enumerate(LONG_SENTENCES * 40))
    add(row("Summarise how our data platform review works.", long_text, "long-form"), "too_long")
    add({"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "What is a Kafka partition?"},
                      {"role": "assistant", "content": "A partition is an ordered, append-only log that holds part of a topic."},
                      {"role": "user", "content": "And how many should I create?"}], "category": "concepts"}, "role_order")
    add({"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "I have a question about Airflow pools."},
                      {"role": "user", "content": "What do pools limit?"},
                      {"role": "assistant", "content": "Pools limit how many task instances that share the pool can run at the same time across the whole deployment."}],
         "category": "concepts"}, "non_alternating_turns")
    add({"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "How many rows does the orders table hold?"},
                      {"role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "count_rows", "arguments": "{\"table\": \"orders\"}"}}]},
                      {"role": "tool", "tool_call_id": "call_7", "content": "120394"},
                      {"role": "assistant", "content": "The orders table holds 120,394 rows according to the latest count."}],
         "category": "concepts"}, "invalid_tool_call")
    # planted: rejected by the reader (they never become records)
    add({"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": ""}, {"role": "assistant", "content": "Please ask a question."}], "category": "concepts"}, "missing_content")
    add({"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "What is a DAG in Airflow?"}], "category": "concepts"}, "example_missing_assistant_message")
    # planted: completeness
    add(row("What does the ANALYZE command do in PostgreSQL?", "N/A", "concepts"), "empty_answer")
    add(row("Why do Spark shuffles cost so much?",
            "A shuffle writes every row of the input to local disk, sends it over the network to the executor that owns its key, and then the receiving tasks have to read and merge all of those blocks before the",
            "concepts"), "truncated_answer")
    add(row("Show how to load a YAML config in Python.",
            "Use the safe loader so the file cannot run code.\n\n```python\nimport yaml\n\nwith open('config.yaml') as fh:\n    config = yaml.safe_load(fh)\nfor key, value in config.items():\n    print(key,",
            "coding"), "open_code_fence")
    add(row("Explain in detail how Kafka rebalances a consumer group.", "The group coordinator reassigns partitions when members join or leave.", "concepts"), "answer_too_short")
    add(row("Draft the reply to a customer asking about a delayed report.",
            "Dear {{customer_name}}, thank you for your patience. The nightly report was delayed because a source system delivered its files late. The data has now been loaded and the report is available again in the usual place.",
            "concepts"), "unfilled_placeholder")
    add(row("Can you check why my Spark cluster is down?",
            "As an AI language model, I cannot access your cluster or its logs. Check the cluster manager for lost executors, look at the driver log for out of memory errors, and confirm that the nodes can still reach each other over the network.",
            "concepts"), "refusal_boilerplate")
    # planted: safety
    add(row("Show how to create an OpenAI client in Python.",
            "Pass the key when you build the client.\n\n```python\nfrom openai import OpenAI\n\nclient = OpenAI(api_key='sk-proj-4fT9qL2xW8mZ3vR7kP1nB6yH0cJ5dA')\n```\n\nThe client then sends every request with that key.",
            "coding"), "secret_in_text")
    add(row("Who should I contact about access to the finance warehouse?",
            "Access to the finance warehouse is granted by the finance data team. Send your request with the business reason to maria.lopez@northwind-finance.com and include the tables you need.",
            "concepts"), "pii_email")
    add(row("Who is on call for the ingestion pipelines this week?",
            "The ingestion pipelines are covered by the platform rotation this week. For urgent incidents outside office hours call the on-call engineer at +1 415 867 2231 and open a ticket afterwards.",
            "concepts"), "pii_phone")
    # planted: consistency
    add(row("How do I make a Python script fail fast on bad input?",
            "## Fail fast\n\n- Validate the arguments at the start of the script.\n- Raise an exception with a clear message.\n- Exit with a non-zero status so the scheduler notices.",
            "coding"), "style_outlier")
    add(row("When is a database index not used?", GERMAN, "concepts"), "language_mismatch")
    add(row("What is backpressure in a streaming system?",
            "Backpressure is the signal a slow consumer sends upstream so that producers slow down instead of overflowing buffers. Without it, queues grow until memory runs out or data is dropped.",
            "concepts", system="You are a pirate. Answer every question like a pirate captain."), "system_prompt_varies")
    return rows, planted


def main() -> None:
    rows, planted = build()
    with open(HERE / "quality.jsonl", "w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    expected = {
        "file": "quality.jsonl",
        "format": "openai-jsonl",
        "rubric": "rubric.yaml",
        "rows": len(rows),
        "rejected": {str(k): v for k, v in planted.items() if v[0] in ("missing_content", "example_missing_assistant_message")},
        "records": {str(k): v for k, v in planted.items() if v[0] not in ("missing_content", "example_missing_assistant_message")},
        "dataset": ["system_prompt_varies"],
        "note": "Lines not listed are clean: they must get no code at all.",
    }
    (HERE / "EXPECTED.json").write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} rows, {len(planted)} planted")


if __name__ == "__main__":
    main()
