"""The export policy and severities: only error findings keep a record out, approval counted."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from curate.export.policy import PolicyOptions, exported_findings, select
from curate.store.split_facts import Checks, Fact

CODES = ["too_long", "empty_answer", "style_outlier", "language_mismatch", "no_categories"]
SEVERITY = {"too_long": "error", "empty_answer": "error", "style_outlier": "warning",
            "language_mismatch": "warning", "no_categories": "info"}

record = st.tuples(st.sampled_from(["pending", "approved"]), st.lists(st.sampled_from(CODES), unique=True, max_size=3))


@given(st.lists(record, max_size=30), st.booleans())
def test_only_errors_keep_a_record_out_unless_approval_outranks_them(rows: list, overrides: bool) -> None:
    facts = [Fact(i, f"r{i}", "sft", "real", state, None, "train") for i, (state, _) in enumerate(rows)]
    checks = Checks(1, {}, {f.id for f in facts}, {f"r{i}": codes for i, (_, codes) in enumerate(rows) if codes}, {})
    options = PolicyOptions(severity=SEVERITY, approved_overrides_errors=overrides)
    sel = select(facts, options, checks, {}, set())

    def has_error(codes: list[str]) -> bool:
        return any(SEVERITY[c] == "error" for c in codes)

    out = [i for i, (state, codes) in enumerate(rows) if has_error(codes) and not (overrides and state == "approved")]
    assert sel.left_out.get("failed_checks", 0) == len(out)
    assert sel.kept["train"] == [f"r{i}" for i in range(len(rows)) if i not in out]
    by_code = sel.failed_checks_by_code()
    assert set(by_code) <= {"too_long", "empty_answer"}
    assert sum(by_code.values()) == sum(sum(SEVERITY[c] == "error" for c in rows[i][1]) for i in out)

    found = exported_findings(sel.kept["train"], facts, options, checks)
    kept = [rows[int(rid[1:])] for rid in sel.kept["train"]]
    assert found["approved_despite_errors"] == sum(s == "approved" and has_error(c) for s, c in kept)
    assert found["approved_despite_warnings"] == sum(s == "approved" and bool(c) and not has_error(c) for s, c in kept)
    assert found["with_warnings"] == sum(any(SEVERITY[x] != "error" for x in c) for _, c in kept)
    if not overrides:
        assert found["approved_despite_errors"] == 0


def test_an_unknown_code_is_an_error() -> None:
    options = PolicyOptions(severity={"style_outlier": "warning"})
    assert options.errors(["style_outlier", "brand_new_code"]) == ["brand_new_code"]


def test_skip_checks_exports_every_record_and_counts_no_findings() -> None:
    facts = [Fact(0, "r0", "sft", "real", "approved", None, "train")]
    checks = Checks(None, {}, set(), {"r0": ["too_long"]}, {})
    options = PolicyOptions(skip_checks=True, severity=SEVERITY)
    sel = select(facts, options, checks, {}, set())
    assert sel.kept["train"] == ["r0"]
    assert exported_findings(["r0"], facts, options, checks)["approved_despite_errors"] == 0
