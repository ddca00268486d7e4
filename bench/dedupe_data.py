"""Instruction-like records with planted near copies and hard negatives, for dedupe_bench.py
and the dedup tests (which load this file by path).

A base record is an instruction from one of a dozen templates with an entity in it, and
an answer of 40-250 words: English function words mixed with a Zipf-distributed made-up
vocabulary, half of the answers opening with chat boilerplate ("Sure! Here is ...") and some
closing with it. Around the bases it plants:

- **near copies** (the truth): a base with a share of its words replaced, inserted or
  deleted (``EDIT_RATES``; 0 is the same text in other case and punctuation);
- **same prompt, different answer**: the base's instruction with a fresh answer (several
  answers per prompt, as in preference and best-of-n data);
- **same template, different entity**: the template with another entity, a fresh short
  answer (12-40 words) opening with the same boilerplate about that entity.

Preference corpora (:func:`pair_corpus`) are pairs ``(prompt, chosen, rejected)`` with the
same plants plus **shared chosen** negatives (same prompt and chosen, another rejected, as
binarised feedback data has) and **swapped** sides.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

EDIT_RATES = (0.0, 0.01, 0.024, 0.05, 0.09)
FUNCTION = ["the", "of", "and", "to", "a", "in", "is", "that", "it", "for", "as", "with", "was", "on", "be", "by", "this", "are", "or", "at", "from", "an", "but", "not", "have", "which", "can", "you", "your", "if", "will", "more", "one", "all", "their", "so", "also", "has", "they", "been", "when", "there", "than", "most", "about", "these", "only", "other", "into", "its", "would", "some", "what", "how", "each", "such", "we", "our", "may"]
TEMPLATES = (
    "Explain {e} to a beginner in a few sentences.",
    "Write a short poem about {e}.",
    "What is the difference between {e} and {f}?",
    "Give me three tips for getting better at {e}.",
    "Summarise the following text about {e}: {text}",
    "Rewrite this paragraph in a formal tone: {text}",
    "List the main causes of {e} and how to prevent them.",
    "How do I fix {e} when {f} stops working?",
    "Describe the history of {e} in one paragraph.",
    "Write a product description for {e}.",
    "Answer the question using the context. Context: {text} Question: what does {e} do?",
    "Classify the sentiment of this review of {e}: {text}",
)
OPENERS = (
    "Sure! Here is an answer about {e}.",
    "Certainly. Let me explain {e} step by step.",
    "Great question! {e} is a topic many people ask about.",
)
CLOSER = "I hope this helps! Let me know if you have any other questions."


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    weights = [12, 9, 8, 8, 7, 7, 6, 6, 6, 4, 4, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1]
    words = {"".join(rng.choices(letters, weights, k=rng.randint(3, 10))) for _ in range(size * 2)}
    return sorted(words)[:size]


class Words:
    """Text of English function words and a Zipf-distributed made-up vocabulary."""

    def __init__(self, rng: random.Random, size: int = 30_000) -> None:
        self.rng = rng
        self.vocab = _vocabulary(rng, size)
        self.entities = [w.capitalize() for w in rng.sample(self.vocab, 3000)]
        ranks = [1 / (r + 1) ** 1.0 for r in range(len(self.vocab))]
        self._cum = _cumulative(ranks)
        self._fcum = _cumulative([1 / (r + 1) ** 0.7 for r in range(len(FUNCTION))])

    def words(self, n: int) -> list[str]:
        rng = self.rng
        out = []
        for _ in range(n):
            if rng.random() < 0.45:
                out.append(FUNCTION[_pick(self._fcum, rng)])
            else:
                out.append(self.vocab[_pick(self._cum, rng)])
        return out

    def text(self, n: int) -> str:
        return sentences(self.words(n), self.rng)

    def entity(self) -> str:
        return self.rng.choice(self.entities)


def _cumulative(weights: Sequence[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return [x / total for x in out]


def _pick(cum: list[float], rng: random.Random) -> int:
    from bisect import bisect_left

    return min(bisect_left(cum, rng.random()), len(cum) - 1)


def sentences(words: list[str], rng: random.Random) -> str:
    parts, i = [], 0
    while i < len(words):
        n = rng.randint(6, 18)
        chunk = words[i : i + n]
        parts.append(chunk[0].capitalize() + " " + " ".join(chunk[1:]) + rng.choice(".......?!,;"))
        i += n
    return " ".join(parts).replace(" ,", ",")


def edit(text: str, rng: random.Random, vocab: Sequence[str], rate: float) -> str:
    """``text`` with about ``rate`` of its words replaced, inserted or deleted (0: the same
    text in capitals with other punctuation)."""
    if rate == 0:
        return text.upper().replace(".", "!")
    words = text.split()
    for _ in range(max(1, round(rate * len(words)))):
        op, pos = rng.random(), rng.randrange(len(words))
        if op < 0.5:
            words[pos] = rng.choice(vocab)
        elif op < 0.75:
            words.insert(pos, rng.choice(vocab))
        elif len(words) > 5:
            del words[pos]
    return " ".join(words)


@dataclass
class Corpus:
    """Records as tuples of texts (``(prompt, answer)`` or ``(prompt, chosen, rejected)``),
    the planted copies ``(base, copy, rate)`` and the hard negative pairs by kind."""

    records: list[tuple[str, ...]] = field(default_factory=list)
    planted: list[tuple[int, int, float]] = field(default_factory=list)
    negatives: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def add(self, *texts: str) -> int:
        self.records.append(texts)
        return len(self.records) - 1


def _prompt(w: Words, template: str, e: str) -> str:
    rng = w.rng
    return template.format(e=e, f=w.entity(), text=w.text(rng.randint(25, 70)))


def _answer(w: Words, e: str, opener: str | None = None, words: tuple[int, int] = (40, 250)) -> str:
    rng = w.rng
    body = w.text(rng.randint(*words))
    if opener is None and rng.random() < 0.5:
        opener = rng.choice(OPENERS)
    head = opener.format(e=e) + " " if opener else ""
    tail = " " + CLOSER if rng.random() < 0.3 else ""
    return head + body + tail


def _opener(answer: str) -> str | None:
    for o in OPENERS:
        if answer.startswith(o.split("{e}")[0]):
            return o
    return None


def sft_corpus(bases: int, seed: int = 7, plant: float = 0.3) -> Corpus:
    """``bases`` instruction records; about ``plant`` of them get a near copy (edit rates in
    turn), and as many again a same-prompt and a same-template negative each."""
    rng = random.Random(seed)
    w = Words(rng)
    c = Corpus(negatives={"same prompt, different answer": [], "same template, different entity": []})
    k = 0
    for _ in range(bases):
        template, e = rng.choice(TEMPLATES), w.entity()
        prompt = _prompt(w, template, e)
        answer = _answer(w, e)
        base = c.add(prompt, answer)
        if rng.random() < plant:
            rate = EDIT_RATES[k % len(EDIT_RATES)]
            k += 1
            copy = c.add(edit(prompt, rng, w.vocab, rate), edit(answer, rng, w.vocab, rate))
            c.planted.append((base, copy, rate))
        if rng.random() < plant:
            other = c.add(prompt, _answer(w, e, _opener(answer)))
            c.negatives["same prompt, different answer"].append((base, other))
        if rng.random() < plant:
            f = w.entity()
            short = _answer(w, f, _opener(answer) or OPENERS[0], (12, 40))  # boilerplate weighs
            other = c.add(_prompt(w, template, f), short)
            c.negatives["same template, different entity"].append((base, other))
    return c


def pair_corpus(bases: int, seed: int = 11, plant: float = 0.3) -> Corpus:
    """Preference pairs: near copies (edits in every part) are the truth; same prompt with
    other answers, same prompt and chosen with another rejected, and swapped sides are the
    hard negatives."""
    rng = random.Random(seed)
    w = Words(rng)
    names = ("same prompt, different answers", "same prompt and chosen, other rejected", "swapped sides")
    c = Corpus(negatives={n: [] for n in names})
    k = 0
    for _ in range(bases):
        template, e = rng.choice(TEMPLATES), w.entity()
        prompt = _prompt(w, template, e)
        chosen, rejected = _answer(w, e), _answer(w, e)
        base = c.add(prompt, chosen, rejected)
        if rng.random() < plant:
            rate = EDIT_RATES[k % len(EDIT_RATES)]
            k += 1
            copy = c.add(*(edit(t, rng, w.vocab, rate) for t in (prompt, chosen, rejected)))
            c.planted.append((base, copy, rate))
        if rng.random() < plant:
            other = c.add(prompt, _answer(w, e), _answer(w, e))
            c.negatives[names[0]].append((base, other))
        if rng.random() < plant:
            other = c.add(prompt, chosen, _answer(w, e))
            c.negatives[names[1]].append((base, other))
        if rng.random() < plant / 3:
            other = c.add(prompt, rejected, chosen)
            c.negatives[names[2]].append((base, other))
    return c


# scoring -----------------------------------------------------------------------------------
@dataclass
class Score:
    """How a deduplication of a corpus did against its plants."""

    recall_by_rate: dict[float, float]
    recall: float  # over every planted copy
    precision: float
    found: int
    false_pairs: int
    false_by_kind: dict[str, int]


def score(corpus: Corpus, found: set[tuple[int, int]]) -> Score:
    """Recall and precision of ``found`` pairs (``i < j``) against the planted copies; a
    found pair that is no planted copy is false (whatever kind of pair it is)."""
    truth = {(min(a, b), max(a, b)): rate for a, b, rate in corpus.planted}
    by_rate: dict[float, list[bool]] = {}
    for pair, rate in truth.items():
        by_rate.setdefault(rate, []).append(pair in found)
    hits = sum(1 for p in found if p in truth)
    false = found - set(truth)
    false_by_kind = {
        name: sum(1 for a, b in pairs if (min(a, b), max(a, b)) in false)
        for name, pairs in corpus.negatives.items()
    }
    return Score(
        recall_by_rate={r: sum(v) / len(v) for r, v in sorted(by_rate.items())},
        recall=hits / len(truth) if truth else 1.0,
        precision=hits / len(found) if found else 1.0,
        found=len(found),
        false_pairs=len(false),
        false_by_kind=false_by_kind,
    )


def cluster_pairs(clusters: Sequence[object], index_of: dict[str, int]) -> set[tuple[int, int]]:
    """Every pair of records inside each cluster, by corpus position."""
    out: set[tuple[int, int]] = set()
    for cl in clusters:
        idx = sorted(index_of[m.record_id] for m in cl.members)  # type: ignore[attr-defined]
        out.update((a, b) for x, a in enumerate(idx) for b in idx[x + 1 :])
    return out


def to_records(corpus: Corpus, kind: str = "sft") -> list[object]:
    """The corpus as :class:`curate.records.Record` s (chats, or preference pairs)."""
    from curate.records import Message, Record

    out = []
    for texts in corpus.records:
        if kind == "preference":
            prompt, chosen, rejected = texts
            out.append(
                Record(
                    kind="preference",
                    messages=[Message(role="user", content=prompt)],
                    chosen=[Message(role="assistant", content=chosen)],
                    rejected=[Message(role="assistant", content=rejected)],
                )
            )
        else:
            prompt, answer = texts
            out.append(
                Record(
                    messages=[
                        Message(role="user", content=prompt),
                        Message(role="assistant", content=answer),
                    ]
                )
            )
    return out
