"""``curate synth``: synthetic SFT records and preference pairs from an LLM API."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from curate.cli.locking import WaitOpt
from curate.cli.output import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    cli_errors,
    console,
    err_console,
    exit_with,
    print_json,
    warn,
)
from curate.providers.pricing import dollars
from curate.synth.generate import SynthOptions, SynthResult, synthesize
from curate.synth.runner import RunStats
from curate.synth.template import DIFFICULTIES
from curate.workspace import find_workspace

EXAMPLES = """\b
Examples:
  curate synth --topic "Kafka ops" -n 20
  curate synth --topic "Kafka ops" -n 20 --dry-run
  curate synth --topic "Postgres tuning" -n 50 --provider openai --max-cost 2.50
  curate synth --topic "Terraform" -n 30 --kind preference --difficulty advanced
  curate synth --topic "SQL" -n 10 --provider openai-compatible \\
      --base-url http://localhost:8000/v1 --model Qwen/Qwen2.5-7B-Instruct
  curate synth --pairs-from-sft -n 40

\b
Every request is kept in .curate/ledger.sqlite: a repeated command sends nothing new,
a killed run resumes where it stopped, --fresh asks for new samples (up to -n records in
all). Records enter the workspace as synthetic and pending review. One synth runs at a time
per workspace: a second one says which run holds it (or waits with --wait SECONDS). Keys come from ANTHROPIC_API_KEY /
OPENAI_API_KEY (or the variable named by api_key_env in curate.toml) and are never stored.

\b
Exit codes: 0 all -n records made; 1 fewer (budget, quota, failures; the output says what
helps); 2 usage error, missing key, the real:synthetic limit, a workspace busy with another
run, or a server that cannot be reached."""


def _difficulties(values: list[str] | None) -> tuple[str, ...]:
    if not values:
        return DIFFICULTIES
    out: list[str] = []
    for value in values:
        out.extend(v.strip().lower() for v in value.split(",") if v.strip())
    return tuple(out)


@contextlib.contextmanager
def run_progress(total: int, show: bool) -> Iterator[Callable[[RunStats], None] | None]:
    """A rich progress bar on stderr: records made, requests sent and failed, tokens, cost."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]Generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("synth", total=total, info="")

        def update(s: RunStats) -> None:
            info = (
                f"sent {s.sent} · failed {s.failed} · "
                f"tokens {s.input_tokens + s.output_tokens:,} · {dollars(s.cost)}"
            )
            bar.update(task, completed=min(s.counted, total), info=info)

        yield update


