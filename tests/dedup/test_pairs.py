"""Dedupe that understands pairs: what each kind is compared by, same_prompt groups, and the
split keeping a prompt's records together."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from dedup_helpers import sentence

from curate.dedup import dedupe_workspace, find_duplicates
from curate.dedup.annotations import DEDUPE_RUN, SAME_PROMPT_RUN
from curate.records import Message, Record
from curate.settings import DEFAULT_TOML, DedupeSettings
from curate.split.run import split_workspace
from curate.store.split_facts import load_prompt_groups
from curate.workspace import init_workspace


def m(role: str, content: str) -> Message:
    return Message(role=role, content=content)  # type: ignore[arg-type]


def hh(prompt_turns: list[str], chosen: str, rejected: str) -> Record:
    """An Anthropic HH pair: a multi-turn prompt (Human/Assistant alternating), one final
    assistant turn on each side."""
    roles = ["user", "assistant"] * len(prompt_turns)
    return Record(
        kind="preference",
        messages=[m(r, t) for r, t in zip(roles, prompt_turns, strict=False)],
        chosen=[m("assistant", chosen)],
        rejected=[m("assistant", rejected)],
    )


@pytest.fixture
def long_prompt(rng: random.Random) -> list[str]:
    """A long HH conversation: its shared prompt outweighs any one answer."""
    return [sentence(rng, 90), sentence(rng, 60), sentence(rng, 40)]


def test_pairs_sharing_a_prompt_with_different_answers_are_not_duplicates(
    long_prompt: list[str], rng: random.Random
) -> None:
    pairs = [hh(long_prompt, sentence(rng, 25), sentence(rng, 25)) for _ in range(3)]
    for settings in (DedupeSettings(), DedupeSettings(threshold=0.5, shingle_size=3)):
        result = find_duplicates(pairs, settings)
        assert result.duplicates == 0 and result.clusters == []
        assert len(result.same_prompt) == 1
        assert set(result.same_prompt[0].members) == {p.id for p in pairs}
        assert result.to_json()["same_prompt"] == {"groups": 1, "records": 3}


def test_an_exact_copy_of_a_pair_is_a_duplicate_and_not_a_same_prompt_group(
    long_prompt: list[str], rng: random.Random
) -> None:
    pair = hh(long_prompt, sentence(rng, 25), sentence(rng, 25))
    copy = hh([t.upper() for t in long_prompt], pair.chosen[0].content.upper(), pair.rejected[0].content)  # type: ignore[index]
    result = find_duplicates([pair, copy])
    assert result.duplicates == 1 and (result.exact, result.near) == (1, 0)
    assert result.same_prompt == []  # copies of one pair are a cluster, nothing more
    other = hh(long_prompt, sentence(rng, 25), sentence(rng, 25))
    result = find_duplicates([pair, copy, other])
    assert result.duplicates == 1
    assert [set(g.members) for g in result.same_prompt] == [{pair.id, copy.id, other.id}]


def test_a_near_copy_of_a_pair_is_a_near_duplicate(long_prompt: list[str], rng: random.Random) -> None:
    chosen, rejected = sentence(rng, 60), sentence(rng, 60)
    pair = hh(long_prompt, chosen, rejected)
    words = chosen.split()
    words[30] = "edited"
    near = hh(long_prompt, " ".join(words), rejected)
    result = find_duplicates([pair, near])
    assert (result.duplicates, result.near) == (1, 1)
    assert 0.8 <= result.clusters[0].duplicates[0].similarity < 1.0


def test_swapped_sides_are_not_the_same_pair(long_prompt: list[str], rng: random.Random) -> None:
    a, b = sentence(rng, 40), sentence(rng, 40)
    result = find_duplicates([hh(long_prompt, a, b), hh(long_prompt, b, a)])
    assert result.duplicates == 0 and len(result.same_prompt) == 1


def test_prompt_only_clusters_pairs_by_their_prompt(long_prompt: list[str], rng: random.Random) -> None:
    pairs = [hh(long_prompt, sentence(rng, 25), sentence(rng, 25)) for _ in range(3)]
    result = find_duplicates(pairs, DedupeSettings(compare="prompt-only"))
    assert result.duplicates == 2 and result.exact == 2 and result.same_prompt == []


def test_chats_whose_middle_turns_differ_are_not_exact_copies(rng: random.Random) -> None:
    """A FastChat conversation and a copy whose middle assistant turn differs."""
    q1, q2, last = sentence(rng, 12), sentence(rng, 12), sentence(rng, 30)
    one = Record(messages=[m("user", q1), m("assistant", sentence(rng, 60)), m("user", q2), m("assistant", last)])
    two = Record(messages=[m("user", q1), m("assistant", sentence(rng, 60)), m("user", q2), m("assistant", last)])
    result = find_duplicates([one, two])
    assert result.duplicates == 0 and len(result.same_prompt) == 0  # the prompts differ too
    old = find_duplicates([one, two], DedupeSettings(compare="prompt+answer"))
    assert (old.duplicates, old.exact) == (1, 1)  # user turns and final answer only


def test_sft_records_sharing_a_prompt_form_a_same_prompt_group(rng: random.Random) -> None:
    q = sentence(rng, 30)
    records = [Record(messages=[m("user", q), m("assistant", sentence(rng, 40))]) for _ in range(2)]
    result = find_duplicates(records)
    assert result.duplicates == 0 and len(result.same_prompt) == 1


def test_unpaired_records_compare_prompt_completion_and_label(rng: random.Random) -> None:
    q, a = sentence(rng, 20), sentence(rng, 40)

    def kto(label: bool, answer: str = a) -> Record:
        return Record(kind="unpaired", label=label, messages=[m("user", q), m("assistant", answer)])

    result = find_duplicates([kto(True), kto(False)])
    assert result.duplicates == 0 and len(result.same_prompt) == 1  # a conflict, not a copy
    copy = kto(True, a.upper())
    assert find_duplicates([kto(True), copy]).exact == 1


def test_curate_toml_documents_compare_with_every_mode() -> None:
    assert 'compare = "all-turns"' in DEFAULT_TOML
    for mode in ("all-turns", "prompt+answer", "prompt-only", "same_prompt"):
        assert mode in DEFAULT_TOML
    assert DedupeSettings(compare="prompt").compare == "prompt-only"  # the old name still reads


# in a workspace -------------------------------------------------------------------------
def test_workspace_stores_same_prompt_groups_and_the_split_keeps_them_together(
    tmp_path: Path, long_prompt: list[str], rng: random.Random
) -> None:
    ws = init_workspace(tmp_path / "ws")
    try:
        prompts = [long_prompt] + [[sentence(rng, 40)] for _ in range(29)]
        pairs = [hh(p, sentence(rng, 25), sentence(rng, 25)) for p in prompts for _ in range(3)]
        copy = hh(prompts[1], pairs[3].chosen[0].content.upper(), pairs[3].rejected[0].content)  # type: ignore[index,union-attr]
        ws.store.add_records([*pairs, copy])
        outcome = dedupe_workspace(ws)
        data = outcome.to_json()
        assert (data["duplicates"], data["exact"]) == (1, 1)
        assert data["same_prompt"] == {"groups": 30, "records": 91}
        dedupe_run = ws.store.latest_run(DEDUPE_RUN)
        same_run = ws.store.latest_run(SAME_PROMPT_RUN)
        assert same_run is not None and same_run.meta["dedupe_run"] == dedupe_run.id
        groups = load_prompt_groups(ws.store)
        assert len(groups) == 30 and sorted(len(g) for g in groups.values()) == [3] * 29 + [4]

        result = split_workspace(ws, stratify_by=None)
        assert result.same_prompt == 30
        splits = dict(ws.store.db.read("SELECT r.id, s.split FROM splits s JOIN records r ON r.rid = s.rid"))
        for members in groups.values():
            assert len({splits[i] for i in members}) == 1  # no prompt straddles splits
        assert {"train", "test"} <= set(splits.values())
    finally:
        ws.close()
