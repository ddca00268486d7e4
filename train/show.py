"""Console views of the preflight report, a finished run and an evaluation."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from train.preflight import PreflightReport


def preflight(console: Any, report: PreflightReport) -> None:
    """Samples as rendered, per-split counts with reasons, notes and refusals."""
    for sample in report.samples:
        if "rendered" in sample:
            text = Text.assemble(
                sample["rendered"], ("\n--- loss on: ", "dim"), " | ".join(sample["trained"])
            )
        else:
            text = Text.assemble(
                sample["prompt"],
                ("\nchosen: ", "green"),
                sample["chosen"],
                ("\nrejected: ", "red"),
                sample["rejected"],
            )
        title = Text(f"sample {sample.get('id') or ''}")
        console.print(Panel(text, title=title, title_align="left", expand=False))
    if report.splits:
        table = Table(title=f"preflight ({report.method}, max_length {report.max_length})")
        for col in ("split", "rows", "kept", "truncated", "dropped", "max tokens", "mean tokens"):
            table.add_column(col, justify="left" if col == "split" else "right")
        for name, s in report.splits.items():
            table.add_row(
                name,
                str(s.rows),
                str(s.kept),
                str(s.truncated),
                str(s.dropped),
                str(s.max_tokens),
                str(s.mean_tokens),
            )
        console.print(table)
        for name, s in report.splits.items():
            for reason, count in s.reasons.items():
                examples = ", ".join(s.examples.get(reason, []))
                console.print(line(f"{name}: {reason} ", "bold", f"{count} (e.g. {examples})"))
    if report.plan:
        p = report.plan
        console.print(
            f"plan: {p['adapter']} on {p['hardware']}; batch {p['per_device_batch_size']} x "
            f"{p['gradient_accumulation_steps']} accumulation, checkpointing "
            f"{'on' if p['gradient_checkpointing'] else 'off'}, bf16 {'on' if p['bf16'] else 'off'}"
            f"{', fp16 with loss scaling' if p.get('fp16') else ''}, optimizer {p['optim']}; chat template: {report.chat_template or 'n/a'}",
            highlight=False,
        )
        if "learning_rate" in p:
            console.print(
                f"learning rate {p['learning_rate']:g} ({p['learning_rate_source']})",
                highlight=False,
            )
        sched = p.get("schedule")
        if sched:
            evals = (
                f", {sched['evaluations_planned']} evaluation(s)"
                if sched["evaluations_planned"]
                else ", no validation split"
            )
            console.print(
                f"schedule: {sched['epochs']:g} epoch(s), about {sched['total_steps_estimated']} "
                f"steps; checkpoint every {sched['checkpoint_every']} steps "
                f"({sched['checkpoint_every_source']}){evals}, newest "
                f"{sched['save_total_limit']} checkpoints kept with the best",
                highlight=False,
            )
    for note in report.notes:
        console.print(line("note: ", "yellow", note))
    for refusal in report.refusals:
        console.print(line(f"refused ({refusal['code']}): ", "red", refusal["message"]))


def line(label: str, style: str, text: str) -> Text:
    """A styled label followed by plain text (no markup parsing of the text)."""
    return Text.assemble((label, style), text)


def loss_text(value: float | None) -> str:
    """A loss for the console: four decimals (JSON output keeps full precision).

    >>> loss_text(2.345678), loss_text(None), loss_text(0.00001234)
    ('2.3457', 'n/a', '1.234e-05')
    """
    if value is None:
        return "n/a"
    return f"{value:.4f}" if value == 0 or abs(value) >= 1e-4 else f"{value:.4g}"


def result(console: Any, res: Any) -> None:
    """Where the outputs are and the headline numbers."""
    final = res.metrics["final"]
    console.print(
        f"[bold green]done[/bold green]: {final['global_step']} steps, epoch {final['epoch'] or 0:.2f}, "
        f"train loss {loss_text(final['train_loss'])}",
        highlight=False,
    )
    measures(console, res.metrics)
    _outputs(console, res)


def measures(console: Any, metrics: dict[str, Any]) -> None:
    """Best validation loss, early stopping and the overfitting warning of a run's metrics."""
    final = metrics["final"]
    if final.get("best_eval_loss") is not None:
        extra = (
            f", perplexity {final['best_perplexity']:.2f}" if final.get("best_perplexity") else ""
        )
        console.print(
            f"best validation loss {loss_text(final['best_eval_loss'])} at step {final['best_step']}{extra}"
        )
    if metrics.get("early_stopped"):
        console.print(
            "[yellow]stopped early: validation loss stopped improving; the best checkpoint was restored[/yellow]"
        )
    if metrics.get("overfitting_warning"):
        console.print(line("warning: ", "red", metrics["overfitting_warning"]))


def completed(console: Any, run_dir: Any, metrics: dict[str, Any]) -> None:
    """A resumed run that had already finished: nothing trained, its final metrics."""
    final = metrics.get("final") or {}
    epoch = final.get("epoch") or 0
    where = escape(str(run_dir))
    console.print(
        f"[bold green]already complete[/bold green]: {where} finished after "
        f"{final.get('global_step', 0)} steps, epoch {epoch:.2f}, "
        f"train loss {loss_text(final.get('train_loss'))}; nothing to resume.",
        highlight=False,
    )
    if final:
        measures(console, metrics)
    console.print(f"metrics in {where}/metrics.json; evaluate with `train eval {where}`.")


def _outputs(console: Any, res: Any) -> None:
    if not res.plot_written:
        console.print(
            "[yellow]note:[/yellow] matplotlib is not installed, so loss.png was not written."
        )
    weights = res.manifest.get("outputs", {}).get("weights", "adapter")
    console.print(
        f"outputs in {res.run_dir}: {weights}/, tokenizer/, metrics.json, loss.png, run_manifest.json, preflight.json"
    )
    if res.manifest.get("smoke_run"):
        console.print(
            "[bold yellow]SMOKE RUN[/bold yellow]: tiny-random is a random model; the adapter is for testing only."
        )


def evaluation(console: Any, report: dict[str, Any]) -> None:
    """The evaluation summary table."""
    table = Table(title=f"base vs tuned on {report['split']}")
    table.add_column("measure")
    table.add_column("base", justify="right")
    table.add_column("tuned", justify="right")
    ppl = report["perplexity"]
    fb, ft = report["format"]["base"], report["format"]["tuned"]

    def fmt(v: Any) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    table.add_row("perplexity", fmt(ppl["base"]), fmt(ppl["tuned"]))
    table.add_row("all format checks pass", fmt(fb["rate"]), fmt(ft["rate"]))
    for name in sorted(set(fb["checks"]) | set(ft["checks"])):
        table.add_row(
            name,
            fmt(fb["checks"].get(name, {}).get("rate")),
            fmt(ft["checks"].get(name, {}).get("rate")),
        )
    rub = report["rubric"]
    table.add_row(
        f"no finding of the '{rub['name']}' rubric",
        fmt(rub["base"]["rate"]),
        fmt(rub["tuned"]["rate"]),
    )
    for code in sorted(set(rub["base"]["codes"]) | set(rub["tuned"]["codes"])):
        table.add_row(
            f"  {code} (answers)",
            str(rub["base"]["codes"].get(code, 0)),
            str(rub["tuned"]["codes"].get(code, 0)),
        )
    console.print(table)
    console.print(f"side-by-side samples: {report['run_dir']}/eval_report.md")
