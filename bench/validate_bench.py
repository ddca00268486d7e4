"""Benchmark `curate validate`: 100,000 generated records through every check but the judge,
with the langdetect-only baseline and the fast detector's agreement measured in the same run.

    .venv/bin/python bench/validate_bench.py [--records 100000] [--baseline 2000] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curate.checks.language import LanguageDetector, detect_prefix, fast_detect, langdetect_language  # noqa: E402
from curate.checks.runner import validate_records  # noqa: E402
from curate.records import Message, Provenance, Record  # noqa: E402

SENTENCES = json.loads((ROOT / "samples/quality/multilingual_sentences.json").read_text("utf-8"))
TOPICS = ["Kafka consumer groups", "a PostgreSQL index", "Python generators", "the HTTP cache", "a Spark job",
          "Kubernetes probes", "React hooks", "a Redis cluster", "gradient clipping", "LoRA adapters",
          "the tax return", "a cover letter", "the quarterly report", "a sourdough starter", "marathon training"]
SUBJECTS = ["The service", "This function", "The scheduler", "Our pipeline", "The model", "A retry loop",
            "The new index", "Each worker", "The cache layer", "The client library", "This approach", "The parser"]
VERBS = ["reduces", "doubles", "hides", "exposes", "removes", "avoids", "limits", "explains", "improves", "breaks"]
OBJECTS = ["the latency of every request", "the memory used per batch", "duplicate messages", "most of the lock contention",
           "the cost of a cold start", "the number of open connections", "silent data loss", "the error rate at peak load",
           "rebalancing storms", "the size of the checkpoint"]
CLAUSES = ["when the queue grows past its limit", "because the writes are batched", "after the first warm-up run",
           "unless the configuration overrides it", "while the old version still serves traffic",
           "as long as the keys are evenly spread", "if you pin the dependency versions", "during the nightly backfill"]
CATEGORIES = {"coding": 0.3, "qa": 0.25, "writing": 0.15, "summarization": 0.1, "math": 0.08, "json": 0.07, "sql": 0.05}
LANGS = {"en": 0.86, "de": 0.03, "fr": 0.03, "es": 0.02, "ja": 0.015, "zh-cn": 0.01, "ru": 0.01, "pt": 0.01, "it": 0.005}
SYSTEM = "You are a careful assistant. Answer accurately and concisely."


CONNECTORS = ["", "In most cases, ", "This is why ", "As a result, ", "For example, if you run it twice, ",
              "In practice, you will see that ", "It is worth noting that ", "On the other hand, ", "With this change, "]


def english_sentence(rng: random.Random) -> str:
    s = f"{rng.choice(CONNECTORS)}{rng.choice(SUBJECTS).lower()} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(CLAUSES)}."
    return s[0].upper() + s[1:]


def answer_for(rng: random.Random, category: str, lang: str) -> str:
    if lang != "en":
        sents = SENTENCES[lang]
        return f"({rng.randint(1, 99999)}) " + " ".join(rng.sample(sents, rng.randint(3, 8)))
    words = [english_sentence(rng) for _ in range(rng.randint(3, 14))]
    if category == "coding":
        fn = rng.choice(["load", "merge", "retry", "parse", "flush"])
        code = f"```python\ndef {fn}_{rng.randint(1, 999)}(items):\n    out = []\n    for item in items:\n        out.append(item * {rng.randint(2, 9)})\n    return out\n```"
        return " ".join(words[:3]) + "\n\n" + code + "\n\n" + " ".join(words[3:])
    if category == "json":
        return json.dumps({"topic": rng.choice(TOPICS), "score": rng.randint(1, 10), "notes": words[0]})
    if category == "sql":
        return f"{words[0]}\n\n```sql\nSELECT id, total FROM orders WHERE total > {rng.randint(1, 500)} ORDER BY total DESC;\n```"
    if category == "writing" and rng.random() < 0.7:
        return "## Draft\n\n" + "\n".join(f"- {w}" for w in words)
    return " ".join(words)


def make_records(n: int, seed: int = 7) -> list[Record]:
    rng = random.Random(seed)
    cats, cat_w = list(CATEGORIES), list(CATEGORIES.values())
    langs, lang_w = list(LANGS), list(LANGS.values())
    out = []
    for i in range(n):
        cat = rng.choices(cats, cat_w)[0]
        lang = rng.choices(langs, lang_w)[0]
        question = f"{rng.choice(['Explain', 'Describe', 'Summarize', 'Write', 'Fix', 'Compare', 'List'])} {rng.choice(TOPICS)} for case {i}."
        answer = answer_for(rng, cat, lang)
        r = rng.random()
        if r < 0.01:
            answer = answer.rsplit(" ", 3)[0]  # cut off
        elif r < 0.015:
            answer += " Contact me at jane.doe84@gmail.com."
        elif r < 0.017:
            question = "Fill in {{customer_name}} " + question
        messages = [Message(role="user", content=question), Message(role="assistant", content=answer)]
        if rng.random() < 0.9:
            messages.insert(0, Message(role="system", content=SYSTEM))
        out.append(
            Record(
                messages=messages,
                tags={"category": cat, "difficulty": rng.choice(["easy", "medium", "hard"])},
                provenance=Provenance(origin="synthetic" if rng.random() < 0.2 else "real"),
            )
        )
    return out


def labelled_agreement(per_lang: int = 40, seed: int = 0) -> dict:
    """The fast path against langdetect (and the labels) on the labelled multilingual set."""
    rng = random.Random(seed)
    docs = [(lang, " ".join(rng.sample(s, rng.randint(1, 4)))) for lang, s in SENTENCES.items() for _ in range(per_lang)]
    answered = agree = fast_right = ld_right = combined_right = 0
    disagreements: dict[str, int] = {}
    for lang, text in docs:
        prefix = detect_prefix(text)
        ld = langdetect_language(prefix)
        ld_right += ld == lang
        got = fast_detect(prefix)
        combined_right += (got or ld) == lang
        if got is not None:
            answered += 1
            agree += got == ld
            fast_right += got == lang
            if got != ld:
                key = f"{lang}: fast {got}, langdetect {ld}"
                disagreements[key] = disagreements.get(key, 0) + 1
    return {
        "docs": len(docs),
        "languages": len(SENTENCES),
        "fast_answered": answered,
        "fast_agrees_with_langdetect": agree,
        "fast_matches_label": fast_right,
        "langdetect_matches_label": ld_right,
        "combined_matches_label": combined_right,
        "disagreements": disagreements,
    }


GOAL_S = 60.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--baseline", type=int, default=2_000, help="docs for the langdetect-only baseline")
    ap.add_argument("--workers", type=int, default=1, help="worker processes for the record stage")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()

    t0 = time.perf_counter()
    records = make_records(args.records)
    gen_s = time.perf_counter() - t0
    print(f"generated {len(records):,} records in {gen_s:.1f} s ({platform.python_version()}, {platform.machine()})")

    t0, c0 = time.perf_counter(), time.process_time()
    result = validate_records(records, workers=args.workers)
    total_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    print(f"\nvalidate: {total_s:.1f} s for {len(records):,} records = {len(records) / total_s:,.0f} records/s  (goal: under {GOAL_S:.0f} s)")
    print(f"  CPU time of this process: {cpu_s:.1f} s (workers: {args.workers}; the gap to the wall time is other load)")
    print(f"verdict {result.verdict}; scores {result.scores}")
    print("time per stage (s):")
    for name, secs in sorted(result.timings.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<16}{secs:8.2f}")
    lang = result.metrics.get("language", {}).get("detected_by", {})
    print(f"language answers: {lang}")
    print(f"codes: {dict(list(result.checks.items())[:10])}")

    # the langdetect-only baseline on a sample of the same answers, in the same run
    rng = random.Random(1)
    sample = rng.sample(records, min(args.baseline, len(records)))
    prefixes = [detect_prefix(r.messages[-1].content or "") for r in sample]
    t0 = time.perf_counter()
    ld = [langdetect_language(p) for p in prefixes]
    ld_s = time.perf_counter() - t0
    det = LanguageDetector()
    t0 = time.perf_counter()
    ours = [det.detect(r.messages[-1].content or "") for r in sample]
    ours_s = time.perf_counter() - t0
    comparable = [(a, b) for a, b in zip(ours, ld, strict=True) if a is not None]
    agree = sum(a == b for a, b in comparable)
    print(f"\nlanguage detection on {len(sample):,} of the same answers (no cache shared):")
    print(f"  langdetect only : {len(sample) / ld_s:8,.0f} docs/s  -> {len(records) / (len(sample) / ld_s):6.0f} s for all {len(records):,}")
    print(f"  fast + fallback : {len(sample) / ours_s:8,.0f} docs/s  ({det.stats})")
    print(f"  agreement with langdetect: {agree}/{len(comparable)} ({agree / max(1, len(comparable)):.2%})")

    lab = labelled_agreement()
    print(f"\nlabelled multilingual set ({lab['docs']} docs, {lab['languages']} languages):")
    print(f"  fast path answered {lab['fast_answered']} docs; agrees with langdetect on {lab['fast_agrees_with_langdetect']};"
          f" matches the label on {lab['fast_matches_label']}")
    print(f"  langdetect matches the label on {lab['langdetect_matches_label']}; fast+fallback on {lab['combined_matches_label']}")
    for k, v in lab["disagreements"].items():
        print(f"  disagreement  {k}: {v}")

    if args.json:
        args.json.write_text(json.dumps({
            "records": len(records), "validate_s": round(total_s, 2), "cpu_s": round(cpu_s, 2), "workers": args.workers, "records_per_s": round(len(records) / total_s),
            "timings": result.timings, "language_answers": lang,
            "baseline": {"docs": len(sample), "langdetect_docs_per_s": round(len(sample) / ld_s),
                         "fast_docs_per_s": round(len(sample) / ours_s), "agree": agree, "comparable": len(comparable)},
            "labelled": lab,
        }, indent=2))
    return 0 if total_s < GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
