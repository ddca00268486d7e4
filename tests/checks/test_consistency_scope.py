"""Consistency checks compare a record only with its scope (source file and kind by default)."""

from __future__ import annotations

from check_helpers import PROSE, chat

from curate.checks.rubric import load_rubric
from curate.checks.runner import validate_records
from curate.records import Provenance, Record

SHORT = "Use a left join when every row of the left table must stay, matched or not, and fill the gaps with nulls."
LONG_ITEM = "- Measure the stage times first, then change one setting at a time and measure again.\n"
LONG = "## Tuning\n\n" + LONG_ITEM * 25


def from_file(source: str, answer: str, i: int, system: str | None = None) -> Record:
    return chat(
        user=f"Question {i} from {source}?",
        answer=f"{answer} Case {i}.",
        system=system,
        provenance=Provenance(source_file=source, source_line=i + 1),
    )


def short_file() -> list[Record]:
    """alpaca_en-like: short prose answers, and one long listed answer that stands out."""
    return [from_file("alpaca_en.json", SHORT, i) for i in range(30)] + [from_file("alpaca_en.json", LONG, 99)]


def long_file() -> list[Record]:
    """identity-like: long Markdown answers with headings and lists."""
    return [from_file("guides.json", LONG, i) for i in range(30)]


def findings_of(records: list[Record], rubric=None) -> dict[str, list[tuple[str, str]]]:
    result = validate_records(records, rubric)
    return {
        rid: sorted((f.code, f.detail) for f in found if not f.passed)
        for rid, found in result.findings.items()
        if any(not f.passed for f in found)
    }


def test_a_files_findings_are_the_same_alone_and_mixed_with_another_file() -> None:
    alone = findings_of(short_file())
    odd = short_file()[-1].id
    assert [code for code, _ in alone[odd]] == ["style_outlier"]
    assert "alpaca_en.json · sft" in alone[odd][0][1]
    mixed = findings_of(short_file() + long_file())
    ids = {r.id for r in short_file()}
    assert {rid: f for rid, f in mixed.items() if rid in ids} == alone
    assert {rid: f for rid, f in mixed.items() if rid not in ids} == findings_of(long_file())


def test_without_a_scope_the_mix_changes_the_findings() -> None:
    rubric = load_rubric()
    rubric.checks.consistency.scope = []
    alone = findings_of(short_file(), rubric)
    mixed = findings_of(short_file() + long_file(), rubric)
    ids = {r.id for r in short_file()}
    assert {rid: f for rid, f in mixed.items() if rid in ids} != alone


def test_a_tag_scope_groups_records_across_files() -> None:
    rubric = load_rubric()
    rubric.checks.consistency.scope = ["tag:dataset"]
    records = [r.model_copy(update={"tags": {"dataset": "en"}}) for r in short_file()]
    split = [
        r.model_copy(update={"provenance": Provenance(source_file=f"part{i % 2}.json")})
        for i, r in enumerate(records)
    ]
    assert list(findings_of(split, rubric)) == [records[-1].id]


def test_having_a_system_prompt_where_most_have_none_is_not_a_finding() -> None:
    records = [from_file("alpaca_en.json", SHORT, i) for i in range(30)]
    records += [from_file("alpaca_en.json", SHORT, 100 + i, system=f"Persona {i}") for i in range(3)]
    assert findings_of(records) == {}


def test_a_small_file_with_system_prompts_is_not_judged_by_a_big_file_without() -> None:
    """The DPO demo case: every record of a small file has a system prompt, the rest have none."""
    big = [from_file("alpaca_en.json", SHORT, i) for i in range(40)]
    dpo = [from_file("dpo_en.json", PROSE, i, system="You are a helpful assistant.") for i in range(8)]
    assert findings_of(big + dpo) == {}


def test_a_record_without_the_shared_system_prompt_is_flagged() -> None:
    shared = "You are a concise data engineering assistant."
    records = [from_file("support.json", SHORT, i, system=shared) for i in range(25)]
    bare = from_file("support.json", SHORT, 99)
    other = from_file("support.json", SHORT, 98, system="You are a pirate.")
    found = findings_of([*records, bare, other])
    assert {rid: [c for c, _ in f] for rid, f in found.items()} == {
        bare.id: ["system_prompt_varies"],
        other.id: ["system_prompt_varies"],
    }
    assert "It has no system prompt; 93% of 'support.json · sft' share one." in found[bare.id][0][1]


def test_a_small_group_uses_its_scopes_system_prompt_not_the_whole_datasets() -> None:
    shared = "You answer as the Acme support bot."
    acme = [from_file("acme.json", SHORT, i, system=shared) for i in range(24)]
    acme.append(
        from_file("acme.json", SHORT, 50).model_copy(update={"tags": {"category": "billing"}})
    )
    others = [from_file("alpaca_en.json", SHORT, i) for i in range(60)]
    found = findings_of(acme + others)
    assert {rid: [c for c, _ in f] for rid, f in found.items()} == {acme[-1].id: ["system_prompt_varies"]}
