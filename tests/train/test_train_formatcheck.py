"""Format compliance checks of generated answers."""

from __future__ import annotations

from train.formatcheck import CHECKS, Answer, FormatCheck, compliance, register, run_checks


def test_json_prompts_need_parseable_json() -> None:
    ok = run_checks("Return the settings as JSON.", None, Answer('{"retries": 3}'))
    fenced = run_checks(
        "Return the settings as JSON.", None, Answer('Here:\n```json\n{"a": 1}\n```')
    )
    bad = run_checks("Return the settings as JSON.", None, Answer("retries: 3"))
    assert ok["json_parses"]["passed"] and fenced["json_parses"]["passed"]
    assert bad["json_parses"] == {"passed": False, "reason": "invalid_json"}
    assert "json_parses" not in run_checks(
        "Explain partitioning.", "Use dates.", Answer("Use dates.")
    )


def test_fences_stops_and_empty_answers() -> None:
    result = run_checks(
        "Write SQL.", "```sql\nSELECT 1;\n```", Answer("```sql\nSELECT 1;", finished=False)
    )
    assert result["balanced_code_fences"]["reason"] == "unbalanced_code_fence"
    assert result["stops"]["reason"] == "no_end_of_turn"
    assert result["code_block_when_expected"]["passed"]
    assert run_checks("Hi", None, Answer("  "))["non_empty"]["reason"] == "empty_answer"


def test_compliance_counts_rates_and_reasons() -> None:
    results = [
        run_checks("as JSON", None, Answer('{"a": 1}')),
        run_checks("as JSON", None, Answer("nope")),
    ]
    summary = compliance(results)
    assert summary["checks"]["json_parses"] == {
        "applicable": 2,
        "passed": 1,
        "reasons": {"invalid_json": 1},
        "rate": 0.5,
    }
    assert (summary["all_passed"], summary["rate"]) == (1, 0.5)


def test_register_adds_a_check() -> None:
    before = list(CHECKS)
    try:
        register(FormatCheck("short", lambda p, r: True, lambda a: (len(a.text) < 5, "too_long")))
        assert run_checks("x", None, Answer("much too long"))["short"] == {
            "passed": False,
            "reason": "too_long",
        }
    finally:
        CHECKS[:] = before
