"""The unblinded A/B report: wins, ties and losses with a 95% interval, per category, and the
matrix of format compliance, latency and preference per side.

The interval is Wilson's score interval for A's share of wins over the *decided* items (A won
or B won); ties and both-bad verdicts are counted and shown but leave the denominator, so the
interval says how often A beats B when one of them is better.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from curate.ab.abfile import ABItem
from curate.ab.decisions import Decision

Z95 = 1.959963984540054
LABELS = ("A", "B", "tie", "both_bad")


def wilson(wins: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson's score interval for ``wins`` successes in ``n`` trials (None when n is 0).

    >>> [round(x, 3) for x in wilson(8, 10)]
    [0.49, 0.943]
    """
    if n <= 0:
        return None
    p = wins / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low = 0.0 if wins == 0 else max(0.0, centre - half)  # exact ends, not rounding noise
    high = 1.0 if wins == n else min(1.0, centre + half)
    return low, high


def outcome(items: list[ABItem], decisions: Mapping[str, Decision]) -> dict[str, Any]:
    """Counts of each verdict over ``items``, A's win rate over decided items and its interval."""
    counts = Counter(decisions[i.id].winner for i in items if i.id in decisions)
    a, b = counts["A"], counts["B"]
    interval = wilson(a, a + b)
    return {
        "items": len(items),
        "judged": sum(counts.values()),
        "undecided": len(items) - sum(counts.values()),
        "a_wins": a,
        "b_wins": b,
        "ties": counts["tie"],
        "both_bad": counts["both_bad"],
        "a_win_rate": a / (a + b) if a + b else None,
        "ci95": list(interval) if interval else None,
    }


def kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Cohen's kappa of two raters' labels (None when undefined).

    >>> kappa([("A", "A"), ("B", "B"), ("A", "B"), ("B", "B")])
    0.5
    """
    n = len(pairs)
    if not n:
        return None
    observed = sum(1 for x, y in pairs if x == y) / n
    first, second = Counter(x for x, _ in pairs), Counter(y for _, y in pairs)
    expected = sum(first[k] * second[k] for k in first) / (n * n)
    if expected >= 1:
        return None if observed < 1 else 1.0
    return (observed - expected) / (1 - expected)


def agreement(
    items: list[ABItem], human: Mapping[str, Decision], judge: Mapping[str, Decision]
) -> dict[str, Any]:
    """How often the judge and people pick the same winner, on items both decided."""
    pairs = [
        (human[i.id].winner, judge[i.id].winner) for i in items if i.id in human and i.id in judge
    ]
    return {
        "items": len(pairs),
        "agreeing": sum(1 for x, y in pairs if x == y),
        "share": sum(1 for x, y in pairs if x == y) / len(pairs) if pairs else None,
        "kappa": kappa(pairs),
    }


def _side(items: list[ABItem], side: str) -> dict[str, Any]:
    codes = [i.rubric_a if side == "A" else i.rubric_b for i in items]
    latencies = [
        x for x in (i.latency_a_s if side == "A" else i.latency_b_s for i in items) if x is not None
    ]
    return {
        "format_compliance": sum(1 for c in codes if not c) / len(codes) if codes else None,
        "rubric_codes": dict(sorted(Counter(code for c in codes for code in c).items())),
        "mean_latency_s": sum(latencies) / len(latencies) if latencies else None,
    }


def _preference(result: dict[str, Any], side: str) -> float | None:
    decided = result["a_wins"] + result["b_wins"]
    wins = result["a_wins"] if side == "A" else result["b_wins"]
    return wins / decided if decided else None


def build_report(
    items: list[ABItem],
    human: Mapping[str, Decision],
    judge: Mapping[str, Decision] | None = None,
    source: str | Path | None = None,
) -> dict[str, Any]:
    """The whole report as data (what ``--json`` prints)."""
    judge = judge or {}
    categories = sorted({i.category or "(none)" for i in items})
    by_category = {}
    for cat in categories:
        chosen = [i for i in items if (i.category or "(none)") == cat]
        by_category[cat] = {"human": outcome(chosen, human), "judge": outcome(chosen, judge)}
    people, model = outcome(items, human), outcome(items, judge)
    matrix = {}
    for side in ("A", "B"):
        matrix[side] = {
            **_side(items, side),
            "human_preference": _preference(people, side),
            "judge_preference": _preference(model, side),
        }
    return {
        "file": str(source) if source else None,
        "items": len(items),
        "models": {"A": items[0].model_a, "B": items[0].model_b} if items else {},
        "interval": "Wilson 95% on A's wins over decided items (ties and both-bad left out)",
        "human": people,
        "judge": model,
        "agreement": agreement(items, human, judge) if human and judge else None,
        "by_category": by_category,
        "matrix": matrix,
    }


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def describe(model: Mapping[str, Any]) -> str:
    """A side's description in a few words."""
    if model.get("kind") == "endpoint":
        return f"{model.get('provider')}:{model.get('model')}"
    what = "base of" if model.get("kind") == "base" else "tuned"
    return f"{what} {model.get('run_dir')}"


