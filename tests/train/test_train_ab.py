"""`train ab`: two sides answer the same prompts; the A/B file holds both, timed and dealt."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from train_exports import tiny_settings, write_export
from typer.testing import CliRunner

from curate.ab.abfile import left_side, read_ab
from train.cli import app
from train.config import build_config
from train.fit import run_training

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fakeserver import Action, FakeServer  # noqa: E402


def _train(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("ab-run")
    export = write_export(root / "export", counts=(8, 2, 4))
    try:
        return run_training(build_config(tiny_settings(export, root / "run", max_steps=1))).run_dir
    finally:
        torch.set_num_threads(threads)


def test_base_against_tuned_answers_every_test_prompt(run_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "ab.jsonl"
    code, text = _train(
        "ab",
        f"base:{run_dir}",
        str(run_dir),
        "--out",
        str(out),
        "--max-new-tokens",
        "4",
        "--seed",
        "3",
    )
    assert code == 0, text
    items = read_ab(out)
    test_ids = [
        json.loads(line)["id"]
        for line in (run_dir.parent / "export" / "test.jsonl").read_text().splitlines()
    ]
    assert [i.id for i in items] == test_ids
    for item in items:
        assert item.left == left_side(3, item.id) and item.seed == 3
        assert item.latency_a_s is not None and item.latency_a_s > 0
        assert item.latency_b_s is not None and item.latency_b_s > 0
        assert item.model_a["kind"] == "base" and item.model_a["adapter"] is False
        assert item.model_b["kind"] == "run" and item.model_b["adapter"] is True
        assert item.messages[-1]["role"] == "user"
        assert isinstance(item.rubric_a, list) and isinstance(item.rubric_b, list)
    code, text = _train("ab", "report", str(out), "--decisions", str(tmp_path / "d.sqlite"))
    assert code == 0, text
    assert "No verdicts yet on the 4 items" in text and "format compliance" in text
    assert "Smoke run" in text


def test_two_endpoints_answer_a_prompts_file(tmp_path: Path) -> None:
    prompts = Path(__file__).resolve().parents[2] / "samples" / "openai_chat.jsonl"

    def by_model(seen):  # each "model" answers in its own words
        return Action.ok(text=f"{seen.model} says: {seen.prompt[:20]}")

    with FakeServer() as server:
        server.rule = by_model
        out = tmp_path / "ab.jsonl"
        code, text = _train(
            "ab",
            "--a-base-url",
            server.openai_url,
            "--a-model",
            "alpha",
            "--b-base-url",
            server.openai_url,
            "--b-model",
            "ft:beta:acme::x1",
            "--prompts",
            str(prompts),
            "--out",
            str(out),
            "--max-samples",
            "5",
        )
    assert code == 0, text
    items = read_ab(out)
    assert len(items) == 5
    assert all(i.answer_a.startswith("alpha says") for i in items)
    assert all(i.answer_b.startswith("ft:beta:acme::x1 says") for i in items)
    assert items[0].model_a == {
        "kind": "endpoint",
        "provider": "openai-compatible",
        "model": "alpha",
        "base_url": items[0].model_a["base_url"],
    }


def test_a_side_that_is_not_a_run_is_one_sentence(tmp_path: Path) -> None:
    code, text = _train("ab", str(tmp_path), str(tmp_path), "--out", str(tmp_path / "x.jsonl"))
    assert code == 2 and "no finished run" in text and "Traceback" not in text


def test_the_deal_is_seeded_and_balanced() -> None:
    ids = [f"item-{i}" for i in range(400)]
    sides = [left_side(0, i) for i in ids]
    assert sides == [left_side(0, i) for i in ids]
    assert 150 < sides.count("A") < 250
    assert sides != [left_side(1, i) for i in ids]
