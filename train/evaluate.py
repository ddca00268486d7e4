"""`train eval`: base versus tuned model on a held-out split (perplexity, format, side by side)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from train.data import check_files, open_export, read_rows
from train.encode import IGNORE, clean_messages, encode_sft, is_chat
from train.errors import ConfigError, PreflightRefused
from train.files import write_bytes_atomic, write_json_atomic
from train.formatcheck import Answer, compliance, run_checks
from train.model import load_for_inference
from train.rubriccheck import RubricChecker, load_checker, summarise
from train.rundir import load_run_tokenizer, load_tuned, open_run
from train.turns import chat_format, stop_token_ids


def as_sft(row: dict[str, Any]) -> dict[str, Any]:
    """A preference row as an SFT row with the chosen answer (for perplexity)."""
    if "chosen" not in row:
        return row
    if is_chat(row.get("prompt")):
        return {"messages": list(row["prompt"]) + list(row["chosen"])}
    return {"prompt": row["prompt"], "completion": row["chosen"]}


def prompt_and_reference(row: dict[str, Any]) -> tuple[Any, str | None]:
    """The prompt to generate from (messages or text) and the reference answer."""
    row = as_sft(row)
    if is_chat(row.get("messages")):
        msgs = clean_messages(row["messages"])
        end = len(msgs)
        while end and msgs[end - 1]["role"] == "assistant":
            end -= 1
        reference = "\n".join(str(m.get("content") or "") for m in msgs[end:]) or None
        return msgs[:end], reference
    if is_chat(row.get("prompt")):
        return clean_messages(row["prompt"]), "\n".join(
            str(m.get("content") or "") for m in row["completion"]
        )
    return str(row.get("prompt") or ""), row.get("completion")


def mean_nll(model: Any, encoded: list[Any], device: str) -> float | None:
    """Mean negative log-likelihood per loss token over encoded samples."""
    import torch

    total, count = 0.0, 0
    with torch.no_grad():
        for enc in encoded:
            ids = torch.tensor([enc.input_ids], device=device)
            labels = torch.tensor([enc.labels], device=device)
            logits = model(input_ids=ids).logits[:, :-1].float()
            target = labels[:, 1:]
            mask = target != IGNORE
            if not mask.any():
                continue
            logp = torch.log_softmax(logits, dim=-1)
            picked = logp.gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1)
            total += float(-(picked[mask]).sum())
            count += int(mask.sum())
    return total / count if count else None


def generate(
    model: Any,
    tokenizer: Any,
    prompt: Any,
    max_new_tokens: int,
    device: str,
    stop_ids: list[int] | None = None,
) -> Answer:
    """Greedy answer to one prompt, and whether it ended with an end-of-turn token.

    Generation stops on ``stop_ids`` (default: :func:`train.turns.stop_token_ids`, the chat
    template's end-of-turn token and the end-of-sequence ids), not on the eos token alone.
    """
    import torch

    if isinstance(prompt, list):
        ids = tokenizer.apply_chat_template(
            prompt, add_generation_prompt=True, tokenize=True, return_dict=True
        )["input_ids"]
    else:
        ids = tokenizer(text=prompt)["input_ids"]
    stops = stop_ids or stop_token_ids(tokenizer, getattr(model, "generation_config", None))
    input_ids = torch.tensor([list(ids)], device=device)
    with torch.no_grad():
        out = model.generate(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=tokenizer.pad_token_id,
            eos_token_id=stops,
        )
    new = out[0, input_ids.shape[1] :].tolist()
    ends = [i for i, token in enumerate(new) if token in stops]
    finished = bool(ends)
    if finished:
        new = new[: ends[0]]
    return Answer(text=tokenizer.decode(new, skip_special_tokens=True), finished=finished)


def evaluate_run(
    run_dir: str | Path,
    data: str | Path | None = None,
    split: str = "test",
    max_samples: int = 20,
    max_new_tokens: int = 128,
    max_ppl_samples: int = 500,
    device: str | None = None,
    rubric: str | Path | None = None,
    tick: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Compare base and tuned model on ``split``; writes eval_report.json and eval_report.md.

    Answers are checked twice: by the format checks of :mod:`train.formatcheck`, and by the
    answer checks of the curate rubric (``rubric``: a YAML path, default the default rubric).
    ``tick(done, total)`` follows the generated samples (a progress bar).
    """
    import torch

    run = open_run(run_dir)
    rows = _checked_rows(data or run.manifest["dataset"]["export_dir"], split)
    checker = load_checker(rubric)  # a bad rubric fails before any model loads
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    tokenizer = load_run_tokenizer(run)
    assistant_only = run.config.assistant_only_loss and tokenizer.chat_template is not None
    encoded = _encode_rows(rows[:max_ppl_samples], tokenizer, assistant_only)
    base = load_for_inference(run.base_source, run.config, device)
    stops = stop_token_ids(tokenizer, base.generation_config)
    tuned = load_tuned(run, base, device)
    base_model = tuned if run.is_adapter else base

    def as_base():  # the adapter switched off, or the separate base model
        return tuned.disable_adapter() if run.is_adapter else contextlib.nullcontext()

    with as_base():
        base_nll = mean_nll(base_model, encoded, device)
    tuned_nll = mean_nll(tuned, encoded, device)
    chosen = rows[:max_samples]
    side = []
    for index, row in enumerate(chosen):
        if tick is not None:
            tick(index, len(chosen))
        prompt, _ = prompt_and_reference(row)
        with as_base():
            base_answer = generate(base_model, tokenizer, prompt, max_new_tokens, device, stops)
        tuned_answer = generate(tuned, tokenizer, prompt, max_new_tokens, device, stops)
        side.append(_sample(index, row, base_answer, tuned_answer, checker))
    report = {
        "run_dir": str(run.path),
        "smoke_run": bool(run.manifest.get("smoke_run")),
        "split": split,
        "perplexity_samples": len(encoded),
        "perplexity_over": "answer tokens" if assistant_only else "whole sequences",
        "stop_token_ids": stops,
        "generated_samples": len(side),
        "perplexity": {"base": _ppl(base_nll), "tuned": _ppl(tuned_nll)},
        "format": {
            "base": compliance([s["base_checks"] for s in side]),
            "tuned": compliance([s["tuned_checks"] for s in side]),
        },
        "rubric": {
            "name": checker.name,
            "base": summarise([s["base_rubric"] for s in side]),
            "tuned": summarise([s["tuned_rubric"] for s in side]),
        },
        "samples": side,
    }
    write_json_atomic(run.path / "eval_report.json", report)
    write_bytes_atomic(run.path / "eval_report.md", markdown(report).encode("utf-8"))
    return report


def _checked_rows(export_dir: str | Path, split: str) -> list[dict[str, Any]]:
    """The rows of the export's ``split``, once its file matches the manifest's hash."""
    export = open_export(export_dir)
    if split not in export.splits:
        raise ConfigError(
            f"The export has no {split} split.", "Pick another with --split validation."
        )
    bad = [c for c in check_files(export) if c.split == split and not c.ok]
    if bad:
        raise PreflightRefused(f"{bad[0].path} does not match its manifest hash; export again.")
    return read_rows(export.path_of(split))


def _encode_rows(rows: list[dict[str, Any]], tokenizer: Any, assistant_only: bool) -> list[Any]:
    """The rows encoded for perplexity; a row the template cannot mask is not scored."""
    fmt = chat_format(tokenizer, assistant_only) if tokenizer.chat_template is not None else None
    encoded = []
    for row in rows:
        with contextlib.suppress(ValueError):
            encoded.append(encode_sft(as_sft(row), tokenizer, fmt, assistant_only))
    return encoded


def _sample(
    index: int, row: dict[str, Any], base: Answer, tuned: Answer, checker: RubricChecker
) -> dict[str, Any]:
    """One side-by-side sample: the prompt, the reference, both answers and their checks."""
    prompt, reference = prompt_and_reference(row)
    prompt_text = (
        prompt
        if isinstance(prompt, str)
        else "\n".join(str(m.get("content") or "") for m in prompt)
    )
    tags = row.get("tags") if isinstance(row.get("tags"), dict) else None
    return {
        "id": row.get("id") or f"row {index + 1}",
        "prompt": prompt_text,
        "reference": reference,
        "base": base.text,
        "tuned": tuned.text,
        "base_checks": run_checks(prompt_text, reference, base),
        "tuned_checks": run_checks(prompt_text, reference, tuned),
        "base_rubric": checker.findings(prompt, base.text, tags),
        "tuned_rubric": checker.findings(prompt, tuned.text, tags),
    }


def _ppl(nll: float | None) -> float | None:
    return math.exp(nll) if nll is not None and nll < 700 else None


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown(report: dict[str, Any]) -> str:
    """The evaluation as a markdown page: summary tables, then side-by-side samples."""
    lines = [f"# Evaluation of {report['run_dir']} on the {report['split']} split", ""]
    if report["smoke_run"]:
        lines += ["**Smoke run: the base is a random tiny model; these numbers mean nothing.**", ""]
    ppl = report["perplexity"]
    fmt_b, fmt_t = report["format"]["base"], report["format"]["tuned"]
    lines += [
        "| measure | base | tuned |",
        "| --- | ---: | ---: |",
        f"| perplexity ({report['perplexity_samples']} samples) | {_fmt(ppl['base'])} | {_fmt(ppl['tuned'])} |",
        f"| answers passing every format check | {_fmt(fmt_b['rate'])} | {_fmt(fmt_t['rate'])} |",
    ]
    for name in sorted(set(fmt_b["checks"]) | set(fmt_t["checks"])):
        b = fmt_b["checks"].get(name, {}).get("rate")
        t = fmt_t["checks"].get(name, {}).get("rate")
        lines.append(f"| {name} | {_fmt(b)} | {_fmt(t)} |")
    rub = report["rubric"]
    lines.append(
        f"| answers with no finding of the '{rub['name']}' rubric | {_fmt(rub['base']['rate'])} "
        f"| {_fmt(rub['tuned']['rate'])} |"
    )
    for code in sorted(set(rub["base"]["codes"]) | set(rub["tuned"]["codes"])):
        b, t = rub["base"]["codes"].get(code, 0), rub["tuned"]["codes"].get(code, 0)
        lines.append(f"| rubric: {code} (answers) | {b} | {t} |")
    lines.append("")
    for sample in report["samples"]:
        lines += [
            f"## {sample['id']}",
            "",
            "**Prompt**",
            "",
            _quote(sample["prompt"]),
            "",
            "| base | tuned |",
            "| --- | --- |",
            f"| {_cell(sample['base'])} | {_cell(sample['tuned'])} |",
            f"| {_codes(sample['base_rubric'])} | {_codes(sample['tuned_rubric'])} |",
            "",
        ]
    return "\n".join(lines)


def _codes(codes: list[str]) -> str:
    return "rubric: " + (", ".join(f"`{c}`" for c in codes) if codes else "no finding")


def _quote(text: str) -> str:
    return "\n".join("> " + line for line in (text or "").splitlines()) or "> (empty)"


def _cell(text: str) -> str:
    return (text or "(empty)").replace("|", "\\|").replace("\n", "<br>")