def summary_lines(result: Mapping[str, Any], who: str) -> str:
    ci = result["ci95"]
    interval = f" (95% CI {ci[0]:.0%}-{ci[1]:.0%})" if ci else ""
    return (
        f"{who}: A wins {result['a_wins']}, B wins {result['b_wins']}, ties {result['ties']}, "
        f"both bad {result['both_bad']}, undecided {result['undecided']}; "
        f"A wins {_pct(result['a_win_rate'])} of decided{interval}"
    )


def write_png(report: Mapping[str, Any], path: str | Path) -> Path:
    """The verdicts per category as stacked bars (people, else the judge; A's 95% interval
    over decided items as a line) above the matrix of the two sides as a table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    who = "judge" if report["judge"]["judged"] and not report["human"]["judged"] else "human"
    cats = ["all", *report["by_category"]]
    rows = [report[who], *(v[who] for v in report["by_category"].values())]
    fig, (ax, tab) = plt.subplots(
        2, 1, figsize=(8.5, 2.6 + 0.45 * len(cats)), height_ratios=[1 + 0.4 * len(cats), 1.6]
    )
    left = [0.0] * len(cats)
    for key, label, colour in (
        ("a_wins", "A wins", "#2a9d8f"),
        ("ties", "tie", "#bbbbbb"),
        ("both_bad", "both bad", "#777777"),
        ("b_wins", "B wins", "#e76f51"),
    ):
        shares = [r[key] / r["judged"] if r["judged"] else 0.0 for r in rows]
        ax.barh(cats, shares, left=left, color=colour, label=label)
        left = [x + y for x, y in zip(left, shares, strict=True)]
    for y, r in enumerate(rows):
        if r["ci95"]:
            ax.plot(r["ci95"], [y, y], color="black", lw=2)
        if not r["judged"]:
            ax.text(0.5, y, "no verdicts yet", ha="center", va="center", fontsize=8)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.set_xlabel(f"share of {who} verdicts (line: 95% interval of A's wins over decided)")
    models = report["models"]
    ax.set_title(
        f"A = {describe(models.get('A', {}))}   B = {describe(models.get('B', {}))}", fontsize=9
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    m = report["matrix"]

    def cell(value: Any, unit: str = "%") -> str:
        if value is None:
            return "n/a"
        return f"{value:.0%}" if unit == "%" else f"{value:.2f} s"

    body = [
        [
            "format compliance (rubric)",
            cell(m["A"]["format_compliance"]),
            cell(m["B"]["format_compliance"]),
        ],
        ["mean latency", cell(m["A"]["mean_latency_s"], "s"), cell(m["B"]["mean_latency_s"], "s")],
        ["preference (people)", cell(m["A"]["human_preference"]), cell(m["B"]["human_preference"])],
        ["preference (judge)", cell(m["A"]["judge_preference"]), cell(m["B"]["judge_preference"])],
    ]
    tab.axis("off")
    tab.table(cellText=body, colLabels=["", "A", "B"], loc="center", cellLoc="center")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
