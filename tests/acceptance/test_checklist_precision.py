"""Acceptance: on a clean multilingual corpus in public shapes the default policy keeps the clean
records and leaves out the planted defects (`curate init/import/validate/dedupe/split/export`).

"Kept" for a clean SFT or preference record: its id is in the TRL export of its kind, or it is
left out for a reason other than a failed check or a duplicate (none is expected; any is listed).
No target exports KTO (unpaired) records, so both exports count them as `other_kind`; a clean
KTO record is kept when import accepted it, it has no error finding and it is its cluster's
representative. A planted defect is excluded when import rejected its row, or its record is
absent from the export of its kind (KTO: it has an error finding or is a non-representative).
The test rubric adds a 1,024-token target (acceptance_corpus.RUBRIC) so that over-length
answers stay small; `require_real_approval` is false by default, so no approval is needed.
Run: `.venv/bin/python -m pytest tests/acceptance -q -s` (prints the breakdown).
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from acceptance_corpus import RUBRIC, TARGET, Planted, build
from typer.testing import CliRunner

from curate import api
from curate.checks.codes import CHECK_CODES
from curate.cli.main import app
from curate.records import Record
from curate.workspace import open_workspace

SEED = int(os.environ.get("CURATE_ACCEPTANCE_SEED", "7"))  # another seed: another corpus
# Clean records allowed an error finding, with the reason (none today).
DOCUMENTED_EXCEPTIONS: dict[tuple[str, int], str] = {}
# Planted defects the checklist leaves alone by design (README, truncated_answer): counted and
# printed, but outside the 95% goal.
DOCUMENTED_MISSES = {("truncated", "cjk"): "CJK text without a final 。 is no evidence of a cut"}


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def cli_json(*args: str, ok: tuple[int, ...] = (0,)) -> dict:
    code, out, err = cli(*args, "--json")
    assert code in ok, f"curate {' '.join(args)} exited {code}: {err}"
    return json.loads(out)


def exported_ids(folder: Path) -> set[str]:
    ids = set()
    for path in folder.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            ids.add(json.loads(line)["id"])
    return ids


def test_default_policy_keeps_clean_records_and_drops_planted_defects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = build(tmp_path / "data", seed=SEED)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rubric.yaml").write_text(RUBRIC)
    assert cli("init")[0] == 0

    # row -> record id (None when import rejects the row), by reading each file as import does
    ids: dict[tuple[str, int], str | None] = {}
    rejects: dict[tuple[str, int], str] = {}
    for name in corpus.files:
        imported = cli_json("import", f"data/{name}", ok=(0, 1))
        assert imported["read"] == sum(1 for r in corpus.rows if r.file == name)
        for item in api.read_records(tmp_path / "data" / name):
            if isinstance(item, Record):
                ids[(name, item.provenance.source_line)] = item.id
            else:
                ids[(name, item.line)] = None
                rejects[(name, item.line)] = item.code
    assert len(ids) == len(corpus.rows)

    validate = cli_json("validate", "--rubric", "rubric.yaml", "--target", TARGET, ok=(0, 1))
    severity: dict[str, str] = validate["severity"]
    findings: dict[str, list[str]] = validate["records"]
    dedupe = cli_json("dedupe")
    assert cli("split", "--stratify", "none")[0] == 0
    sft = cli_json("export", "--format", "trl", "--out", "exports/sft")
    pref = cli_json("export", "--format", "trl", "--kind", "preference", "--out", "exports/dpo")
    exported = {"sft": exported_ids(tmp_path / "exports/sft"),
                "preference": exported_ids(tmp_path / "exports/dpo")}
    with open_workspace(tmp_path) as ws:
        clusters = ws.store.clusters()
    dropped_dup = {m.record_id for ms in clusters.values() for m in ms if not m.representative}

    def errors(rid: str) -> list[str]:
        return [c for c in findings.get(rid, []) if severity.get(c, "error") == "error"]

    def fate(row: Planted) -> str:
        """exported / kept:REASON / rejected:CODE / failed_checks:CODES / duplicate."""
        rid = ids[(row.file, row.row)]
        if rid is None:
            return f"rejected:{rejects[(row.file, row.row)]}"
        if row.kind in exported and rid in exported[row.kind]:
            return "exported"
        if errors(rid):
            return "failed_checks:" + ",".join(sorted(set(errors(rid))))
        if rid in dropped_dup:
            return "duplicate"
        return "kept:no_exporter" if row.kind == "unpaired" else "kept:other_reason"

    fates = {(r.file, r.row): fate(r) for r in corpus.rows}
    clean = [r for r in corpus.rows if r.label == "clean"]
    planted = [r for r in corpus.rows if r.label != "clean"]
    by_design = [r for r in planted if (r.label, r.feature) in DOCUMENTED_MISSES]
    planted = [r for r in planted if (r.label, r.feature) not in DOCUMENTED_MISSES]

    # the breakdown (pytest -s)
    print(f"\nseed {SEED}, corpus: {len(corpus.rows)} rows, {len(clean)} clean, "
          f"{len(planted)} planted (+{len(by_design)} the checks leave alone by design)")
    print(f"validate: verdict {validate['verdict']}, checks {validate['checks']}")
    print(f"dedupe: {dedupe['duplicates']} duplicates in {dedupe['clusters']} clusters, "
          f"same_prompt {dedupe['same_prompt']}")
    for name, out in (("sft", sft), ("preference", pref)):
        print(f"export {name}: exported {out['exported']}, left out {out['left_out']}, "
              f"failed_checks_by_code {out.get('failed_checks_by_code', {})}")
    print("clean records by kind:")
    kept_total = 0
    for kind in ("sft", "preference", "unpaired"):
        rows = [r for r in clean if r.kind == kind]
        outcome = Counter(fates[(r.file, r.row)].split(":")[0] for r in rows)
        kept = outcome["exported"] + outcome["kept"]
        kept_total += kept
        codes = Counter(c for r in rows for c in findings.get(ids[(r.file, r.row)] or "", []))
        print(f"  {kind:<10} {len(rows):>4} rows, kept {kept} ({kept / len(rows):.1%}), "
              f"{dict(outcome)}, findings {dict(codes)}")
    print("clean records by feature:")
    by_feature: dict[str, Counter] = defaultdict(Counter)
    for r in clean:
        rid = ids[(r.file, r.row)]
        by_feature[f"{r.file}:{r.feature or '-'}"].update(
            findings.get(rid, []) if rid else [fates[(r.file, r.row)]])
        by_feature[f"{r.file}:{r.feature or '-'}"]["rows"] += 1
    for key, counts in sorted(by_feature.items()):
        print(f"  {key:<40} {dict(counts)}")
    print("planted defects:")
    by_defect: dict[str, Counter] = defaultdict(Counter)
    for r in planted + by_design:
        by_defect[f"{r.label}:{r.kind}:{r.feature or '-'}"][fates[(r.file, r.row)]] += 1
    for key, counts in sorted(by_defect.items()):
        print(f"  {key:<40} {dict(counts)}")
    lost = [(r.file, r.row, r.feature, fates[(r.file, r.row)]) for r in clean
            if fates[(r.file, r.row)].split(":")[0] not in ("exported", "kept")]
    missed = [(r.file, r.row, r.label, fates[(r.file, r.row)]) for r in planted
              if fates[(r.file, r.row)] in ("exported", "kept:no_exporter", "kept:other_reason")]
    print(f"clean records lost: {lost}")
    row_of = {rid: key for key, rid in ids.items() if rid}
    for members in clusters.values():
        if any(fates.get(row_of.get(m.record_id, ("", 0))) == "duplicate" for m in members):
            print("  cluster: " + ", ".join(f"{row_of.get(m.record_id)}{'*' if m.representative else ''}"
                                            f" {m.similarity}" for m in members))
    print(f"planted defects missed: {missed}")
    caught = [r for r in by_design if not fates[(r.file, r.row)].startswith(("exported", "kept"))]
    print(f"left alone by design: {len(caught)}/{len(by_design)} caught "
          f"({'; '.join(DOCUMENTED_MISSES.values())})")

    # every finding on a clean record is a known code with a severity
    for r in clean:
        rid = ids[(r.file, r.row)]
        for code in findings.get(rid or "", []):
            assert code in CHECK_CODES and code in severity, (r, code)
    errs = {(r.file, r.row): errors(rid) for r in clean if (rid := ids[(r.file, r.row)])}
    unexplained = {k: v for k, v in errs.items() if v and k not in DOCUMENTED_EXCEPTIONS}
    assert not unexplained, f"clean records with error findings: {unexplained}"
    assert not [k for k in fates if fates[k] == "kept:other_reason"], "unaccounted leave-outs"
    # a kept record may carry warnings: these carry one each and are exported
    for r in clean:
        if r.feature == "warning_expected":
            rid = ids[(r.file, r.row)]
            assert findings[rid] and not errors(rid) and fates[(r.file, r.row)] == "exported", r
    # KTO records appear in neither export: both count them as other_kind
    unpaired = sum(1 for r in corpus.rows if r.kind == "unpaired" and ids[(r.file, r.row)])
    pref_records = sum(1 for r in corpus.rows if r.kind == "preference" and ids[(r.file, r.row)])
    assert sft["left_out"]["other_kind"] == unpaired + pref_records

    assert kept_total / len(clean) >= 0.97, lost
    excluded = len(planted) - len(missed)
    print(f"kept {kept_total}/{len(clean)} clean ({kept_total / len(clean):.1%}); "
          f"excluded {excluded}/{len(planted)} planted ({excluded / len(planted):.1%})")
    assert excluded / len(planted) >= 0.95, missed
