"""The real:synthetic guard in both directions: refused over the limit, written under it, and
--cap-synthetic down-sampling best quality first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from export_helpers import build

from curate.export import export_workspace, plan_export
from curate.export.guard import Share, SyntheticShareExceeded, allowed_synthetic
from curate.settings import save_settings


def set_limit(ws: Any, limit: float) -> None:
    ws.settings.max_synthetic_share = limit
    save_settings(ws.settings, ws.settings_path)


def test_over_the_limit_is_refused_with_the_numbers(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, _ = fixed
    set_limit(ws, 0.25)  # train holds 3 synthetic of 11 records: 27.3%
    plan = plan_export(ws, "trl")
    assert isinstance(plan.refusal, SyntheticShareExceeded) and plan.refusal.exit_code == 1
    text = str(plan.refusal)
    for part in (
        "train split",
        "27.3% synthetic",
        "3 synthetic of 11 records",
        "limit of 25%",
        "--cap-synthetic",
        "best 2",
    ):
        assert part in text, part
    with pytest.raises(SyntheticShareExceeded):
        export_workspace(ws, "trl", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_under_the_limit_is_written(fixed: tuple[Any, dict], tmp_path: Path) -> None:
    ws, ids = fixed
    set_limit(ws, 0.28)
    result = export_workspace(ws, "trl", tmp_path / "out")
    assert result.manifest["synthetic_share"]["train"] == round(3 / 11, 4)
    assert result.manifest["max_synthetic_share"] == 0.28
    assert result.manifest["generators"] == [
        {"provider": "anthropic", "model": "claude-sonnet-4-5", "records": 3}
    ]
    assert result.manifest["synthetic_share"]["overall"] == round(3 / 15, 4)


def test_cap_keeps_the_best_synthetic_records_deterministically(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    ws, ids = fixed
    set_limit(ws, 0.25)
    first = export_workspace(ws, "trl", tmp_path / "a", cap_synthetic=True)
    kept = {r.id for r in first.plan.records["train"]}
    # judge scores 5.0, 4.5, 4.0: the two best stay
    assert (
        ids["synthetic"][0] in kept
        and ids["synthetic"][1] in kept
        and ids["synthetic"][2] not in kept
    )
    assert first.plan.selection.left_out["over_synthetic_cap"] == 1
    assert first.manifest["synthetic_share"]["train"] == 0.2 <= 0.25
    assert first.manifest["policy"]["left_out"]["over_synthetic_cap"] == 1
    export_workspace(ws, "trl", tmp_path / "b", cap_synthetic=True)
    assert (tmp_path / "a" / "train.jsonl").read_bytes() == (
        tmp_path / "b" / "train.jsonl"
    ).read_bytes()


def test_every_split_is_guarded(tmp_path: Path) -> None:
    ws, ids = build(tmp_path / "ws", synthetic=6)
    ws.store.put_splits([(ids["synthetic"][0], "test")], frozen=True)  # test: 2 real + 1 synthetic
    plan = plan_export(ws, "openai-jsonl")
    assert isinstance(plan.refusal, SyntheticShareExceeded)
    assert plan.refusal.share.split == "train"
    capped = plan_export(ws, "openai-jsonl", cap_synthetic=True)
    assert capped.refusal is None
    for split, share in capped.shares.items():
        assert share.share <= 0.30 + 1e-9, split
    assert capped.shares["test"] == Share("test", 0, 2)  # 2 real records leave no room for one
    ws.close()


@pytest.mark.parametrize(
    ("real", "limit", "room"),
    [(70, 0.3, 30), (7, 0.3, 3), (6, 0.3, 2), (0, 0.3, 0), (5, 0.0, 0), (4, 0.5, 4)],
)
def test_room_for_synthetic_records_is_exact_at_the_limit(
    real: int, limit: float, room: int
) -> None:
    assert allowed_synthetic(real, limit) == room
    if real + room:
        assert not Share("s", room, real + room).over(limit)
    assert Share("s", room + 1, real + room + 1).over(limit)
