"""Per-record features the dataset checks aggregate: style, language, hashes, tokens."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import xxhash

from curate.checks.language import LanguageDetector, language_mismatch, prompt_language
from curate.checks.text import answer_text, effective_tags, instruction_text, strip_code, word_count
from curate.records import Record
from curate.tokens import TokenCounter

FENCE_LINE_RE = re.compile(r"^[ ]{0,3}(?:```|~~~)", re.M)
HEADING_RE = re.compile(r"^#{1,6}\s+\S", re.M)
LIST_RE = re.compile(r"^[ \t]*(?:[-*+]|\d{1,3}[.)])\s+\S", re.M)
TABLE_RE = re.compile(r"^\s*\|.*\|\s*$\n^\s*\|[\s:|-]+\|\s*$", re.M)
EMOJI_RE = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
REASONING_HINTS = ("step 1", "step-by-step", "step by step", "therefore", "\\frac", "$$", "proof")
NORM_RE = re.compile(r"[\W_]+")
WORD_RE = re.compile(r"\w+")
POLITE = ("please", "can", "could", "would", "you", "kindly", "i", "need", "want", "to", "help",
          "me", "hey", "hi")
STOP = frozenset(
    ["the", "a", "an", "of", "to", "in", "on", "for", "and", "or", "with", "is", "are", "be", "this", "that", "it", "my", "your", "how", "what", "why", "when", "which", "who", "me", "you", "i", "we", "do", "does", "can", "could", "would", "should", "please", "about", "from", "by", "as", "at", "into"]
)


@dataclass(slots=True)
class Profile:
    """The features of one record that the dataset-level checks look at."""

    index: int
    id: str
    group: str | None = None
    scope: tuple[str | None, ...] = ()  # what consistency compares the record with (see ProfileContext.scope)
    difficulty: str | None = None
    origin: str = "real"
    split: str | None = None
    declared_language: str | None = None
    language: str | None = None
    prompt_language: str | None = None  # of the last user turn, when the answer's is known
    language_issue: str | None = None  # why the answer's language does not fit (language_mismatch)
    words: int = 0
    headings: bool = False
    lists: bool = False
    code: bool = False
    table: bool = False
    emoji: bool = False
    exclaim: bool = False
    system: int | None = None
    verb: str | None = None
    topic: str | None = None
    dup_key: int = 0
    tokens: int | None = None
    token_limit: int | None = None
    turns: int = 0
    tools: bool = False
    reasoning: bool = False
    ngrams: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)


@dataclass
class ProfileContext:
    """What profiling needs: tag names, the tokenizer, the language detector, sampling."""

    group_tag: str = "category"
    difficulty_tag: str = "difficulty"
    split_tag: str = "split"
    tokens: TokenCounter | None = None
    language: LanguageDetector | None = None
    ngram_every: int = 1  # keep n-gram hashes of every k-th record (distinct-n sample)
    ngram_words: int = 100
    scope: tuple[str, ...] = ()  # source, kind, origin or tag:NAME (the consistency checks' scope)


def profile_record(index: int, record: Record, ctx: ProfileContext) -> Profile:
    answer = answer_text(record)
    prose = strip_code(answer)
    instruction = instruction_text(record)
    tags = effective_tags(record)
    system = record.system()
    p = Profile(
        index=index,
        id=record.id,
        group=tags.get(ctx.group_tag),
        scope=tuple(scope_value(record, tags, key) for key in ctx.scope),
        difficulty=tags.get(ctx.difficulty_tag),
        origin=record.provenance.origin,
        split=tags.get(ctx.split_tag),
        declared_language=tags.get("language"),
        words=word_count(answer),
        headings="#" in prose and HEADING_RE.search(prose) is not None,
        lists=_two_list_items(prose),
        code=("```" in answer or "~~~" in answer) and FENCE_LINE_RE.search(answer) is not None,
        table="|" in prose and TABLE_RE.search(prose) is not None,
        emoji=not prose.isascii() and EMOJI_RE.search(prose) is not None,
        exclaim=prose.count("!") >= 2,
        system=None if system is None else xxhash.xxh3_64_intdigest(_normalise(system).encode()),
        turns=len(record.messages) + len(record.chosen or ()),
        tools=bool(record.tools) or any(m.tool_calls for m in record.messages),
    )
    p.verb, p.topic = instruction_shape(instruction)
    p.dup_key = xxhash.xxh3_64_intdigest((_normalise(instruction) + "\x00" + _normalise(answer)).encode())
    p.reasoning = p.code or p.tools or _reasoning(answer)
    if ctx.tokens is not None:
        p.tokens = ctx.tokens.count(record)
        p.token_limit = ctx.tokens.limit
    if ctx.language is not None:
        p.language = ctx.language.detect(answer) if answer else None
        if p.language is not None and not p.declared_language and instruction:
            p.prompt_language = prompt_language(ctx.language, instruction, p.language)
        asked = instruction if system is None else f"{instruction}\n{system}"  # may name the language
        p.language_issue = language_mismatch(p.language, p.prompt_language, p.declared_language, asked)
    if ctx.ngram_every and index % ctx.ngram_every == 0 and answer:
        p.ngrams = ngram_hashes(prose, ctx.ngram_words)
    return p


def scope_value(record: Record, tags: dict[str, str], key: str) -> str | None:
    """A record's value for one consistency scope key (``source``, ``kind``, ``origin`` or ``tag:NAME``)."""
    if key == "source":
        prov = record.provenance
        if prov.source_file is None and prov.template is not None:
            return f"synth:{prov.template}"
        return prov.source_file
    if key == "kind":
        return record.kind
    if key == "origin":
        return record.provenance.origin
    return tags.get(key.removeprefix("tag:"))


def profile_batch(records: list[Record], start: int, ctx: ProfileContext) -> list[Profile]:
    """Profiles of a batch of records; ``start`` is the first record's index in the dataset."""
    return [profile_record(start + i, r, ctx) for i, r in enumerate(records)]


def _reasoning(answer: str) -> bool:
    """Worked reasoning: numbered steps, proofs, derivations."""
    low = answer.lower()
    return any(hint in low for hint in REASONING_HINTS)


def _two_list_items(text: str) -> bool:
    first = LIST_RE.search(text)
    return first is not None and LIST_RE.search(text, first.end()) is not None


_ASCII_PUNCT = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalnum() and not c.isspace()})


def _normalise(text: str) -> str:
    """Lower case, punctuation and whitespace runs folded to one space (NFKC first)."""
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_PUNCT).split())
    return NORM_RE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def instruction_shape(instruction: str) -> tuple[str | None, str | None]:
    """The instruction's leading verb and a topic word (cheap heuristics).

    >>> instruction_shape("Please explain how a hash map handles collisions.")
    ('explain', 'hash')
    """
    words = WORD_RE.findall(instruction[:300].lower())
    i = 0
    while i < len(words) - 1 and words[i] in POLITE:
        i += 1
    verb = words[i] if i < len(words) and not words[i].isdigit() else None
    topic = next((w for w in words[i + 1 : i + 16] if len(w) >= 4 and w not in STOP), None)
    return verb, topic


def ngram_hashes(text: str, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the first ``limit`` words and their bigrams (for distinct-1/2)."""
    words = text.lower().split()[:limit]
    uni = np.fromiter((xxhash.xxh3_64_intdigest(w.encode()) for w in words), dtype=np.uint64, count=len(words))
    bi = uni[:-1] * np.uint64(0x9E3779B97F4A7C15) ^ uni[1:]  # arrays wrap silently
    return uni, bi
