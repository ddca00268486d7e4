"""Benchmark language detection: the default detector (script and function-word fast path, then
fastText's bundled lid.176.ftz) against the same gates with langdetect behind them, langdetect
alone and fastText alone, on labelled texts: accuracy (right, wrong, no verdict) and docs/s.

    .venv/bin/python bench/language_bench.py [--json out.json]

The labelled sets: samples/quality/multilingual_sentences.json (32 languages) as single
sentences and as 2-4 sentence documents, and samples/quality/language_cases.json (short
answers, mixed-script answers, code-bearing answers, and texts with no language to find).
Goals: the default detector gives no wrong verdict on more than 1% of the labelled texts and
none on the texts without a language, and is at least 10x faster than langdetect alone.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curate.checks.language import (  # noqa: E402
    LanguageDetector,
    detect_prefix,
    fasttext_language,
    langdetect_language,
    same_language,
)

SENTENCES = json.loads((ROOT / "samples/quality/multilingual_sentences.json").read_text("utf-8"))
CASES = json.loads((ROOT / "samples/quality/language_cases.json").read_text("utf-8"))


def labelled_sets() -> dict[str, list[tuple[str | None, str]]]:
    rng = random.Random(5)
    sets: dict[str, list[tuple[str | None, str]]] = {
        "single sentences": [(lang, s) for lang, sents in SENTENCES.items() for s in sents],
        "2-4 sentences": [(lang, " ".join(rng.sample(s, rng.randint(2, 4)))) for lang, s in SENTENCES.items() for _ in range(20)],
    }
    for kind in ("short", "mixed", "code", "few_letters"):
        sets[f"cases: {kind}"] = [(c["lang"], c["text"]) for c in CASES if c["kind"] == kind]
    return sets


def detectors() -> dict[str, Callable[[], Callable[[str], str | None]]]:
    def alone(fn: Callable[[str], str | None]) -> Callable[[], Callable[[str], str | None]]:
        return lambda: lambda text: fn(detect_prefix(text))

    return {
        "default (fast path + fastText)": lambda: LanguageDetector().detect,
        "fast path + langdetect": lambda: LanguageDetector(backend="langdetect").detect,
        "langdetect alone": alone(langdetect_language),
        "fastText alone": alone(lambda p: fasttext_language(p)[0]),
    }


def measure() -> dict[str, dict[str, dict[str, float]]]:
    fasttext_language("warm up the model")
    langdetect_language("warm up the language profiles")
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, make in detectors().items():
        out[name] = {}
        for set_name, docs in labelled_sets().items():
            detect = make()  # a fresh cache per set
            t0 = time.perf_counter()
            got = [detect(text) for _, text in docs]
            seconds = time.perf_counter() - t0
            row: dict[str, float] = {"docs": len(docs), "docs_per_s": round(len(docs) / seconds)}
            pairs = list(zip((lang for lang, _ in docs), got, strict=True))
            if any(lang for lang, _ in pairs):
                row["right"] = sum(g is not None and same_language(g, lang) for lang, g in pairs if lang)
                row["wrong"] = sum(g is not None and not same_language(g, lang) for lang, g in pairs if lang)
                row["none"] = sum(g is None for lang, g in pairs if lang)
            else:
                row["verdicts"] = sum(g is not None for _, g in pairs)
            out[name][set_name] = row
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    figures = measure()
    for name, sets in figures.items():
        print(f"== {name}")
        for set_name, row in sets.items():
            if "verdicts" in row:
                what = f"verdicts on texts without a language: {row['verdicts']}/{row['docs']}"
            else:
                what = f"right {row['right']}/{row['docs']}, wrong {row['wrong']}, no verdict {row['none']}"
            print(f"  {set_name:<18} {what:<52} {row['docs_per_s']:>9,} docs/s")
    default, alone = figures["default (fast path + fastText)"], figures["langdetect alone"]
    labelled = [row for row in default.values() if "wrong" in row]
    wrong = sum(row["wrong"] for row in labelled) / sum(row["docs"] for row in labelled)
    none_set = default["cases: few_letters"]["verdicts"]
    speed = default["2-4 sentences"]["docs_per_s"] / alone["2-4 sentences"]["docs_per_s"]
    ok = wrong <= 0.01 and none_set == 0 and speed >= 10
    print(f"\ndefault: wrong verdicts {wrong:.2%} of labelled texts (goal <= 1%), verdicts on no-language texts "
          f"{none_set} (goal 0), {speed:.0f}x langdetect alone on 2-4 sentences (goal >= 10x): {'PASS' if ok else 'FAIL'}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
