"""Every reason code a check can report: its meaning, and the README table of codes and severities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from types import MappingProxyType

from curate.checks.base import DatasetCheck, RecordCheck
from curate.discover import discover
from curate.errors import REASONS

JUDGE_CODES = ("judge_low_score",)  # the LLM judge reports these (accuracy), no check class

# One line per code that a check reports (rows that never became records use curate.errors.REASONS).
CHECK_CODES: dict[str, str] = {
    # structure (format)
    "missing_content": "a message or answer is empty",
    "example_missing_assistant_message": "the conversation has no assistant turn to learn from",
    "role_order": "a system message is not first, or the turns do not start with a user and end with the answer",
    "non_alternating_turns": "user and assistant turns do not alternate",
    "invalid_tool_call": "a tool call is malformed or its result does not answer it",
    "invalid_preference": "a preference pair is malformed (chosen and rejected missing or identical)",
    "invalid_label": "an unpaired example's label is not a boolean",
    # output format (format)
    "invalid_json_output": "an answer the rubric declares JSON does not parse",
    "missing_sql_block": "an answer the rubric declares SQL has no SQL code block",
    "unbalanced_code_fence": "the answer's code fences do not pair up",
    # tokens (format)
    "too_long": "the chat-formatted example has more tokens than the target allows",
    # completeness
    "empty_answer": "the final answer has no text",
    "truncated_answer": "the answer stops mid-sentence",
    "open_code_fence": "the answer stops inside an open code block",
    "answer_too_short": "a short answer to a question that asks for detail",
    "unfilled_placeholder": "the answer holds a template placeholder such as [Your Name]",
    "refusal_boilerplate": "the answer holds model boilerplate such as 'As an AI language model'",
    # safety
    "secret_in_text": "a credential (API key, token, private key) appears in a message",
    "pii_email": "a personal e-mail address appears in a message",
    "pii_phone": "a phone number appears in a message",
    # consistency (style and system prompt compared within the record's scope and group)
    "style_outlier": "the answer's style or length departs from its group's norm",
    "language_mismatch": "the answer's language differs from its language tag, else from its prompt's",
    "system_prompt_varies": "the system prompt differs from (or lacks) the one its group shares",
    # accuracy
    "judge_low_score": "the LLM judge scored the answer below the rubric's pass score",
    # dataset level (diversity, readiness)
    "dominant_category": "one category holds more than the rubric's share of the records",
    "high_duplicate_rate": "exact-normalised duplicates exceed the rubric's share",
    "low_distinct_n": "the answers' distinct-2 is below the rubric's floor",
    "low_instruction_spread": "the instructions' verbs and topics are narrow",
    "no_categories": "no record has the category tag, so balance is not measured",
    "not_enough_records": "too few records for fine-tuning",
    "synthetic_share_over_limit": "synthetic records exceed the share limit",
    "test_split_size": "the test split is outside the rubric's size range",
}


@cache
def all_checks() -> tuple[dict[str, type[RecordCheck]], dict[str, type[DatasetCheck]]]:
    """Every check class by name: modules of this package that define ``CHECKS``."""
    record: dict[str, type[RecordCheck]] = {}
    dataset: dict[str, type[DatasetCheck]] = {}
    for classes in discover("curate.checks", "CHECKS").values():
        for cls in classes:
            (record if issubclass(cls, RecordCheck) else dataset)[cls.name] = cls
    return record, dataset


def pillar_table(classes: Iterable[type[RecordCheck] | type[DatasetCheck]]) -> dict[str, str]:
    """Which pillar each reason code counts against, from the check classes that report it.

    The first class to name a code wins; the judge's codes are accuracy, and the codes of rows
    that never became records (``curate.errors.REASONS``) are format.

    >>> from curate.checks.tokens import TooLongCheck
    >>> table = pillar_table([TooLongCheck])
    >>> table["too_long"], table["judge_low_score"], table["invalid_json"]
    ('format', 'accuracy', 'format')
    """
    table: dict[str, str] = {}
    for cls in classes:
        for code in cls.codes:
            table.setdefault(code, cls.pillar)
    table.update({code: "accuracy" for code in JUDGE_CODES if code not in table})
    table.update({code: "format" for code in REASONS if code not in table})
    return table


@cache
def code_pillars() -> Mapping[str, str]:
    """The pillar of every code the discovered checks, the judge and the readers report."""
    record, dataset = all_checks()
    return MappingProxyType(pillar_table([*record.values(), *dataset.values()]))


def meaning(code: str) -> str:
    """The one-line meaning of a reason code ('' when it is unknown).

    >>> meaning("too_long")
    'the chat-formatted example has more tokens than the target allows'
    """
    return CHECK_CODES.get(code) or REASONS.get(code, "")


def codes_table(severity: dict[str, str] | None = None) -> str:
    """The README's Markdown table of check codes: check, pillar, record or dataset, severity
    and meaning.

    ``severity`` maps codes to their severity (default: the packaged rubric's).
    """
    if severity is None:
        from curate.checks.rubric import load_rubric

        severity = load_rubric().severity
    record_classes, dataset_classes = all_checks()
    pillars = code_pillars()
    rows = [
        "| code | check | pillar | applies to | default severity | meaning |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    checks: list[tuple[str, str, tuple[str, ...]]] = [
        *((name, "record", cls.codes) for name, cls in record_classes.items()),
        *((n, "record", c.codes) for n, c in dataset_classes.items() if c.per_record),
        ("judge", "record", JUDGE_CODES),
        *((n, "dataset", c.codes) for n, c in dataset_classes.items() if not c.per_record),
    ]
    for name, level, codes in checks:
        for code in codes:
            pillar = pillars.get(code, "format")
            rows.append(
                f"| `{code}` | {name} | {pillar} | {level} | {severity.get(code, 'error')} | {meaning(code)} |"
            )
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # python -m curate.checks.codes  (prints the README table)
    print(codes_table(), end="")
