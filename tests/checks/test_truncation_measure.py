"""truncated_answer measured: false positives on clean answers (the samples, the multilingual
set, endings public instruction data has) and recall on answers cut at random points."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from curate.api import read_records
from curate.checks.completeness import truncation
from curate.checks.text import answer_text, word_count
from curate.records import Record

ROOT = Path(__file__).parents[2]
SENTENCES = json.loads((ROOT / "samples/quality/multilingual_sentences.json").read_text("utf-8"))
CJK_RE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
CODE_CHARS = re.compile(r"[`{}=;<>_]|\(\)|\w\.\w|\w\(|\)")

# Complete answers in the shapes alpaca, identity, tool and chat data have, with endings a
# full stop does not close.
ODD_ENDINGS = [
    "Just adopted the sweetest rescue puppy and I cannot stop smiling at him. #PuppyLove",
    "Celebrating ten years of building things together with the best team ever 🎉🎉",
    "To convert Fahrenheit to Celsius subtract 32 and multiply by five ninths: (210 - 32) x 5/9 = 98.9°C",
    "The three largest countries in South America by area are:\n\n1. Brazil\n2. Argentina\n3. Peru",
    "Roses are red, violets are blue,\nsugar is sweet and so are you\nthe garden sleeps beneath the moon\nand wakes again in early June",
    "Here is a list of fruits: apple, banana, cherry, mango, grape, pear, plum, kiwi, peach, lime, lemon, fig",
    "光合作用是植物利用光能，把二氧化碳和水转化为有机物并释放氧气的过程，它为地球上几乎所有生命提供能量",
    "こんにちは、私はアシスタントです。何かお手伝いできることがあれば気軽に聞いてください",
    "Thank you for reaching out. I have forwarded your request to the billing team.\n\nBest regards,\nMaria Lopez",
    "The answer is 42.\n\nx = (b ± √(b² − 4ac)) / 2a",
    "Sure! Here are some ideas for the weekend.\n\n- Visit the farmers market\n- Bake bread with the kids\n- Go for a long bike ride",
    "Title: The Last Lighthouse Keeper on the Northern Coast of Scotland",
    "I hope this helps clarify how the loop works. Let me know if you have any other questions",
    "The total cost is $1,250.00 including tax and the delivery fee of $35",
    "Positive",
    "The word closest in meaning to happy is joyful, and the opposite is sad or miserable. Synonyms: cheerful, content, glad",
    "The capital of Australia is Canberra, not Sydney as many people think 😊",
    "| Name | Age |\n| --- | --- |\n| Alice | 30 |\n| Bob | 25 |",
    "Use the following command:\n\n```bash\npip install torch\n```",
    "Happy coding",
    "Die Hauptstadt von Deutschland ist Berlin. Sie hat etwa 3,7 Millionen Einwohner",
    "The meeting has been moved to Thursday at 3 PM in Conference Room B",
    "You can reach the documentation at https://docs.python.org/3/library/json.html",
    "The formula for the area of a circle is A = πr²",
    "Greetings from the team at OpenAI and Anthropic",
    "That is all you need to get started with the new scheduler. Good luck",
    "Die Hauptstadt von Deutschland ist Berlin. Sie hat etwa 3,7 Millionen Einwohner",
]


def _sample_answers() -> list[str]:
    out = []
    for path in sorted(ROOT.glob("samples/*.*")) + sorted(ROOT.glob("samples/llama_factory/*.json")):
        if path.suffix not in (".json", ".jsonl", ".csv", ".parquet") or path.name == "dataset_info.json":
            continue
        out += [answer_text(r) for r in read_records(path) if isinstance(r, Record) and answer_text(r)]
    return out


def _multilingual(rng: random.Random) -> list[str]:
    return [" ".join(rng.sample(s, rng.randint(4, 8))) for s in SENTENCES.values() for _ in range(8)]


def _prose_cut_points(answer: str) -> list[int]:
    """Points inside a sentence of a prose line (four words or more, outside code blocks, no
    inline code) past 30% of the answer, leaving 20 words or more: not right after a
    sentence's end."""
    points, start, fenced = [], 0, False
    for line in answer.split("\n"):
        end = start + len(line)
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and len(line.split()) >= 4 and not CODE_CHARS.search(line) and line.lstrip()[:1] not in "#|>":
            for i in range(max(start + 10, int(len(answer) * 0.3)), end):
                if answer[:i].rstrip()[-1] not in ".!?:;" and word_count(answer[:i]) >= 20:
                    points.append(i)
        start = end + 1
    return points


def test_clean_answers_are_not_called_cut() -> None:
    rng = random.Random(1)
    clean = _sample_answers() + _multilingual(rng) + ODD_ENDINGS
    flagged = [a[-60:] for a in clean if truncation(a, 1 if a in ODD_ENDINGS else 12)]
    assert len(clean) >= 400
    assert len(flagged) <= 0.01 * len(clean), flagged


def test_answers_cut_inside_a_sentence_are_found() -> None:
    rng = random.Random(2)
    long = [a for a in _sample_answers() + _multilingual(rng) if word_count(a) >= 40 and not CJK_RE.search(a)]
    cut = []
    for a in long:
        points = _prose_cut_points(a)
        cut += [a[:i] for i in rng.sample(points, min(3, len(points)))]
    assert len(cut) >= 300
    found = sum(truncation(c, 12) is not None for c in cut)
    assert found >= 0.95 * len(cut), found / len(cut)
