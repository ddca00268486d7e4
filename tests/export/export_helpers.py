"""A small fixed workspace for the export tests: every kind of record and every policy reason.

Nothing here depends on the clock or on the checklist's current rules: check results, clusters
and splits are stored directly, so the exports are the same bytes on every run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from curate.dedup.against import CODES as CONTAMINATION
from curate.dedup.against import RUN_KIND as CONTAMINATION_RUN
from curate.records import FunctionCall, Message, Provenance, Record, ToolCall
from curate.store import CheckResult, ClusterMember
from curate.workspace import Workspace, init_workspace

REVIEWER = "tester"
TOPICS = [
    (
        "spark",
        "Why is my Spark join slow with a small lookup table?",
        "Broadcast the small table so each executor gets a copy and the big side is not shuffled.",
    ),
    (
        "spark",
        "How many shuffle partitions should a 200 GB Spark job use?",
        "Aim for partitions of 100-200 MB: about 1,000-2,000 for 200 GB, then check the stage times.",
    ),
    (
        "sql",
        "How do I keep only the newest row per key in Postgres?",
        "Number the rows per key with ROW_NUMBER() ordered by updated_at descending and keep row 1.",
    ),
    (
        "sql",
        "What is the difference between WHERE and HAVING?",
        "WHERE filters rows before grouping; HAVING filters the groups after aggregation.",
    ),
    (
        "kafka",
        "How do I find which Kafka consumer group is lagging?",
        "Describe the group with kafka-consumer-groups.sh and watch the LAG column per partition.",
    ),
    (
        "kafka",
        "Does idempotence give exactly-once delivery in Kafka?",
        "Only per producer session and partition; use transactions for consume-process-produce.",
    ),
    (
        "dbt",
        "How do I test that customer_id is unique in dbt?",
        "Add the unique and not_null tests to the column in the model's YAML file.",
    ),
    (
        "airflow",
        "How do I retry a flaky Airflow task?",
        "Set retries and retry_delay on the task, with exponential backoff for rate-limited APIs.",
    ),
]


def chat(
    i: int, *, origin: str = "real", system: str | None = None, weight0: bool = False
) -> Record:
    category, question, answer = TOPICS[i % len(TOPICS)]
    msgs = [Message(role="system", content=system)] if system else []
    if weight0:
        msgs += [
            Message(role="user", content=f"{question} (draft {i})"),
            Message(role="assistant", content="A first, rough answer.", weight=0),
            Message(role="user", content="Can you be more precise?"),
        ]
    else:
        msgs.append(Message(role="user", content=f"{question} (case {i})"))
    msgs.append(Message(role="assistant", content=answer))
    return Record(
        messages=msgs,
        tags={"category": category, "difficulty": "beginner" if i % 2 else "advanced"},
        provenance=provenance(origin, i),
    )


def provenance(origin: str, i: int) -> Provenance:
    if origin == "synthetic":
        return Provenance(
            origin="synthetic",
            generator_provider="anthropic",
            generator_model="claude-sonnet-4-5",
            template="qa",
        )
    return Provenance(origin="real", source_file="data.jsonl", source_line=i + 1)


def tool_chat() -> Record:
    call = ToolCall(
        id="call_1",
        function=FunctionCall(name="get_dag_runs", arguments='{"dag_id": "daily_sales"}'),
    )
    return Record(
        messages=[
            Message(role="user", content="Why did the daily_sales DAG fail?"),
            Message(role="assistant", content=None, tool_calls=[call]),
            Message(
                role="tool", content='{"state": "failed", "task": "load"}', tool_call_id="call_1"
            ),
            Message(
                role="assistant",
                content="The load task failed; rerun it after fixing the credentials.",
            ),
        ],
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "get_dag_runs",
                    "parameters": {"type": "object", "properties": {"dag_id": {"type": "string"}}},
                },
            }
        ],
        tags={"category": "airflow"},
        provenance=provenance("real", 50),
    )


def text_pair(i: int) -> Record:
    return Record(
        text=True,
        messages=[Message(role="user", content=f"Kafka keeps order within a (case {i})")],
        provenance=provenance("real", 60 + i),
        tags={"category": "kafka"},
    )


def sft_text(i: int) -> Record:
    return Record(
        text=True,
        messages=[
            Message(role="user", content=f"Complete: Parquet stores data by column ({i})"),
            Message(role="assistant", content=" so scans read only the columns they need."),
        ],
        tags={"category": "spark"},
        provenance=provenance("real", 70 + i),
    )


def pair(i: int, *, text: bool = False, origin: str = "real") -> Record:
    category, question, answer = TOPICS[i % len(TOPICS)]
    prompt = [Message(role="user", content=f"{question} (pair {i})")]
    if not text and i % 2:
        prompt.insert(0, Message(role="system", content="You are a data engineer."))
    return Record(
        kind="preference",
        text=text,
        messages=prompt,
        chosen=[Message(role="assistant", content=answer)],
        rejected=[Message(role="assistant", content="Just restart it.")],
        tags={"category": category},
        provenance=provenance(origin, 80 + i),
    )


def build(
    root: Path, *, synthetic: int = 3, text_only: bool = False
) -> tuple[Workspace, dict[str, Any]]:
    """The fixed workspace: returns it and the ids of the records with a special role."""
    ws = init_workspace(root)
    store = ws.store
    good = [chat(i) for i in range(10)] if not text_only else [sft_text(i) for i in range(10)]
    if not text_only:
        good[1] = chat(1, system="You help analytics engineers.")
        good.append(tool_chat())
    synth = [chat(20 + i, origin="synthetic") for i in range(synthetic)]
    special = {
        "failed": chat(30),
        "pending_synthetic": chat(31, origin="synthetic"),
        "dup_rep": chat(32),
        "dup": Record(
            messages=[
                Message(role="user", content=chat(32).messages[0].content + "!"),
                chat(32).messages[1],
            ],
            provenance=provenance("real", 33),
            tags={"category": "sql"},
        ),
        "rejected": chat(34),
        "contaminated": chat(35),
        "weight0": chat(36, weight0=True),
        "unsplit": chat(37),
        "unchecked": chat(38),
    }
    prefs = [pair(i) for i in range(6)] + [pair(10 + i, text=True) for i in range(2)]
    everything = good + synth + list(special.values()) + prefs
    store.add_records([r for r in everything if r is not special["unchecked"]])
    ids = {k: r.id for k, r in special.items()}
    ids["good"] = [r.id for r in good]
    ids["synthetic"] = [r.id for r in synth]
    ids["pairs"] = [r.id for r in prefs]

    # review: approve the synthetic records (but one), reject one record
    store.record_decision(ids["synthetic"], "approve", REVIEWER)
    store.record_decision([ids["rejected"]], "reject", REVIEWER)

    # checks: everything passes but one; judge scores on the synthetic records
    run_id = store.start_run("checks", {"rubric": "default"})
    results = []
    for r in everything:
        if r is special["unchecked"]:
            continue
        if r.id == ids["failed"]:
            results.append(
                CheckResult(
                    r.id, "missing_sql_block", False, None, "The answer has no ```sql block."
                )
            )
        elif r.id in ids["synthetic"]:
            results.append(
                CheckResult(r.id, "judge_low_score", True, 5.0 - 0.5 * ids["synthetic"].index(r.id))
            )
        else:
            results.append(CheckResult(r.id, "checklist", True))
    store.put_check_results(run_id, results)
    store.finish_run(
        run_id,
        {
            "verdict": "pass",
            "overall": 91.5,
            "rubric": "default",
            "scores": {
                "accuracy": None,
                "consistency": 100.0,
                "diversity": 80.0,
                "completeness": 95.0,
                "format": 97.0,
            },
            "checks": {"missing_sql_block": 1},
        },
    )
    store.add_records([special["unchecked"]])

    # contamination: `curate dedupe --against eval.jsonl` marked one record
    run_id = store.start_run(CONTAMINATION_RUN)
    store.put_check_results(
        run_id, [CheckResult(ids["contaminated"], CONTAMINATION["exact"], False, 1.0, "eval.jsonl:3")]
    )
    store.finish_run(run_id)

    # dedupe: one cluster
    run_id = store.start_run("dedupe")
    store.put_clusters(
        run_id,
        [
            ClusterMember(ids["dup_rep"], "c1", True, 1.0),
            ClusterMember(ids["dup"], "c1", False, 0.9),
        ],
    )
    store.finish_run(run_id)

    # splits, fixed by hand: validation and test get real records only
    with store.run("split") as split_run:
        sft_ids = (
            ids["good"]
            + ids["synthetic"]
            + [
                v
                for k, v in ids.items()
                if k not in ("good", "synthetic", "pairs", "unsplit") and isinstance(v, str)
            ]
        )
        plan = {rid: "train" for rid in sft_ids}
        plan[ids["good"][2]] = "validation"
        plan[ids["good"][3]] = "validation"
        plan[ids["good"][4]] = "test"
        plan[ids["good"][5]] = "test"
        for n, rid in enumerate(ids["pairs"]):
            plan[rid] = ("train", "train", "validation", "test")[n % 4] if n < 4 else "train"
        store.put_splits([(k, v) for k, v in plan.items() if v != "test"], run_id=split_run)
        store.put_splits(
            [(k, v) for k, v in plan.items() if v == "test"], frozen=True, run_id=split_run
        )
    return ws, ids
