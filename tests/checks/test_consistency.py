"""Consistency per category: style outliers, language and system prompt against the majority."""

from __future__ import annotations

from check_helpers import PROSE, chat

from curate.checks.runner import validate_records

SYSTEM = "You are a concise data engineering assistant."
CODE_ANSWER = "Count the rows after the header.\n\n```python\nimport csv\nrows = sum(1 for _ in csv.reader(fh))\n```\n\nThe header is skipped."


def group(n: int, answer: str, category: str, system: str | None = SYSTEM) -> list:
    return [chat(user=f"Question number {i} about {category} pipelines?", answer=f"{answer} Case {i}.", system=system, tags={"category": category}) for i in range(n)]


def codes_of(records: list) -> dict[str, list[str]]:
    result = validate_records(records)
    return {rid: c for rid, c in result.records.items() if c}


def test_a_uniform_dataset_has_no_consistency_findings() -> None:
    assert codes_of(group(25, PROSE, "concepts") + group(25, CODE_ANSWER, "coding")) == {}


def test_style_outlier_within_its_category() -> None:
    odd = chat(user="How do I fail fast?", answer="## Fail fast\n\n- Validate the input.\n- Raise an error.\n- Exit non-zero.", system=SYSTEM, tags={"category": "coding"})
    found = codes_of(group(25, CODE_ANSWER, "coding") + [odd])
    assert found == {odd.id: ["style_outlier"]}


def test_small_groups_are_not_judged_for_style() -> None:
    odd = chat(user="How do I fail fast?", answer="## Fail fast\n\n- Validate the input.\n- Raise an error.", system=SYSTEM, tags={"category": "coding"})
    assert codes_of(group(5, CODE_ANSWER, "coding") + [odd]) == {}


def test_language_mismatch_against_the_majority_and_the_tag() -> None:
    german = chat(
        user="When is an index not used?",
        answer="Ein Index beschleunigt Abfragen, die nur wenige Zeilen einer großen Tabelle lesen. Bei großen Anteilen ist ein sequentieller Scan oft schneller.",
        system=SYSTEM,
        tags={"category": "concepts"},
    )
    tagged = chat(answer=PROSE + " Tagged.", system=SYSTEM, tags={"category": "concepts", "language": "fr"})
    found = codes_of(group(25, PROSE, "concepts") + [german, tagged])
    assert found == {german.id: ["language_mismatch"], tagged.id: ["language_mismatch"]}


def test_system_prompt_varies() -> None:
    pirate = chat(answer=PROSE + " Arr.", system="You are a pirate.", tags={"category": "concepts"})
    result = validate_records(group(25, PROSE, "concepts") + [pirate])
    assert {rid: c for rid, c in result.records.items() if c} == {pirate.id: ["system_prompt_varies"]}
    assert [f.code for f in result.dataset if f.code == "system_prompt_varies"] == ["system_prompt_varies"]


def test_many_different_system_prompts_are_not_flagged() -> None:
    records = [chat(answer=f"{PROSE} {i}.", system=f"Persona {i}", tags={"category": "concepts"}) for i in range(25)]
    assert codes_of(records) == {}
