"""Declared output formats per tag, from the rubric's rules."""

from __future__ import annotations

from check_helpers import RUBRIC, chat, run_check

from curate.checks.output_format import OutputFormatCheck
from curate.checks.rubric import load_rubric


def codes(answer: str, **tags: str) -> list[str]:
    return run_check(OutputFormatCheck, chat(answer=answer, tags=tags))


def test_json_tagged_answers_must_parse() -> None:
    assert codes('{"a": 1}', format="json") == []
    assert codes('```json\n{"a": [1, 2]}\n```', format="json") == []
    assert codes("{'a': 1}", format="json") == ["invalid_json_output"]
    assert codes("{'a': 1}", category="chat") == []


def test_tags_from_meta_count() -> None:
    record = chat(answer="not json at all", meta={"category": "json"})
    assert run_check(OutputFormatCheck, record) == ["invalid_json_output"]


def test_sql_answers_need_a_fenced_sql_block() -> None:
    assert codes("Count them:\n\n```sql\nSELECT count(*) FROM t;\n```", category="sql") == []
    assert codes("SELECT count(*) FROM t;", category="sql") == ["missing_sql_block"]


def test_sql_shown_elsewhere_in_the_example_counts() -> None:
    from check_helpers import turns

    from curate.records import FunctionCall, Message, Record, ToolCall

    earlier = turns(
        ("user", "WHERE or HAVING?"),
        ("assistant", "```sql\nSELECT a FROM t GROUP BY a HAVING count(*) > 1;\n```"),
        ("user", "Can HAVING use an alias?"),
        ("assistant", "Only in some engines."),
        tags={"category": "sql"},
    )
    assert run_check(OutputFormatCheck, earlier) == []
    call = ToolCall(function=FunctionCall(name="run_sql", arguments='{"query": "SELECT 1"}'))
    via_tool = Record(
        tags={"category": "sql"},
        messages=[
            Message(role="user", content="How many orders yesterday?"),
            Message(role="assistant", tool_calls=[call]),
            Message(role="tool", content="[17412]"),
            Message(role="assistant", content="17,412 orders."),
        ],
    )
    assert run_check(OutputFormatCheck, via_tool) == []
    completion = chat(user="-- top customers", answer="SELECT id FROM c ORDER BY spend DESC;")
    assert run_check(OutputFormatCheck, completion.model_copy(update={"text": True, "tags": {"category": "sql"}})) == []
    assert run_check(OutputFormatCheck, completion.model_copy(update={"tags": {"category": "sql"}})) == [
        "missing_sql_block"
    ]


def test_unbalanced_fences_with_prose_after_them() -> None:
    answer = "Read it:\n\n```python\nx = 1\n\nThat is all you need for optional settings."
    assert codes(answer) == ["unbalanced_code_fence"]
    assert codes("Read it:\n\n```python\nx = 1\n```\n\nDone.") == []


def test_a_closing_fence_with_an_info_string_is_unbalanced() -> None:
    assert codes("```python\nx = 1\n```python\n\nThe end of it all.") == ["unbalanced_code_fence"]


def test_a_rule_with_a_key_only_matches_that_key(tmp_path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("checks:\n  output_format:\n    rules:\n      - {tag: json, key: output, expect: json}\n")
    rubric = load_rubric(path)
    assert run_check(OutputFormatCheck, chat(answer="nope", tags={"output": "json"}), rubric) == ["invalid_json_output"]
    assert run_check(OutputFormatCheck, chat(answer="nope", tags={"category": "json"}), rubric) == []
    assert RUBRIC.checks.output_format.rules  # the default rubric declares rules
