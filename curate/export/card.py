"""The dataset card (README.md): what an export holds, how it was made, and its statistics.

The card carries Hugging Face front matter (``configs`` with the split files) so the folder
loads on the Hub as it is; it holds no timestamp, so the same export gives the same card.
"""

from __future__ import annotations

from typing import Any

from curate.checks.codes import meaning
from curate.export.manifest import findings_notes
from curate.export.plan import ExportPlan
from curate.export.policy import REASONS
from curate.export.stats import export_stats, generators
from curate.split.ratios import SPLITS


def _size_category(n: int) -> str:
    for limit, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return label
    return "100K<n<1M" if n < 1_000_000 else "n>1M"


def front_matter(plan: ExportPlan, files: dict[str, str]) -> list[str]:
    total = sum(len(plan.rows[s]) for s in files)
    lines = ["---", "configs:", "- config_name: default", "  data_files:"]
    for split, path in files.items():
        lines += [f"  - split: {split}", f"    path: {path}"]
    lines += [
        "task_categories:",
        "- text-generation",
        "tags:",
        "- curate-ft",
        f"- {plan.options.kind}",
        f"- {plan.target.name}",
        "size_categories:",
        f"- {_size_category(total)}",
        "---",
    ]
    return lines


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def _pct(x: float) -> str:
    return f"{x:.1%}"


def contents(plan: ExportPlan, files: dict[str, str], stats: dict[str, Any]) -> list[str]:
    lines = ["## What is in it", ""]
    rows = []
    for split, path in files.items():
        st, share = stats[split], plan.shares[split]
        rows.append(
            [
                split,
                f"`{path}`",
                st["records"],
                st["origin"]["real"],
                st["origin"]["synthetic"],
                _pct(share.share),
            ]
        )
    o = stats["overall"]
    rows.append(
        [
            "**total**",
            "",
            o["records"],
            o["origin"]["real"],
            o["origin"]["synthetic"],
            _pct(plan.overall.share),
        ]
    )
    lines += _table(["split", "file", "records", "real", "synthetic", "synthetic share"], rows)
    lines += [
        "",
        f"Kind: {plan.options.kind}. Synthetic share limit: {plan.options.max_synthetic_share:.0%} per split.",
        "",
    ]
    for key in ("category", "difficulty", "language"):
        values = o["tags"].get(key)
        if not values:
            continue
        lines += [f"### By {key}", ""]
        table = [
            [v, *(stats[s]["tags"].get(key, {}).get(v, 0) for s in files), n]
            for v, n in values.items()
        ]
        lines += _table([key, *files, "total"], table) + [""]
    lines += ["### Lengths", ""]
    table = []
    for split in [*files, "overall"]:
        st = stats[split]
        t, p, a = st["turns"], st["prompt_chars"], st["answer_chars"]
        table.append(
            [
                split,
                f"{t['median']:g} / {t['max']}",
                f"{p['median']:g} / {p['mean']:g} / {p['max']}",
                f"{a['median']:g} / {a['mean']:g} / {a['max']}",
                st["tools"],
            ]
        )
    lines += _table(
        [
            "split",
            "turns (median / max)",
            "prompt characters (median / mean / max)",
            "answer characters (median / mean / max)",
            "with tools",
        ],
        table,
    )
    lines += ["", "### Generators", ""]
    gens = generators([r for s in SPLITS for r in plan.records[s]])
    if gens:
        lines += _table(
            ["provider", "model", "records"],
            [
                [g["provider"] or "not recorded", g["model"] or "not recorded", g["records"]]
                for g in gens
            ],
        )
        if any(g.get("note") for g in gens):
            lines += [
                "",
                "*not recorded*: records imported as synthetic (`curate import --origin "
                "synthetic`) without the provider and model that generated them.",
            ]
    else:
        lines.append("No synthetic records.")
    return lines + [""]


def provenance(plan: ExportPlan) -> list[str]:
    c = plan.checks
    lines = ["## How it was made", ""]
    lines.append(
        f"1. Records were imported into a curate-ft workspace ({plan.selection.considered} stored records were considered)."
    )
    if c.run_id is None:
        lines.append("2. The checklist was not applied (`--skip-checks`).")
    else:
        s = c.summary
        overall = s.get("overall")
        lines.append(
            f"2. `curate validate` (run {c.run_id}, rubric {s.get('rubric', 'default')}) gave the verdict "
            f"**{s.get('verdict', 'unknown')}**"
            + (f", overall score {overall:g}." if overall is not None else ".")
        )
    lines.append(
        "3. `curate dedupe` has not run: duplicates are unknown."
        if plan.dedupe_run is None
        else f"3. `curate dedupe` (run {plan.dedupe_run}) clustered duplicates; only representatives are exported."
    )
    lines.append(
        f"4. `curate split` (run {plan.split_run}) assigned train / validation / test without leakage."
    )
    lines.append(f"5. `curate export --format {plan.target.name}` applied this policy:")
    lines += [f"   - {rule}" for rule in plan.rules]
    pillars = {k: v for k, v in c.summary.get("scores", {}).items()} if c.run_id else {}
    if pillars:
        lines += ["", "Checklist scores (0-100, whole workspace at validation):", ""]
        lines += _table(
            ["pillar", "score"],
            [[k, "not assessed" if v is None else f"{v:g}"] for k, v in pillars.items()],
        )
    left = plan.selection.left_out_dict()
    lines += ["", "Records left out, by reason:", ""]
    if left:
        lines += _table(
            ["reason", "records", "meaning"], [[k, n, REASONS[k]] for k, n in left.items()]
        )
    else:
        lines.append("None.")
    by_code = plan.selection.failed_checks_by_code()
    if by_code:
        lines += ["", "`failed_checks` by error code (a record with two codes counts under each):", ""]
        lines += _table(["code", "records", "meaning"], [[f"`{c}`", n, meaning(c)] for c, n in by_code.items()])
    notes = findings_notes(plan)
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    if plan.notes:
        lines += ["", *(f"- {note}" for note in plan.notes)]
    return lines + [""]


def usage(plan: ExportPlan, files: dict[str, str]) -> list[str]:
    loader = "parquet" if plan.container == "parquet" else "json"
    mapping = ", ".join(f'"{s}": "{p}"' for s, p in files.items())
    lines = [
        "## Using it",
        "",
        "```python",
        "from datasets import load_dataset",
        f'ds = load_dataset("{loader}", data_files={{{mapping}}})',
        "```",
        "",
    ]
    if plan.target.name == "trl":
        lines += [
            "Train with `train run --data .` (curate-ft), or pass the splits to TRL's SFTTrainer / DPOTrainer.",
            "",
        ]
    if plan.target.name == "llama-factory":
        lines += [
            "`dataset_info.json` registers each split for LLaMA-Factory (`dataset_dir` = this folder).",
            "",
        ]
    lines += [
        "`manifest.json` lists the SHA-256 of every file, the policy and its counts; check it before training.",
        "",
    ]
    return lines


def render_card(plan: ExportPlan, files: dict[str, str], title: str, version: str) -> str:
    """The README.md text of an export."""
    stats = export_stats({s: plan.records[s] for s in files})
    layout = plan.layout.options.get("shape")
    how = f", {layout} layout" if layout else ""
    lines = [
        *front_matter(plan, files),
        "",
        f"# {title}",
        "",
        f"A fine-tuning dataset of {plan.options.kind} records in the **{plan.target.name}** "
        f"format{how}, exported by curate-ft {version} from a reviewed, checked and split workspace.",
        "",
        *contents(plan, files, stats),
        *provenance(plan),
        *usage(plan, files),
    ]
    return "\n".join(lines)
