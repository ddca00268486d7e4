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
