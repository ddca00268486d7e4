"""``curate dedupe``: cluster exact and near duplicates in the workspace, mark contamination."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from curate.cli.locking import WaitOpt, holding
from curate.cli.output import (
    EXIT_FINDINGS,
    EXIT_OK,
    cli_errors,
    console,
    exit_with,
    print_json,
    record_progress,
)

if TYPE_CHECKING:
    from curate.store import Store

EXAMPLES = """\b
Examples:
  curate dedupe
  curate dedupe --show --limit 5
  curate dedupe --threshold 0.9 --shingle 3 --json | jq .duplicates
  curate dedupe --exact-only
  curate dedupe --prompt-only --against mmlu_test.jsonl
  curate dedupe --wait 600     (queue behind another command changing the workspace)

Records are compared by every turn (compare = "all-turns" in curate.toml;
"prompt+answer" and "prompt-only" are the others): a preference pair by
prompt, chosen and rejected, a KTO record by prompt, completion and label.
Pairs that share a prompt but not their answers are no duplicates: they
are reported as same_prompt groups, which the split keeps together.

Duplicates are annotated as clusters, never deleted. Each cluster keeps
one representative: approved before pending before rejected, real
before synthetic, higher quality score, then oldest. Export leaves the
other members out, and records marked by --against too. Running again
replaces the previous results. While another command changes the
workspace, dedupe refuses at once naming it, or waits up to --wait seconds.

Exit codes: 0 done; 1 --against found contaminated records;
2 usage error, unreadable input or a busy workspace."""

PREVIEW = 160


def dedupe_command(
    exact_only: Annotated[bool, typer.Option("--exact-only", help="Only exact duplicates (after normalisation); no MinHash.")] = False,
    threshold: Annotated[float | None, typer.Option("--threshold", "-t", help="Jaccard similarity for near duplicates (default: curate.toml, 0.5).", show_default=False)] = None,
    num_perm: Annotated[int | None, typer.Option("--num-perm", help="MinHash permutations (default 128).", show_default=False)] = None,
    shingle: Annotated[int | None, typer.Option("--shingle", help="Words per shingle (default: curate.toml, 3).", show_default=False)] = None,
    prompt_only: Annotated[bool, typer.Option("--prompt-only", help="Compare the user turns only, not the answers (compare = prompt-only).")] = False,
    against: Annotated[list[Path] | None, typer.Option("--against", help="Mark records that duplicate a row of this dataset (repeatable).", show_default=False)] = None,
    against_from: Annotated[str | None, typer.Option("--from", "-f", help="Format of the --against files (detected when left out).")] = None,
    show: Annotated[bool, typer.Option("--show", help="List clusters with a side-by-side preview.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=0, help="Clusters shown by --show.")] = 10,
    wait: WaitOpt = 0.0,
    json_out: Annotated[bool, typer.Option("--json", help="Print the results as one JSON object.")] = False,
) -> None:
    """Find exact and near duplicates in the workspace and annotate them as clusters."""
    from curate.dedup.runner import dedupe_workspace
    from curate.errors import UsageError
    from curate.workspace import find_workspace

    with cli_errors(), find_workspace() as ws:
        if against_from and not against:
            raise UsageError("--from names the format of the --against files; give --against FILE.")
        with holding(ws, "curate dedupe", wait), record_progress("Hashing", ws.store.count()) as progress:
            outcome = dedupe_workspace(
                ws,
                exact_only=exact_only,
                threshold=threshold,
                num_perm=num_perm,
                shingle_size=shingle,
                prompt_only=prompt_only,
                against=against or [],
                against_format=against_from,
                progress=progress,
            )
        data = outcome.to_json()
        data["identical_rows"] = ws.store.identical_rows()
        shown = _shown(ws.store, outcome, limit) if show else []
    if json_out:
        if show:
            data["shown"] = shown
        print_json(data)
    else:
        _print_summary(data)
        for cluster in shown:
            console.print(_cluster_table(cluster))
        if show and len(outcome.result.clusters) > len(shown):
            console.print(f"... {len(outcome.result.clusters) - len(shown)} more clusters (--limit N shows more)")
    exit_with(EXIT_FINDINGS if outcome.marks else EXIT_OK)


def _preview(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…"


def _shown(store: Store, outcome: Any, limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` clusters with each member's state, origin and a text preview."""
    from curate.dedup.compare import compare_text
    from curate.dedup.facts import store_facts

    clusters = outcome.result.clusters[:limit]
    ids = [m.record_id for c in clusters for m in c.members]
    records = store.get_many(ids)
    facts = store_facts(store, ids)
    mode = outcome.result.params.compare
    out = []
    for c in clusters:
        members = []
        for m in c.members:
            f = facts[m.record_id]
            members.append(
                {
                    "id": m.record_id,
                    "representative": m.representative,
                    "similarity": m.similarity,
                    "match": m.match,
                    "state": f.state,
                    "origin": f.origin,
                    "quality": f.quality,
                    "preview": _preview(compare_text(records[m.record_id], mode)),
                }
            )
        out.append({"id": c.id, "size": len(c.members), "members": members})
    return out


