"""Text normalisation before hashing: whitespace, case and punctuation folding.

The definition (what :meth:`Normaliser.text` returns), applied in this order:

1. Unicode NFKC for text that is not pure ASCII (always: full-width letters, ligatures and
   other compatibility forms become their plain equivalents).
2. ``case``: ``str.casefold()`` (``"Straße"`` and ``"STRASSE"`` become ``"strasse"``).
3. ``punctuation``: every character that is neither a letter, a digit nor whitespace
   (punctuation, symbols, ``_``) becomes a space, so ``"don't"`` is two words.
4. ``whitespace``: runs of whitespace become one space; leading and trailing space goes.

All three flags are on by default (``[dedupe] normalise`` in ``curate.toml``). Exact
duplicates are records whose normalised texts are equal; near duplicates compare the
*words* of the normalised text (whitespace always separates words there, so the
``whitespace`` flag only matters to exact matching).

>>> Normaliser().text("  Hello,   WORLD! ")
'hello world'
>>> Normaliser.from_flags(["case"]).text("Hello,  World!")
'hello,  world!'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

FLAGS = ("whitespace", "case", "punctuation")
SECTION = "\x1d"  # separates a compare text's sections (see curate.dedup.compare)
_MARK = b" \x1d "  # ... and the encoded sections: the marker is a word of its own

_PUNCT = re.compile(r"[^\w\s]|_")
# Every ASCII character ``str.split()`` splits on (including \x1c-\x1f) -> space.
_SPACE = bytes(32 if i < 128 and chr(i).isspace() else i for i in range(256))
# ... and every ASCII character _PUNCT matches (punctuation, symbols, controls, "_") too.
_PUNCT_SPACE = bytes(32 if i < 128 and _PUNCT.match(chr(i)) else c for i, c in enumerate(_SPACE))
# ... the same, keeping the section marker (the fast path of encode() meets it whole)
_SPACE_KEEP = _SPACE[:0x1D] + b"\x1d" + _SPACE[0x1E:]
_PUNCT_KEEP = _PUNCT_SPACE[:0x1D] + b"\x1d" + _PUNCT_SPACE[0x1E:]


@dataclass(frozen=True)
class Normaliser:
    """Which foldings apply; see the module docstring for the definition."""

    whitespace: bool = True
    case: bool = True
    punctuation: bool = True

    @classmethod
    def from_flags(cls, flags: Iterable[str]) -> Normaliser:
        """From the names in ``[dedupe] normalise`` (an unknown name is a ValueError)."""
        names = set(flags)
        unknown = names - set(FLAGS)
        if unknown:
            raise ValueError(f"unknown normalisation {sorted(unknown)[0]!r}; use {', '.join(FLAGS)}")
        return cls(**{name: name in names for name in FLAGS})

    @property
    def flags(self) -> list[str]:
        return [name for name in FLAGS if getattr(self, name)]

    def text(self, s: str) -> str:
        """The normalised text (the reference definition; :meth:`encode` is the fast path).
        Sections (split by :data:`SECTION`) are normalised one by one and joined by it."""
        if SECTION in s:
            return SECTION.join(self.text(part) for part in s.split(SECTION))
        if not s.isascii():
            s = unicodedata.normalize("NFKC", s)
        if self.case:
            s = s.casefold()
        if self.punctuation:
            s = _PUNCT.sub(" ", s)
        if self.whitespace:
            s = " ".join(s.split())
        return s

    def words(self, s: str) -> list[str]:
        """The words near-duplicate detection shingles."""
        return self.text(s).split()

    def encode(self, s: str) -> bytes:
        """The normalised words as bytes separated by ASCII spaces (runs of spaces may
        remain: word splitting ignores them). The fast path for hashing.

        >>> Normaliser().encode("Hi, there!")
        b'hi  there '
        >>> Normaliser().encode("Q?\\x1dA.")
        b'q  \\x1d a '
        """
        if s.isascii():  # one translation; the section marker is kept, as a word of its own
            raw = (s.casefold() if self.case else s).encode()
            raw = raw.translate(_PUNCT_KEEP if self.punctuation else _SPACE_KEEP)
            return raw.replace(b"\x1d", _MARK) if SECTION in s else raw
        if SECTION in s:
            return _MARK.join(self.encode(part) for part in s.split(SECTION))
        s = unicodedata.normalize("NFKC", s)
        if self.case:
            s = s.casefold()
        if self.punctuation:
            s = _PUNCT.sub(" ", s)
        return " ".join(s.split()).encode("utf-8", "surrogatepass")

    def exact_bytes(self, s: str) -> bytes:
        """The bytes that decide exact duplicates when whitespace is not folded
        (with whitespace folding, the word sequence decides; see :mod:`curate.dedup.exact`)."""
        return self.text(s).encode("utf-8", "surrogatepass")
