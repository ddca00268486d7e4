"""The A/B file, its decisions and the report: unblinding inverts the deal for any seed, the
Wilson interval holds the observed rate, kappa is 1 on agreement, and bad files are one sentence."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.ab.abfile import ABItem, file_key, read_ab, write_ab
from curate.ab.decisions import DecisionStore
from curate.ab.report import build_report, kappa, wilson
from curate.errors import UsageError

truths = st.lists(st.sampled_from(["A", "B", "tie", "both_bad"]), min_size=1, max_size=30)


@settings(max_examples=40, deadline=None)
@given(truth=truths, seed=st.integers(0, 2**31))
def test_verdicts_on_shown_positions_unblind_to_the_true_sides(
    tmp_path_factory: pytest.TempPathFactory, truth: list[str], seed: int
) -> None:
    items = [
        ABItem(f"i{n}", [{"role": "user", "content": "q"}], "a", "b", seed)
        for n in range(len(truth))
    ]
    store = DecisionStore(tmp_path_factory.mktemp("d") / "d.sqlite", file_key(items))
    for item, winner in zip(items, truth, strict=True):
        position = (
            winner
            if winner in ("tie", "both_bad")
            else ("left" if item.left == winner else "right")
        )
        assert item.side_of(position) == winner if position in ("left", "right") else True
        store.record(item, position, "p", "human", "s")
    report = build_report(items, store.latest("human"))
    store.close()
    human = report["human"]
    assert human["a_wins"] == truth.count("A") and human["b_wins"] == truth.count("B")
    assert human["ties"] == truth.count("tie") and human["both_bad"] == truth.count("both_bad")
    assert human["undecided"] == 0


@given(n=st.integers(1, 500), data=st.data())
def test_wilson_interval_holds_the_observed_rate(n: int, data: st.DataObject) -> None:
    wins = data.draw(st.integers(0, n))
    low, high = wilson(wins, n)
    assert 0 <= low <= wins / n <= high <= 1


def test_kappa_and_empty_cases() -> None:
    assert kappa([("A", "A"), ("B", "B"), ("tie", "tie")]) == 1.0
    assert kappa([]) is None and wilson(0, 0) is None


def test_a_line_that_is_not_an_item_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "ab.jsonl"
    write_ab(path, [ABItem("x", [], "a", "b", 0)])
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(UsageError, match="Line 2 of .* is not an A/B item"):
        read_ab(path)
