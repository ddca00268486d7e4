"""Language detection: langdetect (seeded) behind a fast script/stopword detector and a cache."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import xxhash

from curate.checks.stopwords import AMBIGUOUS, WORD_LANGS
from curate.checks.text import strip_code

DETECTOR_VERSION = "1"
WORDS_CHARS = 250  # function words are counted over this much of the prefix
RATIO = 2.0  # the top language's function-word score must beat the next one by this factor

URL_RE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")
WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
LETTER_RE = re.compile(r"[^\W\d_]")
VI_RE = re.compile(r"[\u1ea0-\u1ef9ơưđƠƯĐ]")

# Scripts that name one langdetect language on their own.
UNIQUE_SCRIPTS: list[tuple[str, re.Pattern[str]]] = [
    ("ko", re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
    ("el", re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("bn", re.compile(r"[\u0980-\u09ff]")),
    ("pa", re.compile(r"[\u0a00-\u0a7f]")),
    ("gu", re.compile(r"[\u0a80-\u0aff]")),
    ("ta", re.compile(r"[\u0b80-\u0bff]")),
    ("te", re.compile(r"[\u0c00-\u0c7f]")),
    ("kn", re.compile(r"[\u0c80-\u0cff]")),
    ("ml", re.compile(r"[\u0d00-\u0d7f]")),
]
NON_LATIN_RE = re.compile(r"[^\u0000-\u024f\u1e00-\u1eff\u2000-\u206f\u20a0-\u20cf\u2190-\u2bff]")
CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
# letters that only one of the Cyrillic languages langdetect knows writes
CYRILLIC_MARKS = {"ru": "ыэё", "uk": "іїєґ", "bg": "ъ", "mk": "ќѓѕјљњџ"}
HAN_RE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
KANA_RE = re.compile(r"[\u3040-\u30ff]")
# Characters found only in simplified or only in traditional Chinese (frequent ones).
SIMPLIFIED = frozenset("们这个说会来为时国学对发后经过动话问题种实现进长开关网数据库连写读认设务区户钟间单质义无东车见书门应该还边读请确")
TRADITIONAL = frozenset("們這個說會來為時國學對發後經過動話問題種實現進長開關網數據庫連寫讀認設務區戶鐘間單質義無東車見書門應該還邊請確資檔")


def detect_prefix(text: str, prefix_chars: int = 400) -> str:
    """The part of an answer language detection looks at: prose without code or URLs."""
    prose = strip_code(text)[: prefix_chars * 2]
    if "://" in prose or "www." in prose or "@" in prose:
        prose = URL_RE.sub(" ", prose)
    if len(prose) > prefix_chars:
        cut = prose.rfind(" ", 0, prefix_chars)
        prose = prose[: cut if cut > prefix_chars // 2 else prefix_chars]
    return prose


def fast_detect(prefix: str) -> str | None:
    """The language when the script or the function words make it clear, else None (defer).

    >>> fast_detect("The function returns a list of all users who have logged in during the month.")
    'en'
    >>> fast_detect("Die Funktion gibt eine Liste aller Benutzer zurück, die sich angemeldet haben.")
    'de'
    """
    if prefix.isascii():
        return _by_words(prefix, ascii_only=True)
    if NON_LATIN_RE.search(prefix) is None:
        if len(VI_RE.findall(prefix)) >= 0.05 * len(prefix):
            return "vi"
        return _by_words(prefix)
    letters = _letters(prefix)
    if letters == 0:
        return None
    for lang, pattern in UNIQUE_SCRIPTS:
        n = len(pattern.findall(prefix))
        if n:
            return lang if n >= 0.8 * letters else None
    kana = len(KANA_RE.findall(prefix))
    han = len(HAN_RE.findall(prefix))
    if kana + han >= 0.6 * letters:
        if kana >= 0.1 * (kana + han):
            return "ja"
        if kana:
            return None
        return _chinese(prefix)
    if kana or han:
        return None
    if len(VI_RE.findall(prefix)) >= 0.05 * letters:
        return "vi"
    cyr = len(CYRILLIC_RE.findall(prefix))
    if cyr:
        return _cyrillic(prefix) if cyr >= 0.9 * letters and cyr >= 40 else None
    return _by_words(prefix)


def _cyrillic(prefix: str) -> str | None:
    """Russian, Ukrainian, Bulgarian or Macedonian from the letters only one of them uses."""
    low = prefix.lower()
    marks = {name: sum(low.count(c) for c in chars) for name, chars in CYRILLIC_MARKS.items()}
    found = [name for name, n in marks.items() if n]
    if found == ["ru"] and marks["ru"] >= 2:
        return "ru"
    if found == ["uk"] and marks["uk"] >= 2:
        return "uk"
    if found == ["bg"] and marks["bg"] >= 2:
        return "bg"
    return _by_words(prefix)


def _chinese(prefix: str) -> str | None:
    simp = sum(1 for c in prefix if c in SIMPLIFIED)
    trad = sum(1 for c in prefix if c in TRADITIONAL)
    if simp >= 2 and trad == 0:
        return "zh-cn"
    if trad >= 2 and simp == 0:
        return "zh-tw"
    return None


def _by_words(prefix: str, ascii_only: bool = False) -> str | None:
    words = WORD_RE.findall(prefix[:WORDS_CHARS].lower())
    if len(words) < 5:
        return None
    hits: dict[str, float] = {}
    matched = 0
    for w in words:
        langs = WORD_LANGS.get(w)
        if langs:
            matched += 1
            share = 1.0 / len(langs)
            for lang in langs:
                hits[lang] = hits.get(lang, 0.0) + share
    if matched < 4 or matched < 0.2 * len(words):
        return None
    ranked = sorted(hits.items(), key=lambda kv: -kv[1])
    top, n = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if top in AMBIGUOUS or n < 2.0 or n < RATIO * second:
        return None
    if ascii_only and top not in ("en", "id", "nl"):
        return None  # most other Latin languages carry diacritics in a sentence or two
    return top


@dataclass
class LanguageDetector:
    """Detects the language of answers: cached by content hash, fast path, then langdetect.

    ``stats`` counts how each answer was settled (cached, fast, langdetect, short).
    """

    prefix_chars: int = 400
    min_letters: int = 20
    fast: bool = True
    max_cache: int = 500_000
    cache: dict[int, str | None] = field(default_factory=dict)
    stats: dict[str, int] = field(
        default_factory=lambda: {"cached": 0, "fast": 0, "langdetect": 0, "short": 0}
    )
    seconds: float = 0.0

    def detect(self, text: str) -> str | None:
        """The language code (langdetect's names) of ``text``; None when it is too short or
        is structured data (JSON) rather than prose."""
        t0 = time.perf_counter()
        prefix = detect_prefix(text, self.prefix_chars)
        key = xxhash.xxh3_64_intdigest(prefix.encode("utf-8", "surrogatepass"))
        if key in self.cache:
            self.stats["cached"] += 1
            lang = self.cache[key]
        else:
            lang = self._detect_uncached(prefix)
            if len(self.cache) >= self.max_cache:
                self.cache.clear()
            self.cache[key] = lang
        self.seconds += time.perf_counter() - t0
        return lang

    def _detect_uncached(self, prefix: str) -> str | None:
        head = prefix.lstrip()[:1]
        if head in ("{", "[") or len(prefix) < self.min_letters or _letters(prefix) < self.min_letters:
            self.stats["short"] += 1
            return None
        if self.fast:
            lang = fast_detect(prefix)
            if lang is not None:
                self.stats["fast"] += 1
                return lang
        self.stats["langdetect"] += 1
        return langdetect_language(prefix)


_NOT_ASCII_LETTERS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalpha()))


def _letters(text: str) -> int:
    if text.isascii():
        return len(text.translate(_NOT_ASCII_LETTERS))
    return len(LETTER_RE.findall(text))


def langdetect_language(text: str) -> str | None:
    """langdetect's answer with its deterministic seed (None when it finds no features)."""
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return detect(text)
    except LangDetectException:
        return None
