"""Dedupe: which defaults (planted near copies and hard negatives), how fast the library and
the `curate dedupe` command are against datasketch's MinHash.update loop and rensa, and
(``--million``) a million short records in bounded memory.

    .venv/bin/python bench/dedupe_bench.py               # all but --million
    .venv/bin/python bench/dedupe_bench.py --million     # plus 1,000,000 short records
    .venv/bin/python bench/dedupe_bench.py --only grid   # one part: grid, library or cli

Exit 0 when the goals are met: at the default settings recall and precision of the planted
near copies at least 0.95 for every kind (grid); the library at least 25x the docs/s of the
MinHash.update loop on 10,000 documents (library); the whole `curate dedupe` command at
least 25x the loop on a 31,520-record workspace of instruction data, with recall and
precision at least 0.95 (cli); and (``--million``) a peak RSS under 2 GB.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dedupe_data as dd  # noqa: E402
import numpy as np  # noqa: E402

from curate.dedup.engine import Deduper  # noqa: E402
from curate.dedup.find import auto_workers, dedupe_texts  # noqa: E402
from curate.dedup.minhash import shingle_hashes, signatures  # noqa: E402
from curate.dedup.sketch import Params, sketch_stream  # noqa: E402

OUT = Path(__file__).resolve().parent / "out"
CLI_RECORDS = 31_520
GRID_SHINGLES = (3, 4, 5)
GRID_THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8)

GOAL_SPEEDUP = 25.0
GOAL_RECALL = GOAL_PRECISION = 0.95
GOAL_MILLION_RSS_MB = 2048
RUNS = 3  # timed runs of the project's pipeline (median reported); the loop runs once


# data ------------------------------------------------------------------------------------
def vocabulary(rng: random.Random, size: int = 30_000) -> list[str]:
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    weights = [12, 9, 8, 8, 7, 7, 6, 6, 6, 4, 4, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]
    words = {"".join(rng.choices(letters, weights, k=rng.randint(2, 10))) for _ in range(size * 2)}
    return sorted(words)[:size]


class Corpus:
    """About-1 KB documents with planted near duplicates (and a few exact copies)."""

    def __init__(self, n: int, seed: int = 7) -> None:
        rng = random.Random(seed)
        vocab = vocabulary(rng)
        ranks = [1 / (r + 1) ** 0.9 for r in range(len(vocab))]  # Zipf-like word frequencies
        self.texts: list[str] = []
        self.planted: list[tuple[int, int]] = []
        while len(self.texts) < n:
            words = rng.choices(vocab, ranks, k=rng.randint(150, 190))
            base = len(self.texts)
            self.texts.append(_sentences(words, rng))
            if rng.random() < 0.2:  # a family of 1-3 edited copies
                for _ in range(rng.randint(1, 3)):
                    if len(self.texts) >= n:
                        break
                    if rng.random() < 0.1:
                        copy = self.texts[base].upper()  # the same after normalisation
                    else:
                        copy = _sentences(_edit(words, rng, vocab, rng.uniform(0, 0.1)), rng)
                    for other in range(base, len(self.texts)):
                        self.planted.append((other, len(self.texts)))
                    self.texts.append(copy)
        self.ids = [f"doc{i:07d}" for i in range(n)]


def _edit(words: list[str], rng: random.Random, vocab: list[str], rate: float) -> list[str]:
    out = list(words)
    for _ in range(max(1, round(rate * len(words)))):
        op, pos = rng.random(), rng.randrange(len(out))
        if op < 0.5:
            out[pos] = rng.choice(vocab)
        elif op < 0.75:
            out.insert(pos, rng.choice(vocab))
        elif len(out) > 10:
            del out[pos]
    return out


def _sentences(words: list[str], rng: random.Random) -> str:
    parts, i = [], 0
    while i < len(words):
        n = rng.randint(6, 18)
        chunk = words[i : i + n]
        parts.append(chunk[0].capitalize() + " " + " ".join(chunk[1:]) + rng.choice([".", ".", "?", "!"]))
        i += n
    return " ".join(parts)


# ground truth ------------------------------------------------------------------------------
def shingle_set(words: list[str], k: int) -> set[tuple[str, ...]]:
    if len(words) < k:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def exact_jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


# measurements ---------------------------------------------------------------------------
def baseline(words: list[list[str]], k: int, num_perm: int) -> float:
    """Seconds for datasketch's MinHash.update, one shingle at a time."""
    from datasketch import MinHash

    start = time.perf_counter()
    for doc in words:
        m = MinHash(num_perm=num_perm)
        for i in range(max(1, len(doc) - k + 1)):
            m.update(" ".join(doc[i : i + k]).encode("utf-8"))
    return time.perf_counter() - start