def _cluster_table(cluster: dict[str, Any]) -> Table:
    rep, *others = cluster["members"]
    table = Table(
        title=f"cluster {cluster['id']} · {cluster['size']} records",
        title_justify="left",
        show_lines=True,
        expand=True,
    )
    table.add_column(f"representative {rep['id']}\n{rep['state']}, {rep['origin']}", ratio=1)
    table.add_column("member", ratio=1)
    table.add_column("similarity", justify="right", no_wrap=True)
    for i, m in enumerate(others):
        left = escape(rep["preview"]) if i == 0 else ""
        right = f"[dim]{m['id']} · {m['state']}, {m['origin']}[/dim]\n{escape(m['preview'])}"
        table.add_row(left, right, f"{m['similarity']:.2f}\n{m['match']}")
    return table


def _print_summary(d: dict[str, Any]) -> None:
    skipped = d["records"] - d["compared"]
    line = f"Compared {d['compared']} of {d['records']} records"
    console.print(line + (f" ({skipped} had no text to compare)." if skipped else "."))
    console.print(
        f"{d['clusters']} clusters: {d['duplicates']} duplicates "
        f"({d['exact']} exact, {d['near']} near); {d['kept']} kept."
    )
    if d.get("identical_rows"):
        console.print(
            f"Besides these, {d['identical_rows']} rows read at import were exact copies of "
            "another row and were stored once (see `curate status`)."
        )
    same = d.get("same_prompt") or {}
    if same.get("groups"):
        console.print(
            f"{same['groups']} same_prompt groups: {same['records']} records share a prompt "
            "but not their answers; not duplicates, kept in one split by `curate split`."
        )
    s = d["settings"]
    how = f"compare {s['compare']}; normalise {', '.join(s['normalise']) or 'nothing'}"
    if s["exact_only"]:
        console.print(f"Exact duplicates only; {how}.")
    else:
        console.print(
            f"Near duplicates at Jaccard >= {s['threshold']:g} over {s['shingle_size']}-word shingles, "
            f"{s['num_perm']} permutations ({s['bands']} bands x {s['rows']} rows); {how}."
        )
    console.print(
        f"Saved as dedupe run {d['run_id']}: duplicates are annotated, not deleted; "
        "export keeps each cluster's representative."
    )
    against = d.get("against")
    if against:
        for f in against["files"]:
            console.print(
                f"Against {escape(f['path'])} ({f['format'] or 'unknown format'}): "
                f"read {f['read']} = {f['records']} records + {f['rejected']} rejected."
            )
        reasons = ", ".join(f"{n} {reason}" for reason, n in against["by_reason"].items())
        console.print(
            f"Contaminated: {against['contaminated']} records ({reasons}); "
            f"saved as contamination run {against['run_id']}, export leaves them out."
        )


def register(app: typer.Typer) -> None:
    """Add ``curate dedupe`` to the app."""
    app.command(
        "dedupe",
        help=(
            "Find exact duplicates (normalised text) and near duplicates (MinHash LSH) in the "
            "workspace and annotate them as clusters with one representative each; --against "
            "marks records that also appear in another dataset, such as a benchmark."
        ),
        epilog=EXAMPLES,
    )(dedupe_command)
