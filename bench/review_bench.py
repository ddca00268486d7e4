"""Review queue speed on a 100,000-record workspace: time to the first record, time per decision.

    .venv/bin/python bench/review_bench.py                # 100,000 records, 150 approvals
    .venv/bin/python bench/review_bench.py --records 20000 --decisions 50

The workspace is generated once (``review_data.py``) and cached under ``bench/out/``; each
run works on a private copy so the cache stays all pending. The app runs headless through
``App.run_test`` exactly as the tests drive it. "First record" is the time from creating the
app to the first record painted on screen; a decision is the time from pressing ``a`` to the
next record painted (the decision committed to disk in between). Exits 0 when the goals hold:
first record under 2 s, median and p95 decision under 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from review_data import cached_workspace, copy_workspace  # noqa: E402

FIRST_GOAL_S = 2.0
DECISION_GOAL_MS = 50.0


async def measure(root: Path, decisions: int) -> tuple[float, list[float], int]:
    """(seconds to the first record, milliseconds per decision, approved in the store)."""
    from curate.review.tui.app import create_app

    shown: list[tuple[str | None, float]] = []
    start = time.perf_counter()
    app = create_app(root, reviewer="bench")
    app.shown_hooks.append(lambda rid, at: shown.append((rid, at)))
    per: list[float] = []
    async with app.run_test(size=(160, 50)) as pilot:
        while not shown:
            await asyncio.sleep(0.002)
        first = shown[0][1] - start
        for _ in range(decisions):
            before = len(shown)
            t0 = time.perf_counter()
            await pilot.press("a")
            while len(shown) == before:
                await asyncio.sleep(0)
            per.append((shown[-1][1] - t0) * 1000)
        await pilot.pause()
    with app.workspace.store as store:
        approved = store.count_by("state").get("approved", 0)
    return first, per, approved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--decisions", type=int, default=150)
    args = parser.parse_args()

    t0 = time.perf_counter()
    cache = cached_workspace(HERE / "out" / f"review_{args.records // 1000}k", args.records)
    built = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp(prefix="review-bench-", dir=HERE / "out"))
    try:
        copy_workspace(cache, tmp / "ws").close()
        first, per, approved = asyncio.run(measure(tmp / "ws", args.decisions))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    per_sorted = sorted(per)
    median = statistics.median(per_sorted)
    p95 = per_sorted[min(len(per_sorted) - 1, int(0.95 * len(per_sorted)))]
    ok = first < FIRST_GOAL_S and median < DECISION_GOAL_MS and p95 < DECISION_GOAL_MS
    ok = ok and approved == args.decisions
    print(f"workspace: {args.records:,} records (cache ready in {built:.1f} s)")
    print(
        f"first record on screen      {first * 1000:8.0f} ms   (goal < {FIRST_GOAL_S * 1000:.0f} ms)"
    )
    print(
        f"decision -> next record     median {median:6.1f} ms   p95 {p95:6.1f} ms   max {per_sorted[-1]:6.1f} ms"
    )
    print(
        f"                            over {len(per)} approvals (goal < {DECISION_GOAL_MS:.0f} ms); {approved} approved in the store"
    )
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