def found_pairs(matches, judged: set[tuple[int, int]]) -> set[tuple[int, int]]:  # noqa: ANN001
    """The judged pairs the deduplicator put in one cluster (verification skips pairs whose
    records are already joined, so clusters, not verified edges, say what was found)."""
    cluster = {i: n for n, g in enumerate(matches.groups()) for i in g}
    return {(a, b) for a, b in judged if a in cluster and cluster.get(b) == cluster[a]}


def speed_and_accuracy(n: int, workers: int | None) -> bool:
    params = Params()
    corpus = Corpus(n)
    texts, ids = corpus.texts, corpus.ids
    mean_kb = sum(len(t.encode()) for t in texts) / len(texts) / 1024
    print(f"{n} documents, {mean_kb:.2f} KB on average; {len(corpus.planted)} planted pairs")
    norm = params.normaliser
    words = [norm.words(t) for t in texts]

    # warm up both (imports, caches), then time each on the same documents
    baseline(words[:20], params.shingle_size, params.num_perm)
    dedupe_texts(ids[:200], texts[:200], params, workers=1)
    base_s = baseline(words, params.shingle_size, params.num_perm)
    used = auto_workers(n) if workers is None else workers
    runs = []
    for _ in range(RUNS):  # the median of a few runs: a short run is easily disturbed
        start = time.perf_counter()
        matches, clusters = dedupe_texts(ids, texts, params, workers=used)
        runs.append(time.perf_counter() - start)
    ours_s = statistics.median(runs)
    ours_runs = ", ".join(f"{r:.2f}" for r in runs)
    rows = [
        ("datasketch MinHash.update loop (signatures only)", base_s),
        (f"curate signatures + LSH + verify + clusters ({used} process)", ours_s),
    ]
    other = 2 if used == 1 else 1
    runs = []
    for _ in range(RUNS):
        start = time.perf_counter()
        dedupe_texts(ids, texts, params, workers=other)
        runs.append(time.perf_counter() - start)
    rows.append((f"  for comparison, with {other} process{'es' if other > 1 else ''}", statistics.median(runs)))
    print(f"{'':62} {'docs/s':>9} {'seconds':>8} {'x loop':>7}")
    for name, seconds in rows:
        print(f"{name:62} {n / seconds:9.0f} {seconds:8.2f} {base_s / seconds:7.1f}")
    speedup = base_s / ours_s
    print(f"(the project's pipeline: median of {RUNS} runs of {ours_runs} s; the loop ran once)")

    # accuracy: exact Jaccard over shingle sets for every planted and candidate pair
    k, t = params.shingle_size, params.threshold
    sets: dict[int, set] = {}

    def shingles(i: int) -> set:
        if i not in sets:
            sets[i] = shingle_set(words[i], k)
        return sets[i]

    candidates = {(min(a, b), max(a, b)) for a, b in matches.candidate_pairs.tolist()}
    judged = set(corpus.planted) | candidates
    edges = {p for p in judged if exact_jaccard(shingles(p[0]), shingles(p[1])) >= t}
    # clusters are transitive: the truth is every judged pair joined by pairs at or above t
    from curate.dedup.clusters import UnionFind

    joined = UnionFind()
    for a, b in edges:
        joined.union(a, b)
    truth = {(a, b) for a, b in judged if a in joined.parent and b in joined.parent and joined.find(a) == joined.find(b)}
    found = found_pairs(matches, judged)
    hits = len(found & truth)
    recall = hits / len(truth) if truth else 1.0
    precision = hits / len(found) if found else 1.0
    sims = [exact_jaccard(shingles(a), shingles(b)) for a, b in corpus.planted]
    near_edge = sum(1 for s in sims if t - 0.05 <= s < t + 0.05)
    print(
        f"pairs judged by exact Jaccard: {len(judged)} (planted {len(corpus.planted)}, "
        f"LSH candidates {len(candidates)}); at or above {t}: {len(edges)}, joined through such pairs: {len(truth)}; "
        f"planted pairs within 0.05 of the threshold: {near_edge}"
    )
    print(f"pairs found {len(found)}, clusters {len(clusters)}; recall {recall:.4f}, precision {precision:.4f}")

    # the signatures are datasketch's: spot-check a few against MinHash(hashfunc=int)
    from datasketch import MinHash

    docs = [norm.encode(x) for x in texts[:5]]
    hashes, counts = shingle_hashes(docs, k)
    sigs = signatures(hashes, counts, params.num_perm)
    same = True
    for i, part in enumerate(np.split(hashes, np.cumsum(counts)[:-1])):
        m = MinHash(num_perm=params.num_perm, seed=1, scheme="affine32", hashfunc=int)
        m.update_batch(part.tolist())
        same &= bool((m.hashvalues == sigs[i]).all())
    print(f"signatures equal datasketch MinHash(scheme='affine32', hashfunc=int): {same}")

    ok_speed = speedup >= GOAL_SPEEDUP
    ok_acc = recall >= GOAL_RECALL and precision >= GOAL_PRECISION
    print(f"speed-up {speedup:.1f}x (goal >= {GOAL_SPEEDUP:g}x): {'PASS' if ok_speed else 'MISS'}")
    print(f"recall {recall:.3f}, precision {precision:.3f} (goal >= 0.95 each): {'PASS' if ok_acc else 'MISS'}")
    return ok_speed and ok_acc and same


