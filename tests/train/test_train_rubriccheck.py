"""Generated answers judged by the curate rubric's answer checks (what `train eval` reports)."""

from __future__ import annotations

from pathlib import Path

import pytest

from curate.checks.rubric import RubricError
from train.rubriccheck import load_checker, summarise

EXPLAIN = [
    {"role": "user", "content": "Explain in detail how Spark shuffles data between executors."}
]


@pytest.fixture(scope="module")
def checker():
    return load_checker()


@pytest.mark.parametrize(
    ("prompt", "answer", "tags", "codes"),
    [
        ([{"role": "user", "content": "What is 2+2?"}], "It is 4.", None, []),
        (EXPLAIN, "Spark shuffles by", None, ["answer_too_short"]),
        (
            "Give me the file list",
            "As an AI language model, I cannot help with that.",
            None,
            ["refusal_boilerplate"],
        ),
        ([{"role": "user", "content": "hi"}], "", None, ["missing_content"]),
        (
            [{"role": "user", "content": "Show code"}],
            "```python\nprint(1)\n",
            None,
            ["open_code_fence"],
        ),
        (
            [{"role": "user", "content": "Return the config"}],
            "not json",
            {"format": "json"},
            ["invalid_json_output"],
        ),
        (
            [{"role": "user", "content": "Who can help?"}],
            "Use AKIAIOSFODNN7EXAMPLF and mail bob.smith@gmail.com for help.",
            None,
            ["pii_email", "secret_in_text"],
        ),
    ],
)
def test_answer_findings_are_the_rubric_reason_codes(checker, prompt, answer, tags, codes) -> None:
    assert checker.findings(prompt, answer, tags) == codes


def test_a_rubric_file_turns_checks_off(tmp_path: Path) -> None:
    rubric = tmp_path / "lenient.yaml"
    rubric.write_text(
        "name: lenient\nchecks:\n  completeness:\n    enabled: false\n", encoding="utf-8"
    )
    lenient = load_checker(rubric)
    assert lenient.name == "lenient"
    assert lenient.findings(EXPLAIN, "Spark shuffles by") == []


def test_a_bad_rubric_is_one_clear_error(tmp_path: Path) -> None:
    rubric = tmp_path / "bad.yaml"
    rubric.write_text("checks:\n  completeness:\n    enabled: maybe\n", encoding="utf-8")
    with pytest.raises(RubricError):
        load_checker(rubric)


def test_summary_counts_answers_per_code() -> None:
    summary = summarise([[], ["answer_too_short"], ["answer_too_short", "pii_email"]])
    assert summary == {
        "answers": 3,
        "rate": 1 / 3,
        "codes": {"answer_too_short": 2, "pii_email": 1},
    }
    assert summarise([])["rate"] is None