def synth_command(
    topic: Annotated[
        str | None, typer.Option("--topic", "-t", help="What the samples are about.")
    ] = None,
    n: Annotated[int, typer.Option("-n", help="How many records to make (valid, new ones).")] = 20,
    provider: Annotated[
        str | None,
        typer.Option(
            "--provider", help="anthropic, openai or openai-compatible (default: anthropic)."
        ),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Model name (default: curate.toml).")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url", help="Server address for vLLM, Ollama or another compatible API."
        ),
    ] = None,
    kind: Annotated[str, typer.Option("--kind", help="sft or preference (DPO pairs).")] = "sft",
    difficulty: Annotated[
        list[str] | None,
        typer.Option(
            "--difficulty",
            help="beginner, intermediate and/or advanced (repeat or comma-separate; default: equal shares of all three).",
        ),
    ] = None,
    template: Annotated[
        str | None,
        typer.Option(
            "--template", help="A template file (TOML) or a shipped name: sft, preference, pairs."
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", help="Requests in flight at once.")
    ] = 8,
    rpm: Annotated[
        float | None, typer.Option("--rpm", help="Client-side limit in requests per minute.")
    ] = None,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", help="Hard budget in dollars: stop before exceeding it."),
    ] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-tokens", help="Output token limit per request (default: the template's)."
        ),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds per attempt.")] = 120.0,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Show the prompts, the request count and the estimated cost; send nothing.",
        ),
    ] = False,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help="Ask for new samples instead of the requests already answered in the ledger, "
            "until this topic has -n records in all (when a run ran out of new answers).",
        ),
    ] = False,
    allow_over_ratio: Annotated[
        bool,
        typer.Option(
            "--allow-over-ratio",
            help="Generate even past the synthetic-share limit (export still enforces it).",
        ),
    ] = False,
    pairs_from_sft: Annotated[
        bool,
        typer.Option(
            "--pairs-from-sft", help="Turn the workspace's SFT records into preference pairs."
        ),
    ] = False,
    wait: WaitOpt = 0.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Generate synthetic records into the workspace, pending review."""
    options = SynthOptions(
        topic=topic,
        n=n,
        kind=kind,
        provider=provider,
        model=model,
        base_url=base_url,
        difficulties=_difficulties(difficulty),
        template=template,
        concurrency=concurrency,
        rpm=rpm,
        max_cost=max_cost,
        max_tokens=max_tokens,
        timeout=timeout,
        dry_run=dry_run,
        fresh=fresh,
        allow_over_ratio=allow_over_ratio,
        pairs_from_sft=pairs_from_sft,
        lock_wait=wait,
    )
    with cli_errors():
        ws = find_workspace()
        try:
            with run_progress(n, err_console.is_terminal and not dry_run) as progress:
                result = synthesize(ws, options, on_update=progress)
        except KeyboardInterrupt:
            err_console.print(
                "[red]Interrupted.[/red] Answers already received are kept in the ledger; "
                "run the same command again to resume."
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None
        finally:
            ws.close()
    for note in result.notes:
        warn(note)
    if json_out:
        print_json(result.to_dict())
    elif result.dry_run is not None:
        show_dry_run(result)
    else:
        show_result(result)
    exit_with(EXIT_OK if result.exit_code == 0 else EXIT_FINDINGS)


def show_dry_run(result: SynthResult, full: int = 3) -> None:
    """The system prompt, the first prompts in full, a table of every request, the cost."""
    d = result.dry_run or {}
    plan = result.plan
    console.print(
        f"[bold]Dry run[/bold]: {plan.provider} {escape(plan.model)}, kind {plan.kind}, "
        f"template {escape(plan.template.label)}; nothing is sent."
    )
    console.print("[bold]System prompt[/bold]")
    console.print(escape(d.get("system", "")), soft_wrap=True)
    for req in d.get("requests", [])[:full]:
        console.print(f"\n[bold]Request {req['index'] + 1}[/bold]")
        console.print(escape(req["prompt"]), soft_wrap=True)
    table = Table(title="\nRequests", title_justify="left")
    for col in ("#", "difficulty", "angle / source", "flaw", "answered"):
        table.add_column(col)
    for req in d.get("requests", []):
        table.add_row(
            str(req["index"] + 1),
            req.get("difficulty", "-") or "-",
            escape(str(req.get("angle") or req.get("source_id") or "-")),
            req.get("flaw", "-") or "-",
            "yes" if req["answered"] else "",
        )
    console.print(table)
    cost = d.get("estimated_max_cost")
    cost_text = (
        f"at most {dollars(cost)}" if cost is not None else "unknown (no price for this model)"
    )
    console.print(
        f"{d.get('to_send', 0)} requests to send, {d.get('already_answered', 0)} already "
        f"answered in the ledger; about {d.get('estimated_input_tokens', 0):,} input tokens and "
        f"at most {d.get('max_output_tokens', 0):,} output tokens; cost {cost_text}."
    )
    line = budget_line(d)
    if line:
        console.print(line)
    console.print(escape(d.get("note", "")))
    _ratio_line(result)


def budget_line(d: dict[str, Any]) -> str | None:
    """When the estimate exceeds --max-cost: how many requests the budget covers."""
    budget, cost, fits = d.get("max_cost"), d.get("estimated_max_cost"), d.get("within_budget")
    if budget is None or cost is None or fits is None or cost <= budget:
        return None
    return (
        f"[yellow]Over budget:[/yellow] the estimate exceeds --max-cost ${budget:g}, which "
        f"covers at least {fits} of the {d.get('to_send', 0)} requests at their worst-case "
        "cost; the run may stop early (re-run with a higher --max-cost to continue; answers "
        "already bought are kept)."
    )


def show_result(result: SynthResult) -> None:
    s = result.stats
    assert s is not None
    plan = result.plan
    what = f"'{escape(plan.topic)}'" if plan.topic else "pairs from SFT records"
    console.print(
        f"{s.counted} of {s.target} synthetic {plan.kind} records ({what}) with "
        f"{plan.provider} {escape(plan.model)}: {s.new} new in the workspace, "
        f"{s.reused} answers reused from the ledger."
    )
    console.print(
        f"Requests sent {s.sent} (attempts {s.attempts}), failed {s.failed}; duplicates "
        f"{s.duplicates}, failed checks {s.check_failed}; tokens {s.input_tokens:,} in / "
        f"{s.output_tokens:,} out; cost {dollars(s.cost)}."
    )
    if s.usage_estimated:
        codes = ", ".join(f"{code} {n}" for code, n in s.usage_estimated.most_common())
        warn(
            f"{sum(s.usage_estimated.values())} answers came without a readable token usage "
            f"({codes}): each is charged its worst case (prompt estimate at the input price, "
            "max tokens at the output price)."
        )
    if s.prior:
        console.print(f"{s.prior} of the records come from earlier runs of this plan.")
    if s.failures:
        table = Table(title="Not counted, by reason", title_justify="left")
        table.add_column("reason")
        table.add_column("count", justify="right")
        for code, count in s.failures.most_common():
            table.add_row(escape(code), str(count))
        console.print(table)
    if s.stopped:
        err_console.print(f"[yellow]Stopped:[/yellow] {escape(s.message)}", soft_wrap=True)
        if s.advice:
            err_console.print(escape(s.advice), soft_wrap=True)
    if s.new:
        console.print("The new records are pending review: [bold]curate review[/bold].")
    _ratio_line(result)


def _ratio_line(result: SynthResult) -> None:
    r = result.ratio
    if r is None:
        return
    note = " (over the limit: allowed by --allow-over-ratio)" if not r.allowed else ""
    console.print(
        f"Synthetic share: {r.synthetic}/{r.real + r.synthetic} before this run; "
        f"limit {r.max_share:.0%}{note}."
    )


def register(app: typer.Typer) -> None:
    """Add ``curate synth`` to the app."""
    app.command(
        "synth",
        help=(
            "Generate synthetic SFT records or preference pairs with an LLM API into the "
            "workspace (synthetic, pending review), with a request ledger, a budget and the "
            "real:synthetic guard."
        ),
        epilog=EXAMPLES,
    )(synth_command)