# which defaults: planted copies and hard negatives ----------------------------------------
def true_similarity(a: tuple[str, ...], b: tuple[str, ...], k: int) -> float:
    """What dedupe compares, computed independently: shingles of normalised words inside
    each part (prompt, answers), tagged with the part; the whole Jaccard, or less when an
    answer part is less alike on its own."""
    norm = Params().normaliser

    def sets(texts: tuple[str, ...]) -> list[set]:
        return [shingle_set(norm.words(t), k) for t in texts]

    x, y = sets(a), sets(b)
    whole_x = {(i, sh) for i, part in enumerate(x) for sh in part}
    whole_y = {(i, sh) for i, part in enumerate(y) for sh in part}
    sims = [exact_jaccard(whole_x, whole_y)]
    sims += [exact_jaccard(p, q) for p, q in zip(x[1:], y[1:], strict=True) if p or q]
    return min(sims)


def grid() -> bool:
    """Recall per edit rate and false pairs per kind of hard negative, over shingle sizes and
    thresholds, for instruction records (SFT) and preference pairs."""
    from curate.dedup import find_duplicates
    from curate.settings import DedupeSettings

    defaults = DedupeSettings()
    ok = True
    corpora = [
        ("sft", dd.sft_corpus(2400, seed=7, plant=0.15)),
        ("preference", dd.pair_corpus(1900, seed=11, plant=0.15)),
    ]
    for kind, corpus in corpora:
        records = dd.to_records(corpus, kind)
        index_of = {r.id: i for i, r in enumerate(records)}
        negatives = ", ".join(f"{len(v)} {k}" for k, v in corpus.negatives.items())
        print(f"\n{kind}: {len(records)} records, {len(corpus.planted)} planted near copies; hard negatives: {negatives}")
        for k in (3, 5):
            by_rate: dict[float, list[float]] = {}
            for a, b, rate in corpus.planted:
                by_rate.setdefault(rate, []).append(true_similarity(corpus.records[a], corpus.records[b], k))
            means = ", ".join(f"{r:.1%}: {statistics.mean(v):.2f}" for r, v in sorted(by_rate.items()))
            print(f"  true similarity of the planted copies, {k}-word shingles, by edit rate: {means}")
        rates = " ".join(f"{r:>6.1%}" for r in dd.EDIT_RATES)
        print(f"  {'k':>2} {'t':>4}  recall by edit rate {rates}  recall  precision  false pairs  candidates")
        for k in GRID_SHINGLES:
            for t in GRID_THRESHOLDS:
                settings = DedupeSettings(shingle_size=k, threshold=t)
                result = find_duplicates(records, settings)
                sc = dd.score(corpus, dd.cluster_pairs(result.clusters, index_of))
                per = " ".join(f"{sc.recall_by_rate.get(r, 0):6.2f}" for r in dd.EDIT_RATES)
                chosen = k == defaults.shingle_size and t == defaults.threshold
                print(
                    f"  {k:>2} {t:>4}  {'':19} {per}  {sc.recall:6.3f}  {sc.precision:9.3f}  "
                    f"{sc.false_pairs:11d}  {result.candidates:10d}{'  <- default' if chosen else ''}"
                )
                if chosen:
                    good = sc.recall >= GOAL_RECALL and sc.precision >= GOAL_PRECISION
                    ok = ok and good
                    print(
                        f"  defaults ({k} words, {t}) on {kind}: recall {sc.recall:.3f}, precision "
                        f"{sc.precision:.3f}, false pairs by kind {sc.false_by_kind}: "
                        f"{'PASS' if good else 'MISS'}"
                    )
    return ok


