"""Completeness: empty, cut off, far too short, placeholders, refusals."""

from __future__ import annotations

import pytest
from check_helpers import PROSE, chat, run_check

from curate.checks.completeness import CompletenessCheck, truncation


def codes(answer: str | None, user: str = "What is a consumer group?") -> list[str]:
    return run_check(CompletenessCheck, chat(user=user, answer=answer))


def test_a_complete_answer_passes() -> None:
    assert codes(PROSE) == []


@pytest.mark.parametrize("answer", ["   ", "N/A", "...", "TODO", "\n\t"])
def test_empty_answer(answer: str) -> None:
    assert codes(answer) == ["empty_answer"]


def test_no_answer_text_at_all_is_left_to_structure() -> None:
    assert codes("") == []
    assert codes(None) == []


def test_cut_off_mid_sentence() -> None:
    cut = "A shuffle writes every row to local disk, sends it over the network to the executor that owns the key, and then the"
    assert codes(cut) == ["truncated_answer"]


@pytest.mark.parametrize(
    "ending",
    ["See the docs at https://kafka.apache.org/documentation", "- the last item of a list", "Thanks,\nMaria", "| a | b |"],
)
def test_endings_that_are_not_cut_off(ending: str) -> None:
    assert truncation(PROSE + "\n\n" + ending, 12) is None


def test_short_answers_are_not_judged_for_truncation() -> None:
    assert codes("Paris") == []


def test_open_code_fence_at_the_end() -> None:
    answer = "Use the safe loader.\n\n```python\nimport yaml\nconfig = yaml.safe_load(fh)\nfor key in config:"
    assert codes(answer) == ["open_code_fence"]


def test_answer_far_shorter_than_asked() -> None:
    assert codes("It rebalances.", user="Explain in detail how Kafka rebalances a group.") == ["answer_too_short"]
    assert codes("Read, then write.", user="Walk me through the job step by step.") == ["answer_too_short"]
    assert codes("ok " * 30 + "done.", user="Write at least 200 words about Spark.") == ["answer_too_short"]
    assert codes(PROSE, user="Explain what a consumer group is.") == []


@pytest.mark.parametrize(
    "text",
    ["Dear {{customer_name}}, your report is ready now.", "Hello <PLACEHOLDER>, the report is ready now.",
     "Contact [INSERT EMAIL HERE] for the report now.", "Lorem ipsum dolor sit amet, the report is ready."],
)
def test_unfilled_placeholders(text: str) -> None:
    assert codes(text) == ["unfilled_placeholder"]


def test_placeholders_in_the_prompt_count_too() -> None:
    assert run_check(CompletenessCheck, chat(user="Write to {{name}} about the outage.")) == ["unfilled_placeholder"]


def test_template_syntax_inside_code_is_not_a_placeholder() -> None:
    answer = "Jinja renders variables in double braces:\n\n```jinja\nHello {{ user.name }}!\n```\n\nThat is the whole template."
    assert codes(answer) == []


@pytest.mark.parametrize(
    "text",
    ["As an AI language model, I cannot browse the internet, but here is what I know about Kafka.",
     "I'm sorry, but I can't help with that request.",
     "I cannot help with that."],
)
def test_boilerplate_refusals(text: str) -> None:
    assert codes(text) == ["refusal_boilerplate"]
