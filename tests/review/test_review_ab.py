"""The blind A/B review: a pilot decides 20 items by reading Left and Right, and the report
unblinds the verdicts to the right A and B counts; verdicts are durable, resumable, undoable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from review_helpers import screen_text, settle
from typer.testing import CliRunner

from curate.ab.abfile import ABItem, file_key, read_ab, write_ab
from curate.ab.decisions import DecisionStore
from curate.review.tui.ab import create_ab_app

pytestmark = pytest.mark.anyio

# item index -> which side wrote the STRONG answer ("tie": both equal, "bad": both bad)
TRUTH = ["A"] * 11 + ["B"] * 6 + ["tie", "tie", "bad"]


def write_items(path: Path, seed: int = 5) -> list[ABItem]:
    items = []
    for i, truth in enumerate(TRUTH):
        strong, weak = f"STRONG answer {i}", f"weak answer {i}"
        a, b = {
            "A": (strong, weak),
            "B": (weak, strong),
            "tie": (f"same answer {i}", f"same answer {i}"),
            "bad": (f"BAD answer {i}", f"BAD reply {i}"),
        }[truth]
        items.append(
            ABItem(
                id=f"item-{i:02d}",
                messages=[{"role": "user", "content": f"Question {i}?"}],
                answer_a=a,
                answer_b=b,
                seed=seed,
                category="sql" if i % 2 else "spark",
                latency_a_s=0.5,
                latency_b_s=1.5,
                rubric_a=[] if i % 5 else ["empty_answer"],
                model_a={"kind": "run", "run_dir": "runs/a"},
                model_b={"kind": "run", "run_dir": "runs/b"},
            )
        )
    write_ab(path, items)
    return items


def column(app, position: str) -> str:  # noqa: ANN001
    return str(app.screen.query_one(f"#ab-{position}").content)


def verdict_key(app) -> str:  # noqa: ANN001 - what a person reading the screen presses
    left, right = column(app, "left"), column(app, "right")
    if "STRONG" in left:
        return "1"
    if "STRONG" in right:
        return "2"
    return "b" if "BAD" in left else "t"


async def test_twenty_blind_verdicts_unblind_to_the_true_counts(tmp_path: Path) -> None:
    path = tmp_path / "ab.jsonl"
    items = write_items(path)
    assert {i.left for i in items} == {"A", "B"}  # the deal really shuffles
    app = create_ab_app(path, reviewer="alice", start=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Left" in text and "Right" in text
        assert "runs/a" not in text and "runs/b" not in text  # who wrote what stays hidden
        for _ in range(20):
            await pilot.press(verdict_key(app))
            await pilot.pause()
        assert "Every item has a verdict" in screen_text(app)
    sidecar = Path(f"{path}.decisions.sqlite")
    assert sidecar.is_file()
    result = CliRunner().invoke(
        __import__("train.cli", fromlist=["app"]).app,
        ["ab", "report", str(path), "--json", "--png", str(tmp_path / "ab.png")],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    human = report["human"]
    assert (human["a_wins"], human["b_wins"], human["ties"], human["both_bad"]) == (11, 6, 2, 1)
    assert human["undecided"] == 0
    low, high = human["ci95"]
    assert low < 11 / 17 < high
    assert report["by_category"]["sql"]["human"]["judged"] == 10
    assert report["matrix"]["A"]["mean_latency_s"] == 0.5
    assert report["matrix"]["A"]["format_compliance"] == 16 / 20
    assert report["matrix"]["B"]["format_compliance"] == 1.0
    assert report["matrix"]["A"]["human_preference"] == 11 / 17
    assert (tmp_path / "ab.png").stat().st_size > 1000


async def test_verdicts_are_committed_resumed_and_undone_per_session(tmp_path: Path) -> None:
    path = tmp_path / "ab.jsonl"
    items = write_items(path)
    app = create_ab_app(path, reviewer="alice", start=tmp_path)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        for _ in range(3):
            await pilot.press(verdict_key(app))
            await pilot.pause()
            # committed before the next item shows: another connection already sees it
            other = DecisionStore(Path(f"{path}.decisions.sqlite"), file_key(items))
            assert app.last_shown not in other.latest("human")
            other.close()
        await pilot.press("u")
        await pilot.pause()
        assert app.last_shown == "item-02"
    store = DecisionStore(Path(f"{path}.decisions.sqlite"), file_key(read_ab(path)))
    assert sorted(store.latest("human")) == ["item-00", "item-01"]
    store.close()
    again = create_ab_app(path, reviewer="bob", start=tmp_path)
    async with again.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert again.last_shown == "item-02"  # resumes at the first undecided item
        await pilot.press("u")
        await pilot.pause()
        assert again.last_shown == "item-02" and again.made == 0
    store = DecisionStore(Path(f"{path}.decisions.sqlite"), file_key(items))
    assert len(store.latest("human")) == 2  # the last session's verdicts are not bob's to undo
    store.close()


def test_a_verdict_key_that_is_a_review_key_is_refused(tmp_path: Path) -> None:
    from curate.errors import UsageError
    from curate.review.tui.ab import ab_keymap
    from curate.settings import ABKeys, ReviewKeys

    with pytest.raises(UsageError, match="also a review key"):
        ab_keymap(ABKeys(left="n"), ReviewKeys())