# end to end: the curate dedupe command on a workspace ----------------------------------------
def _workspace(n: int) -> tuple[Path, dd.Corpus]:
    """A workspace of ``n`` instruction records (openai-jsonl, imported with `curate import`),
    built once into bench/out/ and reused; and the corpus it came from."""
    import orjson

    corpus = dd.sft_corpus(int(n / 1.44) + 50, seed=3, plant=0.15)
    corpus.records = corpus.records[:n]
    corpus.planted = [p for p in corpus.planted if p[1] < n]
    root = OUT / f"dedupe_ws_{n}"
    if not (root / ".ready").exists():
        import shutil

        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        data = root / "records.jsonl"
        with data.open("wb") as f:
            for prompt, answer in corpus.records:
                msgs = [{"role": "user", "content": prompt}, {"role": "assistant", "content": answer}]
                f.write(orjson.dumps({"messages": msgs}) + b"\n")
        for args in (["init"], ["import", str(data)]):
            subprocess.run([CURATE, *args], cwd=root, check=True, capture_output=True)
        (root / ".ready").write_text("ok\n")
    return root, corpus


def _cli_pairs(root: Path) -> set[tuple[int, int]]:
    """The pairs the latest dedupe run put in one cluster, by source line (corpus position)."""
    import sqlite3

    db = sqlite3.connect(root / ".curate" / "curate.db")
    run = db.execute("SELECT max(id) FROM runs WHERE kind = 'dedupe' AND status = 'done'").fetchone()[0]
    members: dict[str, list[int]] = {}
    for cluster, line in db.execute(
        "SELECT d.cluster_id, r.source_line FROM dup_clusters d JOIN records r ON r.rid = d.rid"
        " WHERE d.run_id = ?",
        (run,),
    ):
        members.setdefault(cluster, []).append(line - 1)
    db.close()
    out: set[tuple[int, int]] = set()
    for idx in members.values():
        idx.sort()
        out.update((a, b) for x, a in enumerate(idx) for b in idx[x + 1 :])
    return out


def _fresh(root: Path) -> Path:
    """A copy of the built workspace (so every timed run meets the same store: one import,
    no earlier dedupe runs)."""
    import shutil

    run = OUT / "dedupe_ws_run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    shutil.copy2(root / "curate.toml", run / "curate.toml")
    shutil.copytree(root / ".curate", run / ".curate")
    return run


