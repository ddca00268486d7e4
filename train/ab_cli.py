"""`train ab`: blind A/B answers of two models, their report, and the LLM judge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

SUBCOMMANDS = ("generate", "report", "judge", "prefs")


class DefaultToGenerate(TyperGroup):
    """`train ab A B` means `train ab generate A B`; `report`, `judge` and `prefs` are words."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["generate", *args]
        return super().parse_args(ctx, args)


ab_app = typer.Typer(
    name="ab",
    cls=DefaultToGenerate,
    help="Blind A/B comparison: `train ab A B` writes answers; review them with "
    "`curate review --ab FILE`; `train ab report FILE` unblinds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@ab_app.command(
    "generate",
    epilog="Examples: train ab runs/b runs/a --out ab.jsonl  |  train ab base:runs/a runs/a  |  "
    "train ab runs/a openai:ft:gpt-4o-mini:acme::abc --prompts prompts.jsonl  |  "
    "train ab runs/a --b-base-url http://localhost:8000/v1 --b-model qwen --out ab.jsonl",
)
def generate_cmd(
    a: Annotated[
        str | None, typer.Argument(help="Side A: RUN_DIR, base:RUN_DIR or openai:MODEL.")
    ] = None,
    b: Annotated[
        str | None, typer.Argument(help="Side B: RUN_DIR, base:RUN_DIR or openai:MODEL.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="A/B file to write.")] = Path("ab.jsonl"),
    prompts: Annotated[
        Path | None,
        typer.Option("--prompts", help="Prompts in any format curate reads (default: test split)."),
    ] = None,
    split: Annotated[str, typer.Option("--split", help="Split of the run's export.")] = "test",
    max_samples: Annotated[
        int | None, typer.Option("--max-samples", min=1, help="Prompts to answer (default: all).")
    ] = None,
    max_new_tokens: Annotated[
        int, typer.Option("--max-new-tokens", min=1, help="Tokens per answer.")
    ] = 128,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the hidden left/right deal.")] = 0,
    rubric: Annotated[
        str | None, typer.Option("--rubric", help="Rubric YAML whose answer checks run.")
    ] = None,
    a_base_url: Annotated[
        str | None, typer.Option("--a-base-url", help="Side A: OpenAI-compatible server.")
    ] = None,
    a_model: Annotated[str | None, typer.Option("--a-model", help="Side A: its model.")] = None,
    b_base_url: Annotated[
        str | None, typer.Option("--b-base-url", help="Side B: OpenAI-compatible server.")
    ] = None,
    b_model: Annotated[str | None, typer.Option("--b-model", help="Side B: its model.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a summary as JSON.")] = False,
) -> None:
    """Answer the same prompts with A and B (timed, rubric-checked); write the blind A/B file."""
    from train.cli import domain_errors
    from train.cli import out as console

    with domain_errors():
        from train.ab import export_prompts, file_prompts, generate_ab, parse_side
        from train.errors import ConfigError

        if a_base_url or a_model:  # an endpoint A leaves the first argument to B
            a, b = None, b or a
        side_a = parse_side(a, a_base_url, a_model)
        side_b = parse_side(b, b_base_url, b_model)
        if prompts is not None:
            chosen = file_prompts(prompts)
        else:
            runs = [s for s in (side_a, side_b) if s.kind != "endpoint"]
            if not runs:
                raise ConfigError(
                    "Two endpoints have no export to take prompts from.",
                    "Pass --prompts FILE.",
                )
            chosen = export_prompts(runs[0].target, split)
        chosen = chosen[:max_samples] if max_samples else chosen
        from train.fit import quiet_libraries

        quiet_libraries()
        from curate.cli.output import record_progress

        with record_progress("answering", len(chosen), min_total=1) as tick:
            items = generate_ab(
                side_a, side_b, chosen, out, seed, max_new_tokens, rubric, tick=tick
            )
        summary = {"file": str(out), "items": len(items), "seed": seed}
        if as_json:
            print(json.dumps(summary, indent=2))
        else:
            console.print(
                f"Wrote {len(items)} A/B items to {out} (sides hidden, seed {seed}). "
                f"Review them blind: curate review --ab {out}",
                highlight=False,
            )


def open_decisions(file: Path, decisions: Path | None) -> tuple[list[Any], Any]:
    """The A/B items of ``file`` and the store of their decisions."""
    from curate.ab.abfile import file_key, read_ab
    from curate.ab.decisions import DecisionStore, decisions_path

    items = read_ab(file)
    return items, DecisionStore(decisions or decisions_path(file), file_key(items))


DECISIONS_HELP = "Decisions file (default: the workspace's, else FILE.decisions.sqlite)."


@ab_app.command(
    "report",
    epilog="Examples: train ab report ab.jsonl  |  train ab report ab.jsonl --json --png ab.png",
)
def report_cmd(
    file: Annotated[Path, typer.Argument(help="A/B file written by train ab.")],
    decisions: Annotated[Path | None, typer.Option("--decisions", help=DECISIONS_HELP)] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Write a chart here.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Unblind the verdicts: A vs B wins, ties, 95% interval, per category, and the matrix."""
    from train.cli import domain_errors
    from train.cli import out as console

    with domain_errors():
        from curate.ab.report import build_report, write_png

        items, store = open_decisions(file, decisions)
        try:
            report = build_report(items, store.latest("human"), store.latest("judge"), file)
        finally:
            store.close()
        if png is not None:
            write_png(report, png)
        if as_json:
            print(json.dumps(report, indent=2))
            return
        show_report(console, report)
        if png is not None:
            console.print(f"chart: {png}", highlight=False)


def show_report(console: Any, report: dict[str, Any]) -> None:
    """The report as a few lines and two tables."""
    from rich.table import Table

    from curate.ab.report import describe, summary_lines
    from curate.inert import inert

    models = report["models"]
    console.print(
        f"A = {inert(describe(models.get('A', {})))}   B = {inert(describe(models.get('B', {})))}",
        highlight=False,
        markup=False,
    )
    if any(m.get("smoke_run") for m in models.values()):
        console.print("Smoke run: a random tiny model wrote these answers; they mean nothing.")
    for who in ("human", "judge"):
        if report[who]["judged"]:
            console.print(summary_lines(report[who], who), highlight=False, markup=False)
    if not report["human"]["judged"] and not report["judge"]["judged"]:
        console.print(
            f"No verdicts yet on the {report['items']} items: decide them blind with "
            "`curate review --ab FILE`, or run `train ab judge FILE`.",
            highlight=False,
            markup=False,
        )
    agree = report.get("agreement")
    if agree and agree["items"]:
        kappa = "n/a" if agree["kappa"] is None else f"{agree['kappa']:.2f}"
        console.print(
            f"judge and people agree on {agree['agreeing']}/{agree['items']} items "
            f"(Cohen's kappa {kappa})",
            highlight=False,
        )
    matrix = Table(title="A vs B")
    for column in ("measure", "A", "B"):
        matrix.add_column(column, justify="left" if column == "measure" else "right")

    def fmt(value: Any, pct: bool = True) -> str:
        if value is None:
            return "n/a"
        return f"{value:.0%}" if pct else f"{value:.2f}s"

    m = report["matrix"]
    for label, key, pct in (
        ("format compliance (rubric answer checks)", "format_compliance", True),
        ("mean latency", "mean_latency_s", False),
        ("preference (people)", "human_preference", True),
        ("preference (judge)", "judge_preference", True),
    ):
        matrix.add_row(label, fmt(m["A"][key], pct), fmt(m["B"][key], pct))
    console.print(matrix)
    cats = Table(title="per category (people; judge in brackets)")
    for column in ("category", "A wins", "B wins", "ties", "both bad", "A win rate"):
        cats.add_column(column, justify="left" if column == "category" else "right")
    for name, both in report["by_category"].items():
        h, j = both["human"], both["judge"]

        def cell(key: str, h: dict[str, Any] = h, j: dict[str, Any] = j) -> str:
            return f"{h[key]} [{j[key]}]" if j["judged"] else str(h[key])

        rate = fmt(h["a_win_rate"])
        cats.add_row(
            inert(name), cell("a_wins"), cell("b_wins"), cell("ties"), cell("both_bad"), rate
        )
    console.print(cats)


@ab_app.command(
    "prefs",
    epilog="Examples: train ab prefs ab.jsonl  |  train ab prefs ab.jsonl --from judge  |  "
    "then: curate review --origin synthetic; curate export --format trl --kind preference",
)
def prefs_cmd(
    file: Annotated[Path, typer.Argument(help="A/B file written by train ab.")],
    source: Annotated[
        str, typer.Option("--from", help="Whose verdicts: human or judge.")
    ] = "human",
    decisions: Annotated[Path | None, typer.Option("--decisions", help=DECISIONS_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Add every won A/B item to the workspace as a preference pair (pending review)."""
    from train.cli import domain_errors
    from train.cli import out as console

    with domain_errors():
        from curate.ab.prefs import preference_records
        from curate.cli.locking import holding
        from curate.errors import UsageError
        from curate.workspace import find_workspace

        if source not in ("human", "judge"):
            raise UsageError(f"--from takes human or judge, not '{source}'.")
        items, store = open_decisions(file, decisions)
        try:
            latest = store.latest(source)
        finally:
            store.close()
        records = preference_records(items, latest, file)
        with find_workspace() as ws, holding(ws, "train ab prefs"):
            added, existing = ws.store.add_records(records)
        counts = {
            "decided": len(latest),
            "pairs": len(records),
            "added": added,
            "existing": existing,
            "ties_or_both_bad": len(latest) - len(records),
        }
        if as_json:
            print(json.dumps(counts, indent=2))
        else:
            console.print(
                f"{counts['pairs']} preference pairs from {counts['decided']} {source} verdicts "
                f"({added} new, {existing} already there; {counts['ties_or_both_bad']} ties or "
                "both bad stay decisions). They are pending review.",
                highlight=False,
            )


@ab_app.command(
    "judge",
    epilog="Examples: train ab judge ab.jsonl --provider openai --model gpt-4.1-mini "
    "--max-cost 1.00  |  train ab judge ab.jsonl --provider openai-compatible "
    "--base-url http://localhost:8000/v1 --model qwen  |  then: train ab report ab.jsonl",
)
def judge_cmd(
    file: Annotated[Path, typer.Argument(help="A/B file written by train ab.")],
    provider: Annotated[
        str, typer.Option("--provider", help="anthropic, openai or openai-compatible.")
    ] = "anthropic",
    model: Annotated[str | None, typer.Option("--model", help="Judge model.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Server of an openai-compatible judge.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", min=0, help="Hard budget in dollars.")
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Requests in flight.")
    ] = 4,
    decisions: Annotated[Path | None, typer.Option("--decisions", help=DECISIONS_HELP)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run as JSON.")] = False,
) -> None:
    """Judge every item twice, positions swapped; a side wins only when both orders agree."""
    from train.cli import domain_errors
    from train.cli import out as console

    with domain_errors():
        from curate.ab.judge import judge_file
        from curate.errors import UsageError
        from curate.providers.base import get_provider
        from curate.providers.pricing import PriceTable
        from curate.settings import Settings
        from curate.workspace import find_workspace

        settings = Settings()
        try:  # inside a workspace: its provider defaults and price overrides
            with find_workspace() as ws:
                settings = ws.settings
        except UsageError:
            pass
        defaults = getattr(settings.providers, provider, None)
        items, store = open_decisions(file, decisions)
        try:
            judge = get_provider(
                provider,
                model or (defaults.model if defaults else None),
                base_url=base_url or (defaults.base_url if defaults else None),
                api_key_env=defaults.api_key_env if defaults else None,
                concurrency=concurrency,
                max_retries=3,
            )
            prices = PriceTable.load(getattr(settings, "prices", None))
            run = judge_file(items, file, store, judge, max_cost, concurrency, prices=prices)
        finally:
            store.close()
        counts = {k: list(run.verdicts.values()).count(k) for k in ("A", "B", "tie")}
        summary = {
            "judge": run.decider,
            "items": len(items),
            "judged": len(run.verdicts),
            "a_wins": counts["A"],
            "b_wins": counts["B"],
            "ties": counts["tie"],
            "orders_disagreeing": sum(
                1
                for item_id, o in run.orders.items()
                if run.verdicts[item_id] == "tie" and (o["a_first"], o["b_first"]) != ("tie", "tie")
            ),
            "requests_sent": run.sent,
            "requests_reused": run.reused,
            "failed": run.failed,
            "cost_usd": round(run.cost, 6),
            "stopped": run.stopped,
        }
        if as_json:
            print(json.dumps(summary, indent=2))
        else:
            console.print(
                f"{run.decider} judged {summary['judged']}/{len(items)} items in both orders: "
                f"A {counts['A']}, B {counts['B']}, tie {counts['tie']} "
                f"({summary['orders_disagreeing']} where the two orders disagreed count as ties); "
                f"{run.sent} requests sent, {run.reused} reused from the ledger, "
                f"${run.cost:.4f}. See: train ab report {file}",
                highlight=False,
                markup=False,
            )
        if run.stopped:
            from train.cli import err

            err.print(f"The judge stopped early: {run.stopped}.", highlight=False, markup=False)
            raise typer.Exit(1)
