"""Declared output formats per tag: JSON answers parse, SQL answers fence their SQL, fences balance."""

from __future__ import annotations

import re
from typing import Any, ClassVar

import orjson

from curate.checks.base import Finding, RecordCheck
from curate.checks.rubric import OutputRule
from curate.checks.text import answer_text, effective_tags, fence_state
from curate.records import Record

JSON_FENCE_RE = re.compile(r"^```[ \t]*(?:json)?[ \t]*\n(.*)\n```$", re.S | re.I)
SQL_FENCE_RE = re.compile(r"^[ ]{0,3}(?:```|~~~)[ \t]*sql\b", re.M | re.I)
SQL_KEYWORD_RE = re.compile(
    r"\b(?:SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|WITH|FROM|WHERE|JOIN|GROUP BY|ORDER BY)\b"
)


def has_sql(record: Record, answer: str) -> bool:
    """Whether the example shows its SQL: a ```sql block in any assistant turn, SQL sent
    through a tool call, or (for a plain-text completion) the completion is SQL itself.

    >>> from curate.records import Message
    >>> r = Record(text=True, messages=[Message(role="user", content="-- top customers"),
    ...     Message(role="assistant", content="SELECT id FROM customers ORDER BY spend DESC;")])
    >>> has_sql(r, r.messages[1].content)
    True
    """
    turns = [m for m in [*record.messages, *(record.chosen or [])] if m.role == "assistant"]
    if any(m.content and SQL_FENCE_RE.search(m.content) for m in turns):
        return True
    if any(m.tool_calls for m in turns):
        return True
    return record.text and len(set(SQL_KEYWORD_RE.findall(answer))) >= 2


def rule_applies(rule: OutputRule, tags: dict[str, str]) -> bool:
    """A rule without a tag applies to every record; otherwise a tag value must match."""
    if rule.tag is None:
        return True
    want = rule.tag.lower()
    if rule.key is not None:
        return tags.get(rule.key, "").lower() == want
    return any(v.lower() == want for v in tags.values())


def json_error(answer: str) -> str | None:
    """Why ``answer`` is not JSON (a whole answer, or one ```json fenced block), or None.

    >>> json_error('{"a": 1}') is None, json_error('```json\\n[1, 2]\\n```') is None
    (True, True)
    >>> json_error("{'a': 1}")
    'unexpected character, expected a string key: line 1 column 2 (char 1)'
    """
    text = answer.strip()
    m = JSON_FENCE_RE.match(text)
    if m:
        text = m.group(1)
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return str(exc)
    return None


class OutputFormatCheck(RecordCheck):
    """invalid_json_output, missing_sql_block, unbalanced_code_fence per the rubric's rules."""

    name: ClassVar[str] = "output_format"
    pillar = "format"
    codes = ("invalid_json_output", "missing_sql_block", "unbalanced_code_fence")

    def check(self, record: Record, profile: Any) -> list[Finding]:
        tags = effective_tags(record)
        rules = [r for r in self.options.rules if rule_applies(r, tags)]
        if not rules:
            return []
        answer = answer_text(record)
        if not answer.strip():
            return []  # an empty answer is a completeness failure, not a format one
        out: list[Finding] = []
        for expect in dict.fromkeys(r.expect for r in rules):
            if expect == "json":
                err = json_error(answer)
                if err is not None:
                    out.append(Finding("invalid_json_output", detail=f"The answer is not valid JSON ({err})."))
            elif expect == "sql_block":
                if not has_sql(record, answer):
                    out.append(Finding("missing_sql_block", detail="The answer has no ```sql fenced block."))
            elif fence_state(answer) == "unbalanced":
                out.append(
                    Finding(
                        "unbalanced_code_fence",
                        detail="A code fence is left open (or closed by a mismatched fence) and prose follows it.",
                    )
                )
        return out


CHECKS = [OutputFormatCheck]