def _run_cli(root: Path, args: list[str]) -> tuple[float, float, dict]:
    """Wall and CPU seconds (the command and its worker processes) of `curate dedupe`."""
    import json

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([CURATE, "dedupe", "--json", *args], cwd=root, capture_output=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(done.stdout)


def rensa_rows(docs: list[list[str]], k: int, t: float, num_perm: int, corpus: dd.Corpus | None = None) -> list[tuple[str, float, float]]:
    """rensa 0.5 (Rust MinHash), when installed: signatures alone, then signatures + its LSH
    index + candidates confirmed by the signatures' estimated Jaccard (no exact check). Its
    index needs bands that divide ``num_perm``: 32 bands of 4 rows (a pair at 0.5 becomes a
    candidate with probability 0.87, at 0.6 with 0.985)."""
    try:
        from rensa import RMinHash, RMinHashLSH
    except ImportError:
        print("rensa is not installed (.venv/bin/pip install rensa==0.5.0): its rows are left out")
        return []

    def shingles() -> list[list[str]]:
        return [[" ".join(d[i : i + k]) for i in range(max(1, len(d) - k + 1))] for d in docs]

    wall, used = time.perf_counter(), cpu()
    RMinHash.digest_matrix_from_token_sets(shingles(), num_perm, 1)
    rows = [("rensa digest_matrix_from_token_sets (signatures only)", time.perf_counter() - wall, cpu() - used)]
    wall, used = time.perf_counter(), cpu()
    hashes = RMinHash.from_token_sets(shingles(), num_perm, 1)
    index = RMinHashLSH(t, num_perm, 32)
    index.insert_many(hashes, 0)
    found = set()
    for i, near in enumerate(index.query_all(hashes)):
        for j in near:
            if j > i and hashes[i].jaccard(hashes[j]) >= t:
                found.add((i, j))
    rows.append(("rensa signatures + LSH (32x4) + estimated Jaccard", time.perf_counter() - wall, cpu() - used))
    if corpus is not None:
        sc = dd.score(corpus, found)
        print(f"rensa end to end: {len(found)} pairs, recall {sc.recall:.3f}, precision {sc.precision:.3f}")
    return rows


CURATE = str(Path(sys.executable).parent / "curate")


def cpu() -> float:
    """CPU seconds of this process and of its finished children (pool workers, commands)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def end_to_end(n: int) -> bool:
    """`curate dedupe` as a command on an n-record workspace against the MinHash.update loop
    over the same documents, at the defaults and at the old ones (5 words, 0.8)."""
    from curate.dedup.compare import compare_text
    from curate.records import Message, Record

    begin = time.perf_counter()
    root, corpus = _workspace(n)
    print(f"\nworkspace {root} ({n} records, {len(corpus.planted)} planted near copies; ready in {time.perf_counter() - begin:.0f} s)")
    params = Params()
    texts = [
        compare_text(Record(messages=[Message(role="user", content=p), Message(role="assistant", content=a)]))
        for p, a in corpus.records
    ]
    words = [params.normaliser.words(t) for t in texts]
    mean_kb = sum(len(t.encode()) for t in texts) / len(texts) / 1024
    print(f"documents: the compare texts, {mean_kb:.2f} KB and {statistics.mean(map(len, words)):.0f} words on average")

    ok = True
    rows: list[tuple[str, float, float]] = []
    wall, used = time.perf_counter(), cpu()
    baseline(words, params.shingle_size, params.num_perm)
    base = (time.perf_counter() - wall, cpu() - used)
    rows.append((f"datasketch MinHash.update loop ({params.shingle_size}-word shingles, signatures only)", *base))
    rows += rensa_rows(words, params.shingle_size, params.threshold, params.num_perm, corpus)
    ids = [f"r{i}" for i in range(len(texts))]
    runs = []
    for _ in range(RUNS):
        wall, used = time.perf_counter(), cpu()
        dedupe_texts(ids, texts, params)
        runs.append((time.perf_counter() - wall, cpu() - used))
    rows.append(("curate library: dedupe_texts on the texts (median of 3)", *sorted(runs)[1]))
    for label, args in (("defaults", []), ("old defaults: --shingle 5 --threshold 0.8", ["--shingle", "5", "--threshold", "0.8"])):
        runs = []
        for _ in range(RUNS):
            run = _fresh(root)
            runs.append(_run_cli(run, args))
        wall_s, cpu_s, data = sorted(runs, key=lambda r: r[0])[1]
        sc = dd.score(corpus, _cli_pairs(run))
        rows.append((f"curate dedupe (CLI, {label}; median of 3)", wall_s, cpu_s))
        print(
            f"CLI {label}: {data['duplicates']} duplicates in {data['clusters']} clusters, "
            f"{data['candidate_pairs']} candidate pairs; recall {sc.recall:.3f} "
            f"(by edit rate {', '.join(f'{r:.1%}: {v:.2f}' for r, v in sc.recall_by_rate.items())}), "
            f"precision {sc.precision:.3f}; runs {', '.join(f'{r[0]:.2f}' for r in runs)} s"
        )
        if not args:
            speedup = base[0] / wall_s
            good = speedup >= GOAL_SPEEDUP and sc.recall >= GOAL_RECALL and sc.precision >= GOAL_PRECISION
            ok = ok and good
            cli = (speedup, base[1] / cpu_s, sc, good)
    print(f"{'':66} {'docs/s':>8} {'seconds':>8} {'x loop':>7} {'cpu s':>7} {'x loop':>7}")
    for name, wall_s, cpu_s in rows:
        print(f"{name:66} {n / wall_s:8.0f} {wall_s:8.2f} {base[0] / wall_s:7.1f} {cpu_s:7.2f} {base[1] / cpu_s:7.1f}")
    speedup, cpu_speedup, sc, good = cli
    print(
        f"curate dedupe at the defaults: {speedup:.1f}x the loop's wall time ({cpu_speedup:.1f}x its CPU time), "
        f"recall {sc.recall:.3f}, precision {sc.precision:.3f} (goal >= 25x, >= 0.95 each): "
        f"{'PASS' if good else 'MISS'}"
    )
    return ok


# a million short records -----------------------------------------------------------------
SHORT_VOCAB = vocabulary(random.Random(11), 20_000)


def short_text(i: int) -> str:
    """Record ``i`` of the million: 12-30 words. Every 20th is the one before it plus a
    word (a near duplicate, Jaccard 0.89-0.96), every 50th an exact copy of an earlier one
    in other case and punctuation."""
    if i % 20 == 19:
        return short_text(i - 1) + " " + random.Random(i).choice(SHORT_VOCAB)
    if i % 50 == 49:
        return short_text(i - 7).upper() + "!"
    rng = random.Random(i)
    return " ".join(rng.choices(SHORT_VOCAB, k=rng.randint(12, 30)))


def million(n: int, workers: int | None) -> bool:
    params = Params()
    used = auto_workers(n) if workers is None else workers
    batch = 5000

    generating = 0.0

    def batches() -> Iterator[tuple[int, list[str]]]:
        nonlocal generating
        for lo in range(0, n, batch):
            begin = time.perf_counter()
            texts = [short_text(i) for i in range(lo, min(n, lo + batch))]
            generating += time.perf_counter() - begin
            yield lo, texts

    start = time.perf_counter()
    deduper = Deduper(params)
    for lo, sketch in sketch_stream(batches(), params, used):
        hi = lo + len(sketch.exact)
        deduper.add([f"r{i:07d}" for i in range(lo, hi)], np.zeros(hi - lo, np.uint8), sketch)
    hashed = time.perf_counter() - start
    matches = deduper.match(lambda idx: [short_text(i) for i in idx.tolist()])
    groups = matches.groups()
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    dupes = sum(len(g) - 1 for g in groups)
    print(
        f"{n} short records, {used} process(es): {seconds:.1f} s in all, of which {generating:.1f} s "
        f"generating the texts (the stream's input), {hashed:.1f} s until every sketch was in and "
        f"{seconds - hashed:.1f} s matching; {len(groups)} clusters, {dupes} duplicates, "
        f"{matches.candidates} candidate pairs"
    )
    ok = own < GOAL_MILLION_RSS_MB
    print(
        f"peak RSS {own:.0f} MB (goal < {GOAL_MILLION_RSS_MB} MB), largest child process {kids:.0f} MB: "
        f"{'PASS' if ok else 'MISS'}"
    )
    return ok


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["grid", "library", "cli", "million"], help="run one part")
    ap.add_argument("--docs", type=int, default=10_000, help="documents for the library part")
    ap.add_argument("--records", type=int, default=CLI_RECORDS, help="workspace records for the cli part")
    ap.add_argument("--workers", type=int, default=None, help="processes (default: automatic)")
    ap.add_argument("--million", action="store_true", help="also dedupe 1,000,000 short records")
    ap.add_argument("--million-n", type=int, default=1_000_000, help=argparse.SUPPRESS)
    args = ap.parse_args(argv[1:])
    ok = True
    if args.only in (None, "grid"):
        ok = grid() and ok
    if args.only in (None, "library"):
        ok = speed_and_accuracy(args.docs, args.workers) and ok
    if args.only in (None, "cli"):
        ok = end_to_end(args.records) and ok
    if args.million or args.only == "million":
        ok = million(args.million_n, args.workers) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
