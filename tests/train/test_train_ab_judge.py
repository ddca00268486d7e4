"""The A/B judge against the loopback server: each item judged in both orders, so a judge that
favours a position ends in ties, not in wins for whichever side was shown first."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from curate.ab.abfile import ABItem, file_key, write_ab
from curate.ab.decisions import DecisionStore
from train.cli import app

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fakeserver import Action, FakeServer  # noqa: E402

TRUTH = ["A"] * 8 + ["B"] * 8 + ["tie"] * 4  # the side whose answer is STRONG


def write_items(path: Path) -> list[ABItem]:
    items = []
    for i, truth in enumerate(TRUTH):
        strong, weak = f"STRONG answer {i}", f"weak answer {i}"
        a, b = {"A": (strong, weak), "B": (weak, strong), "tie": (weak, weak)}[truth]
        items.append(
            ABItem(
                id=f"item-{i:02d}",
                messages=[{"role": "user", "content": f"Question {i}?"}],
                answer_a=a,
                answer_b=b,
                seed=2,
                category="sql" if i % 2 else "spark",
            )
        )
    write_ab(path, items)
    return items


def biased(seen) -> Action:  # noqa: ANN001
    """Sees the STRONG answer in first place always; in second place only on even items."""
    first, second = seen.prompt.split("[Answer 2]")
    number = int(re.search(r"Question (\d+)\?", seen.prompt).group(1))
    if "STRONG" in first.split("[Answer 1]")[1]:
        better = "first"
    elif "STRONG" in second and number % 2 == 0:
        better = "second"
    else:
        better = "first"  # position bias: when unsure, the first answer
    return Action.ok(text=json.dumps({"better": better, "reason": "r"}))


def expected(i: int, truth: str) -> str:
    if truth == "tie":
        return "tie"
    return truth if i % 2 == 0 else "tie"


def _judge(server: FakeServer, path: Path, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        [
            "ab",
            "judge",
            str(path),
            "--provider",
            "openai-compatible",
            "--base-url",
            server.openai_url,
            "--model",
            "judge-model",
            "--json",
            *extra,
        ],
    )
    return result.exit_code, result.output


def _report(path: Path) -> dict:
    result = CliRunner().invoke(app, ["ab", "report", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.fixture
def ab_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no workspace here: sidecar decisions and ledger
    return tmp_path / "ab.jsonl"


def test_a_judge_that_always_says_first_ends_in_ties(ab_path: Path) -> None:
    write_items(ab_path)
    with FakeServer() as server:  # its structured answer is the schema's first enum: "first"
        code, text = _judge(server, ab_path)
        assert code == 0, text
        assert server.total == 2 * len(TRUTH)  # every item asked in both orders
        asked = [s.body for s in server.seen]
    assert all(b["response_format"]["type"] == "json_schema" for b in asked)
    judge = _report(ab_path)["judge"]
    assert (judge["a_wins"], judge["b_wins"], judge["ties"]) == (0, 0, len(TRUTH))


def test_position_bias_is_cancelled_and_agreement_with_people_reported(ab_path: Path) -> None:
    items = write_items(ab_path)
    with FakeServer() as server:
        server.rule = biased
        code, text = _judge(server, ab_path)
        assert code == 0, text
        summary = json.loads(text)
        # run again: every answer comes from the ledger, nothing is sent or paid twice
        code, again = _judge(server, ab_path)
        assert server.total == 2 * len(TRUTH)
    assert json.loads(again)["requests_reused"] == 2 * len(TRUTH)
    assert summary["requests_sent"] == 2 * len(TRUTH)
    want = [expected(i, t) for i, t in enumerate(TRUTH)]
    assert summary["a_wins"] == want.count("A") == 4
    assert summary["b_wins"] == want.count("B") == 4
    assert summary["ties"] == want.count("tie") == 12
    assert summary["orders_disagreeing"] == 12  # equal answers too: "first" both times
    store = DecisionStore(Path(f"{ab_path}.decisions.sqlite"), file_key(items))
    judged = store.latest("judge")
    assert [judged[i.id].winner for i in items] == want
    for item, truth in zip(items, TRUTH, strict=True):  # an honest person
        verdict = "tie" if truth == "tie" else ("left" if item.left == truth else "right")
        store.record(item, verdict, "alice", "human", "s1")
    store.close()
    report = _report(ab_path)
    assert (report["human"]["a_wins"], report["human"]["b_wins"]) == (8, 8)
    agree = report["agreement"]
    assert agree["items"] == 20
    assert agree["agreeing"] == sum(1 for w, t in zip(want, TRUTH, strict=True) if w == t) == 12
    assert 0 < agree["kappa"] < 1
    assert report["matrix"]["A"]["judge_preference"] == 0.5


def test_the_budget_stops_the_judge_before_it_pays(ab_path: Path) -> None:
    write_items(ab_path)
    with FakeServer() as server:
        result = CliRunner().invoke(
            app,
            [
                "ab",
                "judge",
                str(ab_path),
                "--provider",
                "openai-compatible",
                "--base-url",
                server.openai_url,
                "--model",
                "gpt-4.1-mini",
                "--max-cost",
                "0.00001",
            ],
        )
        assert server.total == 0
    assert result.exit_code == 1
    assert "budget" in result.output and "--max-cost" in result.output
