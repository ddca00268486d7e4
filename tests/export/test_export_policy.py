"""The export policy: every record left out is counted under its reason; switches change it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from curate.errors import UsageError
from curate.export import NothingToExport, plan_export
from curate.export.policy import REASONS
from curate.settings import save_settings


def exported_ids(plan: Any) -> set[str]:
    return {r.id for rs in plan.records.values() for r in rs}


def test_every_record_is_exported_or_counted_once(fixed: tuple[Any, dict]) -> None:
    ws, ids = fixed
    plan = plan_export(ws, "trl")
    left = plan.selection.left_out_dict()
    assert left == {
        "other_kind": 8,
        "rejected_by_review": 1,
        "contaminated": 1,
        "not_checked": 1,
        "failed_checks": 1,
        "duplicate": 1,
        "not_approved": 1,
        "not_split": 1,
        "unsupported_in_target": 1,
    }
    assert sum(left.values()) + len(exported_ids(plan)) == plan.selection.considered == 31
    ex = plan.selection.examples
    for reason, key in [
        ("rejected_by_review", "rejected"),
        ("contaminated", "contaminated"),
        ("not_checked", "unchecked"),
        ("failed_checks", "failed"),
        ("duplicate", "dup"),
        ("not_approved", "pending_synthetic"),
        ("not_split", "unsplit"),
        ("unsupported_in_target", "weight0"),
    ]:
        assert ex[reason] == [ids[key]], reason
    assert ids["dup_rep"] in exported_ids(plan)
    assert set(ids["synthetic"]) <= exported_ids(plan)
    assert set(left) <= set(REASONS)
    assert any("weight 0" in u for u in plan.unsupported)


def test_the_rules_are_explicit(fixed: tuple[Any, dict]) -> None:
    ws, _ = fixed
    rules = plan_export(ws, "openai-jsonl").rules
    assert any("without an error finding" in r and "warnings are reported and kept" in r for r in rules)
    assert any("representative" in r for r in rules)
    assert any("synthetic records must be approved" in r for r in rules)
    assert any("30%" in r for r in rules)


def test_kind_is_chosen_and_other_kinds_are_noted(fixed: tuple[Any, dict]) -> None:
    ws, ids = fixed
    sft = plan_export(ws, "trl")
    assert sft.options.kind == "sft" and any("--kind preference" in n for n in sft.notes)
    pref = plan_export(ws, "trl", kind="preference")
    assert exported_ids(pref) == set(ids["pairs"])
    assert pref.selection.left_out_dict() == {"other_kind": 23}
    alpaca = plan_export(ws, "alpaca")
    assert any("cannot hold them" in n for n in alpaca.notes)
    with pytest.raises(UsageError, match="holds sft records, not preference"):
        plan_export(ws, "alpaca", kind="preference")
    assert plan_export(ws, "openai-preference").options.kind == "preference"


def test_include_unapproved_and_skip_checks_widen_the_policy(fixed: tuple[Any, dict]) -> None:
    ws, ids = fixed
    plan = plan_export(ws, "openai-jsonl", include_unapproved=True, skip_checks=True)
    got = exported_ids(plan)
    assert {ids["pending_synthetic"], ids["failed"], ids["unchecked"]} <= got
    assert ids["contaminated"] not in got and ids["dup"] not in got  # never relaxed
    assert any("--skip-checks" in r for r in plan.rules)


def test_real_records_need_approval_when_the_settings_say_so(fixed: tuple[Any, dict]) -> None:
    ws, ids = fixed
    ws.settings.export.require_real_approval = True
    save_settings(ws.settings, ws.settings_path)
    plan = plan_export(ws, "openai-jsonl")
    assert exported_ids(plan) == set(ids["synthetic"])
    # the 11 good real records, the representative, the weight-0 and unsplit ones, the pending synthetic
    assert plan.selection.left_out["not_approved"] == 11 + 3 + 1
    assert "100.0% synthetic" in str(plan.refusal)  # only synthetic records are left
    ws.store.record_decision(ids["good"], "approve", "tester")
    again = plan_export(ws, "openai-jsonl")
    assert set(ids["good"]) <= exported_ids(again) and again.refusal is None


def test_export_refuses_without_validate_or_split(tmp_path: Path) -> None:
    from curate.records import Message, Record
    from curate.workspace import init_workspace

    ws = init_workspace(tmp_path)
    ws.store.add_records(
        [
            Record(
                messages=[Message(role="user", content="q"), Message(role="assistant", content="a")]
            )
        ]
    )
    with pytest.raises(UsageError, match="Run `curate validate` first"):
        plan_export(ws, "trl")
    with pytest.raises(UsageError, match="Run `curate split` first"):
        plan_export(ws, "trl", skip_checks=True)
    from curate.split import split_workspace

    split_workspace(ws)
    plan = plan_export(ws, "trl", skip_checks=True, kind="preference")
    assert isinstance(plan.refusal, NothingToExport)
    ws.close()


def test_unknown_format_and_container(fixed: tuple[Any, dict]) -> None:
    ws, _ = fixed
    with pytest.raises(UsageError, match="Unknown export format"):
        plan_export(ws, "csv-dump")
    with pytest.raises(UsageError, match="--container jsonl"):
        plan_export(ws, "openai-jsonl", container="parquet")
