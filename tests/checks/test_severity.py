"""Severities per reason code: the packaged defaults, overrides, counts, scoring and the verdict."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from check_helpers import PROSE, chat

from curate.checks.codes import CHECK_CODES, codes_table, meaning
from curate.checks.report import to_json, to_markdown
from curate.checks.rubric import RubricError, default_rubric_text, load_rubric
from curate.checks.runner import all_checks, validate_records
from curate.errors import REASONS

ERRORS = {"missing_content", "role_order", "secret_in_text", "empty_answer", "truncated_answer", "too_long"}
WARNINGS = {"style_outlier", "system_prompt_varies", "language_mismatch", "answer_too_short", "pii_email"}


def check_codes() -> set[str]:
    record, dataset = all_checks()
    return {c for cls in [*record.values(), *dataset.values()] for c in cls.codes} | {"judge_low_score"}


def test_every_code_has_a_default_severity_and_a_meaning() -> None:
    severity = yaml.safe_load(default_rubric_text())["severity"]
    assert check_codes() <= set(severity), sorted(check_codes() - set(severity))
    assert set(severity) <= check_codes() | set(REASONS), sorted(set(severity) - check_codes())
    assert all(meaning(c) for c in check_codes() | set(REASONS))
    assert set(CHECK_CODES) == check_codes()
    assert all(load_rubric().level(code) == "error" for code in REASONS)  # rows that are not records


def test_default_levels_follow_the_policy() -> None:
    rubric = load_rubric()
    assert {c for c in ERRORS if rubric.level(c) == "error"} == ERRORS
    assert {c for c in WARNINGS if rubric.level(c) == "warning"} == WARNINGS
    assert rubric.level("no_categories") == "info"
    assert rubric.level("a_code_nobody_named") == "error"
    assert rubric.export.approved_overrides_errors is False


def test_a_user_rubric_overrides_one_code(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("severity: {style_outlier: error, too_long: warning}\nexport: {approved_overrides_errors: true}\n")
    rubric = load_rubric(path)
    assert rubric.level("style_outlier") == "error" and rubric.level("too_long") == "warning"
    assert rubric.level("empty_answer") == "error"  # the rest stays as packaged
    assert rubric.export.approved_overrides_errors is True


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("severity: {style_outlier: fatal}", "at 'severity.style_outlier'"),
        ("checks: {consistency: {scope: [file]}}", "at 'checks.consistency.scope.0'"),
    ],
)
def test_a_bad_severity_or_scope_is_one_sentence(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(text)
    with pytest.raises(RubricError, match=words):
        load_rubric(path)


SHARED = "You are a concise data engineering assistant."


def records() -> list:
    """20 clean records that share a system prompt, one empty answer (an error) and one record
    without the shared system prompt (a warning)."""
    good = [chat(user=f"What is case {i} about?", answer=f"{PROSE} Case {i}.", system=SHARED) for i in range(20)]
    empty = chat(user="Explain the offsets.", answer="", system=SHARED)
    bare = chat(user="What is a partition?", answer=f"{PROSE} Bare.")
    return [*good, empty, bare]


def test_counts_per_code_and_severity() -> None:
    result = validate_records(records())
    levels = result.by_severity
    assert all(result.level(c) == level for level, v in levels.items() for c in v["codes"])
    assert levels["error"]["records"] == result.counts["error_records"] == 1
    assert levels["warning"] == {"records": 1, "codes": {"system_prompt_varies": 1}}
    assert sum(v["records"] for v in levels.values()) == result.counts["failed_records"] == 2
    data = to_json(result)
    assert data["severity"]["system_prompt_varies"] == "warning"
    assert data["by_severity"] == levels
    empty, bare = records()[-2:]
    assert {result.level(c) for c in result.records[empty.id]} == {"error"}
    assert [d["severity"] for d in data["details"][bare.id]] == ["warning"]
    report = to_markdown(result)
    assert "| `system_prompt_varies` | warning | consistency | 1 |" in report
    assert "| warning | 1 | system_prompt_varies 1 |" in report
    assert "1 record with an error finding (4.5% of the records) would be left out of an export as failed_checks" in report
    assert "1 with warnings only are kept (system_prompt_varies 1)" in report


def test_info_codes_are_reported_but_not_scored() -> None:
    rubric = load_rubric()
    rubric.severity["system_prompt_varies"] = "info"
    result = validate_records(records()[:20] + records()[-1:], rubric)
    assert result.checks == {"system_prompt_varies": 1}
    assert result.by_severity["info"]["records"] == 1
    assert result.scores["consistency"] == 100.0
    assert validate_records(records()[:20] + records()[-1:]).scores["consistency"] < 100.0


def test_error_share_above_fails_the_dataset() -> None:
    rubric = load_rubric()
    rubric.fail.scores_below = {}
    rubric.fail.error_share_above = 0.04
    result = validate_records(records(), rubric)
    assert result.verdict == "fail"
    assert "1 record (4.5%) has an error finding and would be left out of an export" in " ".join(result.failures)
    rubric.fail.error_share_above = 0.05
    assert validate_records(records(), rubric).verdict == "pass"


def test_a_dataset_code_set_to_error_fails_the_dataset() -> None:
    rubric = load_rubric()
    rubric.severity["not_enough_records"] = "error"
    result = validate_records(records(), rubric)
    assert [f.severity for f in result.dataset if f.code == "not_enough_records"] == ["fail"]
    assert result.verdict == "fail"
    rubric.severity["not_enough_records"] = "info"
    result = validate_records(records(), rubric)
    assert [f.severity for f in result.dataset if f.code == "not_enough_records"] == ["info"]


def test_the_codes_table_lists_every_code_once() -> None:
    table = codes_table()
    rows = [line for line in table.splitlines()[2:]]
    assert len(rows) == len(check_codes())
    assert "| `style_outlier` | consistency | consistency | record | warning |" in table
    assert "| `no_categories` | diversity | diversity | dataset | info |" in table
    assert "| `secret_in_text` | safety | safety | record | error |" in table


def test_the_readme_table_matches_the_rubric() -> None:
    readme = Path(__file__).parents[2] / "README.md"
    text = readme.read_text("utf-8")
    header = codes_table().splitlines()[0]
    assert header in text, "README.md lost its reason-code table"
    start = text.index(header)
    end = text.find("\n\n", start)
    assert text[start : end + 1 if end != -1 else None].rstrip("\n") + "\n" == codes_table(), (
        "README's reason-code table is out of date: paste `python -m curate.checks.codes`"
    )
