"""The preflight refuses each guard case, and counts truncated and dropped samples exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from train_exports import tiny_settings, write_export

from train.config import build_config
from train.errors import ConfigError, PreflightRefused
from train.runner import preflight


def _refusal(settings: dict) -> PreflightRefused:
    with pytest.raises(PreflightRefused) as info:
        preflight(build_config(settings))
    return info.value


def _saved_codes(run: Path) -> list[str]:
    report = json.loads((run / "preflight.json").read_text(encoding="utf-8"))
    assert report["ok"] is False
    return [r["code"] for r in report["refusals"]]


def test_refuses_when_a_file_no_longer_matches_its_hash(sft_export: Path, tmp_path: Path) -> None:
    train = sft_export / "train.jsonl"
    train.write_text(
        train.read_text(encoding="utf-8").replace("ticket 3)", "ticket 33)"), encoding="utf-8"
    )
    exc = _refusal(tiny_settings(sft_export, tmp_path / "run"))
    assert "train.jsonl does not match its manifest hash" in str(exc)
    assert exc.exit_code == 1
    assert _saved_codes(tmp_path / "run") == ["hash_mismatch"]


def test_refuses_a_synthetic_share_over_the_limit(tmp_path: Path) -> None:
    export = write_export(tmp_path / "e", synthetic_share=0.45, max_synthetic_share=0.3)
    exc = _refusal(tiny_settings(export, tmp_path / "run"))
    assert "45%" in str(exc) and "30%" in str(exc)
    assert _saved_codes(tmp_path / "run") == ["synthetic_share"]
    # a looser limit given in the settings lets it through
    ok = preflight(build_config(tiny_settings(export, tmp_path / "run2", max_synthetic_share=0.5)))
    assert ok.report.ok


def _llama_dir(tmp_path: Path) -> Path:
    """A local tiny model whose name says llama."""
    from train import tiny

    tok = tiny.build_tokenizer(["select distinct rows from orders", "partition by date"])
    model = tiny.build_model(tok)
    target = tmp_path / "Llama-3-tiny"
    model.save_pretrained(str(target))
    tok.save_pretrained(str(target))
    return target


def test_refuses_a_base_model_of_the_generator_family(tmp_path: Path) -> None:
    export = write_export(
        tmp_path / "e",
        generators=[
            {"provider": "openai-compatible", "model": "llama-3.3-70b-instruct", "records": 9}
        ],
    )
    base = _llama_dir(tmp_path)
    settings = {**tiny_settings(export, tmp_path / "run"), "model": str(base)}
    exc = _refusal(settings)
    assert "llama family" in str(exc) and "--allow-same-family" in str(exc)
    assert _saved_codes(tmp_path / "run") == ["same_family"]
    allowed = preflight(
        build_config({**settings, "output_dir": str(tmp_path / "run2"), "allow_same_family": True})
    )
    assert allowed.report.ok and any("allowed by setting" in n for n in allowed.report.notes)


def test_same_family_check_ignores_generators_without_a_model(tmp_path: Path) -> None:
    from train.data import check_files, open_export
    from train.preflight import PreflightReport, check_export

    unrecorded = {
        "provider": None,
        "model": None,
        "records": 6,
        "note": "imported as synthetic; generator not recorded",
    }
    llama = {"provider": "openai-compatible", "model": "llama-3.3-70b-instruct", "records": 3}
    cfg = build_config(tiny_settings(tmp_path / "e", tmp_path / "run"))

    def checked(generators: list[dict]) -> PreflightReport:
        export = open_export(write_export(tmp_path / "e", generators=generators))
        report = PreflightReport()
        check_export(report, export, check_files(export), cfg, "llama")
        return report

    alone = checked([unrecorded])
    assert alone.ok and alone.export["generator_families"] == {}
    assert any("6 synthetic records have no recorded generator model" in n for n in alone.notes)
    mixed = checked([unrecorded, llama])
    assert mixed.codes() == ["same_family"] and "llama-3.3-70b-instruct" in mixed.refusals[0]["message"]


def test_refuses_samples_without_loss_tokens(tmp_path: Path) -> None:
    export = write_export(tmp_path / "e")
    rows = [
        json.loads(x) for x in (export / "train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    rows[3]["messages"] = rows[3]["messages"][:2]  # no assistant turn left
    _rewrite(export, "train", rows)
    exc = _refusal(tiny_settings(export, tmp_path / "run"))
    assert "no token to learn from" in str(exc) and "rec-0003" in str(exc)
    report = exc.report
    assert report.splits["train"].reasons == {"empty_loss_mask": 1}


def _rewrite(export: Path, split: str, rows: list[dict]) -> None:
    import hashlib

    path = export / f"{split}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    manifest = json.loads((export / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"][split]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (export / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_counts_truncated_and_dropped_samples_exactly(tmp_path: Path) -> None:
    # every 5th question is so long that no answer token fits in max_length (dropped); every
    # 7th answer runs past max_length (kept, truncated); rows 0 and 35 are both: dropped
    export = write_export(tmp_path / "e", long_every=5, long_answer_every=7)
    prep = preflight(build_config(tiny_settings(export, tmp_path / "run")))
    train = prep.report.splits["train"]
    assert (train.rows, train.truncated, train.dropped, train.kept) == (40, 4, 8, 32)
    assert train.reasons == {"no_loss_tokens_within_max_length": 8, "truncated_to_max_length": 4}
    assert train.examples["no_loss_tokens_within_max_length"][:2] == ["rec-0000", "rec-0005"]
    assert train.examples["truncated_to_max_length"] == [
        "rec-0007",
        "rec-0014",
        "rec-0021",
        "rec-0028",
    ]
    assert len(prep.datasets["train"]) == 32
    assert (
        "rec-0000" not in prep.datasets["train"]["id"]
        and "rec-0007" in prep.datasets["train"]["id"]
    )
    val = prep.report.splits[
        "validation"
    ]  # rows 40..47: 40 and 45 have long questions, 42 a long answer
    assert (val.truncated, val.dropped, val.kept) == (1, 2, 6)
    # with room for everything nothing is cut
    roomy = preflight(build_config(tiny_settings(export, tmp_path / "run2", max_length=4096)))
    assert roomy.report.splits["train"].truncated == 0 and roomy.report.splits["train"].kept == 40


def test_renders_samples_with_the_trained_part(sft_export: Path, tmp_path: Path) -> None:
    prep = preflight(build_config(tiny_settings(sft_export, tmp_path / "run", preview_samples=2)))
    assert len(prep.report.samples) == 2
    sample = prep.report.samples[0]
    assert sample["rendered"].startswith("<|im_start|>system\nYou are a careful data engineer.")
    assert sample["trained"][0].startswith("Number the rows per key") and sample["trained"][
        0
    ].endswith("<|im_end|>")
    assert "ticket 0" not in "".join(sample["trained"])  # the question is not learned


def test_method_must_match_the_export(pref_export: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="preference pairs"):
        preflight(build_config(tiny_settings(pref_export, tmp_path / "run", method="sft")))


def test_an_existing_run_is_not_overwritten(sft_export: Path, tmp_path: Path) -> None:
    preflight(build_config(tiny_settings(sft_export, tmp_path / "run")))
    with pytest.raises(ConfigError, match="already holds a run"):
        preflight(build_config(tiny_settings(sft_export, tmp_path / "run")))
    with pytest.raises(ConfigError, match="nothing to resume"):
        preflight(build_config(tiny_settings(sft_export, tmp_path / "fresh", resume=True)))


@pytest.mark.parametrize("kind", ["sft", "preference"])
def test_tokenising_reports_progress_per_split(kind: str, tmp_path: Path) -> None:
    from contextlib import contextmanager

    export = write_export(tmp_path / "export", kind=kind)
    seen: dict[str, list[tuple[int, int]]] = {}

    @contextmanager
    def progress(label: str, total: int):
        ticks = seen.setdefault(label, [])
        yield lambda done, n: ticks.append((done, n))

    prep = preflight(build_config(tiny_settings(export, tmp_path / "run")), progress=progress)
    noun = "tokenising" if kind == "sft" else "measuring"
    train_label = next(label for label in seen if label.startswith(noun) and "train" in label)
    rows = prep.report.splits["train"].rows
    assert seen[train_label] and all(n == rows for _, n in seen[train_label])
    assert seen[train_label][0][0] == 0
    assert any("validation" in label for label in seen)


def test_dpo_pairs_whose_answer_would_be_cut_are_dropped_and_counted(
    pref_export: Path, tmp_path: Path
) -> None:
    from train.data import load_splits, open_export
    from train.encode import measure_pair

    roomy = preflight(build_config(tiny_settings(pref_export, tmp_path / "roomy", max_length=4096)))
    assert "answer_cut_by_max_length" not in roomy.report.splits["train"].reasons
    rows = list(load_splits(open_export(pref_export))["train"])
    pairs = [measure_pair(row, roomy.tokenizer) for row in rows]
    longest = sorted(p.prompt + max(p.chosen, p.rejected) for p in pairs)
    limit = longest[len(longest) // 2]  # about half the pairs are longer
    cut = [p for p in pairs if p.prompt < limit < p.prompt + max(p.chosen, p.rejected)]
    assert 0 < len(cut) < len(pairs)

    prep = preflight(build_config(tiny_settings(pref_export, tmp_path / "run", max_length=limit)))
    train = prep.report.splits["train"]
    assert train.reasons.get("answer_cut_by_max_length") == len(cut) == train.dropped
    assert train.truncated == 0 and train.kept == len(pairs) - len(cut) == len(
        prep.datasets["train"]
    )
    # what is kept fits whole: no trained answer is cut
    kept = [measure_pair(row, prep.tokenizer) for row in prep.datasets["train"]]
    assert all(p.prompt + max(p.chosen, p.rejected) <= limit for p in kept)
    assert train.loss_tokens == sum(p.chosen + p.rejected for p in kept)
    assert any("answer_cut_by_max_length" in note for note in prep.report.notes)
