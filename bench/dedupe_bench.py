"""Dedupe: signature + clustering speed against datasketch's MinHash.update loop, accuracy
against exact Jaccard, and (``--million``) a million short records in bounded memory.

    .venv/bin/python bench/dedupe_bench.py               # 10,000 documents of about 1 KB
    .venv/bin/python bench/dedupe_bench.py --million     # plus 1,000,000 short records

Exit 0 when the goals are met: at least 25x the docs/s of the MinHash.update loop on the
same documents (the loop runs once, the project's pipeline three times, median taken), recall and precision of the near-duplicate pairs both at least 0.95 at the
default threshold, and (``--million``) a peak RSS under 2 GB.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from curate.dedup.engine import Deduper  # noqa: E402
from curate.dedup.find import auto_workers, dedupe_texts  # noqa: E402
from curate.dedup.minhash import shingle_hashes, signatures  # noqa: E402
from curate.dedup.sketch import Params, sketch_stream  # noqa: E402

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


def found_pairs(matches) -> set[tuple[int, int]]:  # noqa: ANN001
    """Every pair the deduplicator calls duplicates: verified edges, widened to the exact
    copies of both ends, plus the pairs inside each exact group."""
    lead = matches.leader
    members: dict[int, list[int]] = {}
    for i, head in enumerate(lead.tolist()):
        if head >= 0:
            members.setdefault(head, []).append(i)
    out: set[tuple[int, int]] = set()
    for group in members.values():
        out.update((a, b) for x, a in enumerate(group) for b in group[x + 1 :])
    for i, j in matches.edges.tolist():
        out.update((min(a, b), max(a, b)) for a in members[i] for b in members[j])
    return out


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
    truth = {p for p in judged if exact_jaccard(shingles(p[0]), shingles(p[1])) >= t}
    found = found_pairs(matches)
    hits = len(found & truth)
    recall = hits / len(truth) if truth else 1.0
    precision = hits / len(found) if found else 1.0
    sims = [exact_jaccard(shingles(a), shingles(b)) for a, b in corpus.planted]
    near_edge = sum(1 for s in sims if t - 0.05 <= s < t + 0.05)
    print(
        f"pairs judged by exact Jaccard: {len(judged)} (planted {len(corpus.planted)}, "
        f"LSH candidates {len(candidates)}); at or above {t}: {len(truth)}; "
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
    ap.add_argument("--docs", type=int, default=10_000, help="documents for speed and accuracy")
    ap.add_argument("--workers", type=int, default=None, help="processes (default: automatic)")
    ap.add_argument("--million", action="store_true", help="also dedupe 1,000,000 short records")
    ap.add_argument("--million-n", type=int, default=1_000_000, help=argparse.SUPPRESS)
    args = ap.parse_args(argv[1:])
    ok = speed_and_accuracy(args.docs, args.workers)
    if args.million:
        ok = million(args.million_n, args.workers) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
