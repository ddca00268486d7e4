"""The runner end to end: the planted-defects sample yields exactly its codes, rejects count as
format failures, the JSON report has its keys, workspace results are stored as annotations."""

from __future__ import annotations

import json
from pathlib import Path

from check_helpers import PROSE, chat

from curate.api import read_all
from curate.checks.report import to_json, to_markdown
from curate.checks.rubric import load_rubric
from curate.checks.runner import validate_records
from curate.records import Reject

QUALITY = Path(__file__).parents[2] / "samples/quality"


def test_the_planted_sample_yields_exactly_its_codes() -> None:
    expected = json.loads((QUALITY / "EXPECTED.json").read_text())
    data = read_all(QUALITY / expected["file"], expected["format"])
    assert len(data.records) + len(data.rejects) == expected["rows"]
    result = validate_records(data.records, load_rubric(QUALITY / expected["rubric"]), rejects=data.rejects)
    by_line = {r.id: str(r.provenance.source_line) for r in data.records}
    got = {by_line[rid]: codes for rid, codes in result.records.items() if rid in by_line and codes}
    assert got == expected["records"]
    rejected = {str(r.line): [r.code] for r in data.rejects}
    assert rejected == expected["rejected"]
    for rej in data.rejects:
        assert result.records[f"{rej.source}:{rej.line}"] == [rej.code]
    assert sorted({f.code for f in result.dataset if f.severity != "info"}) == expected["dataset"]
    assert result.verdict == "fail"


def test_every_planted_code_is_a_known_code() -> None:
    from curate.checks.codes import code_pillars

    expected = json.loads((QUALITY / "EXPECTED.json").read_text())
    for codes in [*expected["records"].values(), *expected["rejected"].values()]:
        for code in codes:
            assert code in code_pillars()


def test_rejects_are_format_failures() -> None:
    records = [chat(answer=f"{PROSE} {i}.") for i in range(9)]
    reject = Reject(source="data.jsonl", line=7, code="invalid_json", message="Line 7 is not JSON.", raw="{")
    result = validate_records(records, rejects=[reject])
    assert result.records["data.jsonl:7"] == ["invalid_json"]
    assert result.checks["invalid_json"] == 1
    assert result.scores["format"] == 90.0
    assert result.counts == {"records": 9, "rejects": 1, "total": 10, "failed_records": 1, "error_records": 1}


def test_json_report_keys() -> None:
    result = validate_records([chat(), chat(user="Explain in detail how it works.", answer="It works.")])
    data = to_json(result)
    assert data["verdict"] in ("pass", "fail")
    assert set(data["scores"]) == {"accuracy", "consistency", "diversity", "completeness", "format"}
    assert data["scores"]["accuracy"] is None
    assert data["checks"] == {"answer_too_short": 1}
    assert sorted(map(len, data["records"].values())) == [0, 1]
    assert json.loads(json.dumps(data)) == data
    assert "answer_too_short" in to_markdown(result)


def test_a_clean_dataset_passes_and_an_empty_one_fails() -> None:
    verbs = ["Explain", "Describe", "Compare", "Summarize"]
    records = [chat(user=f"{verbs[i % 4]} case {i} of consumer groups.", answer=f"{PROSE} Case {i}.", tags={"category": f"c{i % 3}"}) for i in range(60)]
    assert validate_records(records).verdict == "pass"
    empty = validate_records([])
    assert empty.verdict == "fail" and empty.failures == ["There are no records to validate."]


def test_checks_can_be_switched_off(tmp_path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("checks:\n  completeness: {enabled: false}\n  consistency: {enabled: false}\n")
    result = validate_records([chat(user="Explain in detail.", answer="No.")], load_rubric(path))
    assert result.checks == {} and result.scores["completeness"] is None and result.scores["consistency"] is None


def test_workspace_results_are_stored_as_annotations(tmp_path) -> None:
    from curate.checks.annotate import validate_workspace, workspace_rubric
    from curate.workspace import init_workspace

    with init_workspace(tmp_path / "ws") as ws:
        good = [chat(answer=f"{PROSE} {i}.") for i in range(5)]
        short = chat(user="Explain in detail how rebalancing works.", answer="It moves partitions.")
        ws.store.add_records([*good, short])
        ws.store.record_decision([good[0].id], "approve", "tester")
        ws.store.record_decision([good[1].id], "reject", "tester")
        result = validate_workspace(ws, workspace_rubric(ws))
        assert good[1].id not in result.records  # rejected in review: not part of the dataset
        assert result.accuracy["sources"]["review"]["approved"] == 1
        assert result.scores["accuracy"] == 50.0
        assert ws.store.check_failures() == {"answer_too_short": 1}
        assert [c.check_code for c in ws.store.failed_checks(short.id)] == ["answer_too_short"]
        status = ws.status()["checks"]
        assert status["records_checked"] == 5 and status["records_failing"] == 1
        assert ws.store.latest_run("checks").meta["summary"]["verdict"] == result.verdict


def test_forked_workers_give_the_same_results() -> None:
    records = [chat(user=f"Explain case {i}{' in detail' if i % 7 == 0 else ''}.", answer=f"{PROSE} Case {i}.", tags={"category": f"c{i % 3}"}) for i in range(300)]
    one = validate_records(records, batch_size=50, workers=1)
    two = validate_records(records, batch_size=50, workers=2)
    assert two.records == one.records and two.checks == one.checks and two.scores == one.scores
    assert two.metrics["language"]["detected_by"]["fast"] > 0


def test_details_never_quote_a_secret() -> None:
    key = "sk-proj-4fT9qL2xW8mZ3vR7kP1nB6yH0cJ5dA"
    record = chat(answer=f"Set the client up with the key {key}, then call the endpoint with {key} and the")
    result = validate_records([record])
    assert sorted(result.records[record.id]) == ["secret_in_text", "truncated_answer"]
    assert all(key not in f.detail for f in result.findings[record.id])


def test_a_pillar_rate_can_fail_the_dataset(tmp_path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("fail:\n  scores_below: {}\n  rates_above: {completeness: 0.05}\n")
    records = [chat(answer=f"{PROSE} {i}.") for i in range(9)] + [chat(answer="N/A")]
    result = validate_records(records, load_rubric(path))
    assert result.verdict == "fail" and "'completeness'" in result.failures[0]
