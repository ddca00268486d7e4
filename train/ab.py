"""`train ab`: answers of two sides (run directories or API endpoints) to the same prompts.

A side is a run directory (its adapter on its base, or its full model), ``base:RUN_DIR`` (the
run's base model with the adapter switched off), ``openai:MODEL`` (OpenAI, ``ft:`` models
included) or an OpenAI-compatible server (``--a-base-url URL --a-model M``). Local answers are
greedy and stop at the template's end-of-turn token, as in `train eval`; endpoint answers are
asked at temperature 0. Every answer is timed and checked by the rubric's answer checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curate.ab.abfile import ABItem, write_ab
from train.errors import ConfigError


@dataclass
class SideSpec:
    """One side of the comparison, as named on the command line."""

    kind: str  # run, base, endpoint
    target: str  # run directory or model name
    base_url: str | None = None
    provider: str = "openai"
    options: dict[str, Any] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        if self.kind == "endpoint":
            from curate.providers.keys import mask_url

            return {
                "kind": "endpoint",
                "provider": self.provider,
                "model": self.target,
                "base_url": mask_url(self.base_url),
            }
        from train.rundir import open_run

        run = open_run(self.target)
        return {
            "kind": self.kind,
            "run_dir": str(run.path),
            "base_model": run.base_source,
            "adapter": run.is_adapter and self.kind == "run",
            "method": run.manifest.get("method"),
            "smoke_run": bool(run.manifest.get("smoke_run")),
        }


def parse_side(text: str | None, base_url: str | None = None, model: str | None = None) -> SideSpec:
    """``RUN_DIR``, ``base:RUN_DIR``, ``openai:MODEL``, or a server address and model."""
    if base_url or model:
        if not (base_url and model):
            raise ConfigError("An endpoint side needs both a base URL and a model name.")
        return SideSpec("endpoint", model, base_url=base_url, provider="openai-compatible")
    if not text:
        raise ConfigError("Each side needs a run directory, base:RUN_DIR or openai:MODEL.")
    if text.startswith("openai:"):
        return SideSpec("endpoint", text.removeprefix("openai:"), provider="openai")
    kind, target = (
        ("base", text.removeprefix("base:")) if text.startswith("base:") else ("run", text)
    )
    from train.rundir import open_run

    open_run(target)  # fails with one sentence when it is not a finished run
    return SideSpec(kind, target)


@dataclass
class Prompt:
    """One prompt to answer: its id, messages and tags."""

    id: str
    messages: list[dict[str, Any]]
    tags: dict[str, str]


def export_prompts(run_dir: str | Path, split: str = "test") -> list[Prompt]:
    """The prompts of ``split`` of the run's export (hash-checked like `train eval`)."""
    from train.data import check_files, open_export, read_rows
    from train.errors import PreflightRefused
    from train.evaluate import prompt_and_reference
    from train.rundir import open_run

    run = open_run(run_dir)
    export = open_export(run.manifest["dataset"]["export_dir"])
    if split not in export.splits:
        raise ConfigError(f"The run's export has no {split} split.", "Pick one with --split.")
    bad = [c for c in check_files(export) if c.split == split and not c.ok]
    if bad:
        raise PreflightRefused(f"{bad[0].path} does not match its manifest hash; export again.")
    out = []
    for index, row in enumerate(read_rows(export.path_of(split))):
        prompt, _ = prompt_and_reference(row)
        messages = [{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt
        tags = row.get("tags") if isinstance(row.get("tags"), dict) else {}
        out.append(Prompt(str(row.get("id") or f"row-{index + 1}"), messages, tags))
    return out


def file_prompts(path: str | Path) -> list[Prompt]:
    """The prompts of a file in any format curate reads (rejected rows are skipped)."""
    from curate.api import read_records
    from curate.records import Record

    out = []
    for record in read_records(path):
        if not isinstance(record, Record):
            continue
        messages = [m.model_dump(exclude_none=True) for m in record.prompt_messages()]
        if messages:
            out.append(Prompt(record.id, messages, dict(record.tags)))
    if not out:
        raise ConfigError(f"{path} holds no prompt curate can read.")
    return out


class LocalSide:
    """A run's model (tuned, or its base with the adapter off) answering one prompt at a time."""

    def __init__(self, spec: SideSpec, device: str, max_new_tokens: int) -> None:
        from train.model import load_for_inference
        from train.rundir import load_run_tokenizer, load_tuned, open_run
        from train.turns import stop_token_ids

        run = open_run(spec.target)
        self.tokenizer = load_run_tokenizer(run)
        base = load_for_inference(run.base_source, run.config, device)
        self.stops = stop_token_ids(self.tokenizer, base.generation_config)
        self.adapter_off = spec.kind == "base" and run.is_adapter
        if run.is_adapter:
            self.model = load_tuned(run, base, device)  # disable_adapter() gives the base
        else:
            self.model = base if spec.kind == "base" else load_tuned(run, base, device)
        self.device = device
        self.max_new_tokens = max_new_tokens

    def answer(self, messages: list[dict[str, Any]]) -> str:
        from train.evaluate import generate

        off = self.model.disable_adapter() if self.adapter_off else contextlib.nullcontext()
        with off:
            return generate(
                self.model, self.tokenizer, messages, self.max_new_tokens, self.device, self.stops
            ).text


class EndpointSide:
    """An OpenAI or OpenAI-compatible model answering through curate's providers."""

    def __init__(self, spec: SideSpec, max_new_tokens: int) -> None:
        from curate.providers.base import get_provider

        self.provider = get_provider(
            spec.provider, spec.target, base_url=spec.base_url, max_retries=3
        )
        self.model = spec.target
        self.max_new_tokens = max_new_tokens
        self.loop = asyncio.new_event_loop()  # the client's connections live on one loop

    def answer(self, messages: list[dict[str, Any]]) -> str:
        request = self.provider.request(
            [{"role": m["role"], "content": m.get("content") or ""} for m in messages],
            max_tokens=self.max_new_tokens,
            temperature=0.0,
        )
        return self.loop.run_until_complete(self.provider.complete(request)).text

    def close(self) -> None:
        self.loop.run_until_complete(self.provider.aclose())
        self.loop.close()


def open_side(spec: SideSpec, device: str, max_new_tokens: int) -> LocalSide | EndpointSide:
    if spec.kind == "endpoint":
        return EndpointSide(spec, max_new_tokens)
    return LocalSide(spec, device, max_new_tokens)


def generate_ab(
    a: SideSpec,
    b: SideSpec,
    prompts: list[Prompt],
    out: str | Path,
    seed: int = 0,
    max_new_tokens: int = 128,
    rubric: str | Path | None = None,
    device: str | None = None,
    tick: Callable[[int, int], None] | None = None,
) -> list[ABItem]:
    """Answer every prompt with both sides, time each answer, and write the A/B file."""
    from train.rubriccheck import load_checker

    checker = load_checker(rubric)
    if device is None:
        device = "cpu"
        if "run" in (a.kind, b.kind) or "base" in (a.kind, b.kind):
            import torch

            device = "cuda" if torch.cuda.is_available() else "cpu"
    desc_a, desc_b = a.describe(), b.describe()
    side_a = open_side(a, device, max_new_tokens)
    side_b = open_side(b, device, max_new_tokens)
    items = []
    for index, prompt in enumerate(prompts):
        if tick is not None:
            tick(index, len(prompts))
        answers, latencies = [], []
        for side in (side_a, side_b):
            start = time.perf_counter()
            answers.append(side.answer(prompt.messages))
            latencies.append(round(time.perf_counter() - start, 4))
        items.append(
            ABItem(
                id=prompt.id,
                messages=prompt.messages,
                answer_a=answers[0],
                answer_b=answers[1],
                seed=seed,
                category=prompt.tags.get("category"),
                latency_a_s=latencies[0],
                latency_b_s=latencies[1],
                rubric_a=checker.findings(prompt.messages, answers[0], prompt.tags),
                rubric_b=checker.findings(prompt.messages, answers[1], prompt.tags),
                model_a=desc_a,
                model_b=desc_b,
            )
        )
    for side in (side_a, side_b):
        if isinstance(side, EndpointSide):
            side.close()
    write_ab(out, items)
    return items
