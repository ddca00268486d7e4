"""`curate dedupe` through the real entry points, in a workspace built from the samples."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from curate.cli.main import app

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CURATE = shutil.which("curate", path=str(Path(sys.executable).parent)) or "curate"
LONG = (
    "Our nightly Spark job reads two hundred parquet partitions from the landing bucket, "
    "joins them with the customer dimension and writes the result back partitioned by day; "
    "it used to finish in forty minutes but now takes three hours and the stages show heavy "
    "spill to disk on the join. What should we look at first to bring the runtime back down?"
)


def chat(question: str, answer: str) -> bytes:
    row = {"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]}
    return orjson.dumps(row) + b"\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("USER", "tester")
    assert run("init")[0] == 0
    for name in ("openai_chat.jsonl", "alpaca.json", "completion.jsonl", "trl_preference.jsonl"):
        code, _, err = run("import", str(SAMPLES / name))
        assert code in (0, 1), err
    dupes = tmp_path / "dupes.jsonl"
    dupes.write_bytes(
        chat("What is Kafka?", "A distributed log.")
        + chat("what is KAFKA", "a distributed log!")  # exact after normalisation
        + chat(LONG, "Check the shuffle partitions and the skew of the join key.")
        + chat(LONG.replace("three hours", "four hours"), "Check the shuffle partitions and the skew of the join key.")
    )
    assert run("import", "dupes.jsonl")[0] == 0
    return tmp_path


def test_dedupe_json_counts_and_status(ws: Path) -> None:
    code, out, err = run("dedupe", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["clusters"] == 2 and data["duplicates"] == 2
    assert (data["exact"], data["near"]) == (1, 1)
    assert data["kept"] == data["records"] - 2
    assert data["settings"]["threshold"] == 0.5 and data["settings"]["shingle_size"] == 3
    assert (data["settings"]["bands"], data["settings"]["rows"]) == (26, 3)
    assert data["same_prompt"] == {"groups": 0, "records": 0}
    status = json.loads(run("status", "--json")[1])
    assert status["duplicates"] == {"run_id": data["run_id"], "clusters": 2, "duplicate_records": 2}


def test_overrides_and_exact_only(ws: Path) -> None:
    data = json.loads(run("dedupe", "--exact-only", "--json")[1])
    assert (data["duplicates"], data["exact"], data["near"]) == (1, 1, 0)
    data = json.loads(run("dedupe", "--threshold", "0.99", "--shingle", "3", "--num-perm", "64", "--json")[1])
    assert data["settings"] | {"normalise": None} == {
        "normalise": None, "compare": "all-turns", "exact_only": False, "threshold": 0.99,
        "shingle_size": 3, "num_perm": 64, "bands": data["settings"]["bands"], "rows": data["settings"]["rows"],
    }
    assert data["near"] == 0
    prompt_only = json.loads(run("dedupe", "--prompt-only", "--json")[1])
    assert prompt_only["settings"]["compare"] == "prompt-only" and prompt_only["duplicates"] >= 2


def test_show_prints_side_by_side_clusters(ws: Path) -> None:
    code, out, _ = run("dedupe", "--show", "--limit", "1")
    assert code == 0
    assert "2 clusters: 2 duplicates (1 exact, 1 near)" in out
    assert "cluster " in out and "representative" in out and "similarity" in out
    assert "1 more clusters" in out
    data = json.loads(run("dedupe", "--show", "--json")[1])
    shown = data["shown"]
    assert len(shown) == 2 and all(c["members"][0]["representative"] for c in shown)
    assert {m["match"] for c in shown for m in c["members"][1:]} == {"exact", "near"}
    assert all(m["preview"] and m["state"] == "pending" for c in shown for m in c["members"])


def test_against_marks_contamination_with_exit_1(ws: Path) -> None:
    bench = ws / "eval.jsonl"
    bench.write_bytes(
        orjson.dumps({"prompt": "What is Kafka?", "completion": "A distributed log."}) + b"\n"
        + orjson.dumps({"prompt": LONG, "completion": "Check the shuffle partitions and the skew of the join key."}) + b"\n"
    )
    code, out, err = run("dedupe", "--against", "eval.jsonl")
    assert code == 1, err
    assert "read 2 = 2 records + 0 rejected" in out
    assert "Contaminated: 4 records (3 exact, 1 near)" in out
    data = json.loads(run("dedupe", "--against", "eval.jsonl", "--from", "completion", "--json")[1])
    assert data["against"]["contaminated"] == 4 and data["against"]["files"][0]["format"] == "completion"


def test_status_counts_the_contaminated_records(ws: Path) -> None:
    before = json.loads(run("status", "--json")[1])
    assert before["contaminated"] == 0 and before["contamination_run"] is None
    assert "contamination: not checked yet" in run("status")[1]
    bench = ws / "eval.jsonl"
    bench.write_bytes(orjson.dumps({"prompt": "What is Kafka?", "completion": "A distributed log."}) + b"\n")
    data = json.loads(run("dedupe", "--against", "eval.jsonl", "--json")[1])
    marked = data["against"]["contaminated"]
    assert marked >= 2  # the question and its normalised twin
    status = json.loads(run("status", "--json")[1])
    assert status["contaminated"] == marked and status["contamination_run"] is not None
    code, out, _ = run("status")
    assert code == 0 and f"contaminated: {marked} records also appear in a reference dataset" in out


def test_usage_errors_are_one_sentence_with_exit_2(ws: Path, tmp_path: Path) -> None:
    for args, words in (
        (["--threshold", "2"], "threshold"),
        (["--from", "alpaca"], "--against"),
        (["--against", "missing.jsonl"], "does not exist"),
    ):
        code, _, err = run("dedupe", *args)
        assert code == 2 and words in err and "Traceback" not in err


def test_outside_a_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("dedupe")
    assert code == 2 and "No workspace here" in err


def test_console_script_runs_dedupe(ws: Path) -> None:
    proc = subprocess.run([CURATE, "dedupe", "--json"], cwd=ws, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["duplicates"] == 2


def hh_row(prompt: str, chosen: str, rejected: str) -> bytes:
    """An Anthropic HH row: two transcripts that share the prompt."""
    return orjson.dumps(
        {"chosen": f"{prompt}\n\nAssistant: {chosen}", "rejected": f"{prompt}\n\nAssistant: {rejected}"}
    ) + b"\n"


def test_hh_pairs_sharing_a_prompt_are_a_same_prompt_group_not_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("init")[0] == 0
    prompt = f"\n\nHuman: {LONG}\n\nAssistant: Which stage spills most?\n\nHuman: The join stage."
    rows = (
        hh_row(prompt, "Salt the skewed key and raise the shuffle partitions.", "Buy a bigger cluster.")
        + hh_row(prompt, "Broadcast the small side of the join.", "Restart the job and hope.")
        + hh_row(prompt, "BROADCAST the small side of the join!", "Restart the job and hope.")  # a copy
    )
    (tmp_path / "hh.jsonl").write_bytes(rows)
    code, _, err = run("import", "hh.jsonl", "--from", "hh-transcript")
    assert code in (0, 1), err
    code, out, _ = run("dedupe")
    assert code == 0 and "1 same_prompt groups" in out and "1 duplicates" in out
    data = json.loads(run("dedupe", "--json")[1])
    assert (data["duplicates"], data["same_prompt"]) == (1, {"groups": 1, "records": 3})
