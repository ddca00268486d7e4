"""Completeness of answers: empty, cut off, far too short, unfilled placeholders, refusals."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, ClassVar

from curate.checks.base import Finding, RecordCheck
from curate.checks.text import (
    all_messages,
    answer_messages,
    answer_text,
    fence_state,
    strip_code,
    where,
    word_count,
)
from curate.checks.text import instruction_text as _instruction
from curate.records import Record

FILLER = frozenset(
    {"", ".", "..", "...", "…", "-", "--", "?", "n/a", "na", "none", "null", "nil", "todo", "tbd",
     "answer", "[answer]", "<answer>", "output", "response"}
)
DETAIL_RE = re.compile(
    r"\b(?:in (?:great |more |full )?detail|detailed|step[- ]by[- ]step|in[- ]depth|comprehensive|"
    r"thorough(?:ly)?|elaborate|walk me through|"
    r"write (?:a|an|me a|me an) (?:[\w-]+ ){0,3}(?:pipeline|essay|article|program|script|class|"
    r"module|guide|tutorial|report|story|implementation|service|application|app))\b",
    re.I,
)
AT_LEAST_RE = re.compile(r"\bat least (\d{2,4}) words\b", re.I)
PLACEHOLDER_RE = re.compile(
    r"\{\{\s*[\w.\- ]{1,40}\s*\}\}"
    r"|<\s*(?:PLACEHOLDER|INSERT[\w ]*|[A-Z]+_[A-Z_]+)\s*>"
    r"|\[(?:INSERT|PLACEHOLDER|TODO|TBD)\b[^\]\n]{0,60}\]"
    r"|\[\s*your\s+[\w'’ ]{1,30}\](?![(\[:])"  # [Your Name], not a link "[your page](url)"
    r"|<\s*(?:your|insert|enter|add|put)\s+(?:[\w-]+\s+){0,3}?(?:answer|response|text|code|content|here)\b[^<>\n=]{0,20}>"
    r"|\bLorem ipsum\b",
    re.I,
)
# Code anywhere: a fenced block wherever its fence stands (even mid-line or in a list item),
# or from an unclosed fence to the end; then inline code.
CODE_ANYWHERE_RE = re.compile(r"(`{3,}|~{3,}).*?(?:\1|\Z)", re.S)
INLINE_RE = re.compile(r"`[^`\n]+`")
# Template-language syntax that no filled-in text has: GitHub Actions ``${{ }}``, Go/Helm
# ``{{ .Values.x }}`` and ``{{- -}}``, Jinja/Liquid filters ``{{ x | upper }}`` and tags ``{% %}``.
TEMPLATE_SYNTAX_RE = re.compile(r"\$\{\{|\{\{-|-\}\}|\{\{\s*\.|\{\{[^{}\n]*\|[^{}\n]*\}\}|\{%")
# A prompt about templates: double braces in its record are the subject, not a gap.
TEMPLATE_TOPIC_RE = re.compile(
    r"\b(?:jinja2?|helm|handlebars|mustache|liquid|nunjucks|twig|django templates?|go templates?|"
    r"github actions?|workflows? (?:file|ya?ml)|ansible|vue|angular|templat\w*|placeholders?|string interpolation)\b",
    re.I,
)
REFUSAL_RE = re.compile(
    r"\bas an ai(?: language model| model| assistant)?\b|\bas a (?:large )?language model\b"
    r"|\bi(?: am|'m|’m) (?:sorry|afraid),? but i (?:can(?:no|')?t|cannot|am unable to|am not able to|won'?t)"
    r" (?:help|assist|provide|comply|do that|fulfil)"
    r"|\bi (?:cannot|can't|can’t) (?:help|assist) (?:you )?with (?:that|this)"
    r"|\bi(?: am|'m|’m) (?:unable|not able) to (?:help|assist|comply|fulfil) (?:with )?(?:that|this|your)",
    re.I,
)
REFUSAL_HINTS = ("as an ai", "language model", "i cannot", "i can't", "i can’t", "unable to", "not able to", "sorry", "afraid")
HEADING_TABLE_CODE_END = re.compile(r"^\s*(?:[|#>]|```|~~~)")
LIST_MARK_RE = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
CLOSED_END = frozenset(".!?…:;)]}\"'`*»”’。！？」』）।॥؟")
CUT_MARKS = frozenset(",-–—(，、")  # a line that ends on one of these was cut
DANGLING = frozenset(
    ["the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "for", "with", "as", "by", "from", "that", "which", "is", "are", "was", "were", "be", "this", "these", "their", "its", "our", "your", "my", "his", "her", "we", "they", "it", "if", "so", "because", "while", "when"]
)
LONG_LINE_WORDS = 8  # an unpunctuated ending counts as a cut only on a prose line this long
LONG_SENTENCE_WORDS = 15  # a single unpunctuated sentence this long is taken as cut
LABEL_WORDS = 4  # "Best time to visit: early spring" is a label and value; a longer clause before a colon is prose
CLOSING_RE = re.compile(
    r"(?:let me know|(?:i )?hope (?:this|that|it|you)|feel free|happy \w+ing|good luck|have (?:a|an) \w+ "
    r"(?:day|time|week|weekend|trip)|enjoy|thanks|thank you|best|cheers|regards|sincerely|see you)\b",
    re.I,
)
WORD_JOINERS = str.maketrans("", "", "'’-\u200c\u200d")
# Scripts written without spaces between words (or, for Korean, with sentence-final endings
# this check does not read): a missing full stop there is no evidence of a cut.
UNSPACED_RE = re.compile(r"[\u0e00-\u0fff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
SENTENCE_END_RE = re.compile(r"[.!?।؟][\"')\]”’]?\s")


def truncation(answer: str, min_words: int, words: int | None = None) -> str | None:
    """Why ``answer`` looks cut off, or None.

    Evidence of a cut, on the last line: it ends on a comma, a dash or an open bracket, inside
    an open inline code span or bracket, or on a word that cannot end a sentence (an article,
    a conjunction, a preposition, a pronoun); its last sentence has barely begun (two words
    after a sentence's end); or it stops on a lowercase word where the writer ends the other
    lines (or the line's earlier sentences) with punctuation, or after one long sentence
    (``LONG_SENTENCE_WORDS`` words, no enumeration). Not evidence: a missing full stop on a
    short or lone line (a sign-off, a label, a verse, a title), a capitalised last word (a
    name, a German noun), a hashtag or mention, a number, formula or unit ("5/9 = 98.9°C"),
    emoji or other symbols, a closing pleasantry ("Let me know if you have any questions"),
    a "label: value" or an enumeration, text in a script without spaces (CJK, Thai) unless it
    ends on a comma, a list item whose siblings are not punctuated, a heading, a table row, a
    quote, a link or code. Open code fences are ``open_code_fence``'s.

    >>> truncation("Hash maps store keys in buckets, and when two keys land in the same bucket the", 12)
    "The answer stops mid-sentence ('...same bucket the')."
    >>> truncation("Hash maps store keys in buckets. Collisions go to a chain in that bucket.", 12) is None
    True
    >>> truncation("Adopted the sweetest puppy today and I cannot stop smiling at him. #PuppyLove", 12) is None
    True
    """
    text = answer.rstrip()
    if (word_count(text) if words is None else words) < min_words or fence_state(text) in ("open_at_end", "unbalanced"):
        return None
    last_line = text.rsplit("\n", 1)[-1].strip()
    if not last_line or HEADING_TABLE_CODE_END.match(last_line) or text.endswith(("```", "~~~")):
        return None
    item = LIST_MARK_RE.match(last_line) is not None
    last_line = LIST_MARK_RE.sub("", last_line, count=1)
    tokens = last_line.split()
    if not tokens:
        return None
    end = last_line[-1]
    cut = f"The answer stops mid-sentence ('...{' '.join(tokens[-3:])}')."
    if end.isalnum() and (last_line.count("`") % 2 or last_line.count("(") > last_line.count(")")):
        return cut  # an inline code span or a bracket left open
    if end in CLOSED_END or any(mark in tokens[-1] for mark in ("://", "/", "@", "`", "#", "=")):
        return None  # a closed sentence; a link, path, address, hashtag or formula on its own
    if end in CUT_MARKS and not last_line.endswith((":(", ":-(")):
        return cut
    last = tokens[-1].strip("\"'“”‘’*_").lower()
    if len(tokens) >= 2 and last in DANGLING:
        return cut
    word = last.translate(WORD_JOINERS)
    if not _is_word(end) or not _is_word(word) or not word.isascii() and UNSPACED_RE.search(word):
        return None  # a number, unit, symbol or emoji, or a script without spaces (CJK, Thai)
    if len(tokens) < 3 or CLOSING_RE.match(last_line):
        return None  # a word or two, a closing pleasantry
    ends = list(SENTENCE_END_RE.finditer(last_line))
    started = bool(ends)  # earlier sentences of the line end
    tail = last_line[ends[-1].end():].split() if ends else tokens  # the last sentence so far
    if CLOSING_RE.match(" ".join(tail)):
        return None  # "... Hope this helps", "... Good luck"
    if started and len(tail) <= 2:
        return cut  # a new sentence that has only begun
    sentence = " ".join(tail)
    labelled = ":" in sentence and len(sentence.split(":", 1)[0].split()) <= LABEL_WORDS
    if labelled or sum(t.endswith(",") for t in tail) >= 0.4 * len(tail):
        return None  # a label and its value, an enumeration
    if tokens[-1][0].isupper():
        return None  # a name, a title, a capitalised noun
    peers = _peer_lines(text, item)
    if peers:  # the writer ends these lines with punctuation, and not this one
        closed = sum(line[-1] in CLOSED_END or line[-1] in ",;" for line in peers)
        return cut if closed >= 0.8 * len(peers) else None
    if len(tokens) >= LONG_LINE_WORDS and started:
        return cut  # one paragraph whose earlier sentences end, and this one does not
    if len(tokens) >= LONG_SENTENCE_WORDS and sum(t.endswith(",") for t in tokens) < 0.4 * len(tokens):
        return cut  # one long sentence (not an enumeration) that does not end
    return None


def _is_word(text: str) -> bool:
    """Letters only (with the combining vowel signs of Indic scripts)."""
    return text.isalpha() or all(c.isalpha() or unicodedata.category(c)[0] == "M" for c in text)


def _peer_lines(text: str, items: bool) -> list[str]:
    """The answer's other lines of four words or more of the same kind as the last one (list
    items, or prose lines), outside code, headings, tables and quotes: how the writer ends a
    line."""
    out = []
    for line in strip_code(text).split("\n")[:-1]:
        line = line.strip()
        if not line or line[0] in "#|>" or len(line.split()) < 4:
            continue
        if (LIST_MARK_RE.match(line) is not None) == items:
            out.append(line)
    return out[-20:]


def _latin_word(word: str) -> bool:
    """A word in a Latin, Greek or Cyrillic script (where words are separated by spaces)."""
    return all(c < "\u0530" or "\u1e00" <= c <= "\u1eff" for c in word)


class CompletenessCheck(RecordCheck):
    """empty_answer, truncated_answer, open_code_fence, answer_too_short, unfilled_placeholder,
    refusal_boilerplate.

    A message with no content at all is a structural ``missing_content``; ``empty_answer`` is
    an answer that has characters but no substance (whitespace, "N/A", "...").
    """

    name: ClassVar[str] = "completeness"
    pillar = "completeness"
    codes = (
        "empty_answer",
        "truncated_answer",
        "open_code_fence",
        "answer_too_short",
        "unfilled_placeholder",
        "refusal_boilerplate",
    )

    def check(self, record: Record, profile: Any) -> list[Finding]:
        out: list[Finding] = []
        placeholder = _placeholder(record)
        if placeholder:
            out.append(placeholder)
        answers = answer_messages(record)
        if not answers or not any(m.content for m in answers):
            return out  # no answer text at all: a structural failure, reported by structure
        answer = answer_text(record)
        if answer.strip().lower() in FILLER:
            shown = "only whitespace" if not answer.strip() else f"only {answer.strip()!r}"
            out.append(Finding("empty_answer", detail=f"The answer is {shown}."))
            return out
        state = fence_state(answer)
        if state == "open_at_end":
            out.append(Finding("open_code_fence", detail="The answer stops inside an open code block."))
        words = profile.words if profile is not None else word_count(answer)
        cut = truncation(answer, self.options.truncation_min_words, words)
        if cut:
            out.append(Finding("truncated_answer", detail=cut))
        short = self._too_short(_instruction(record), words)
        if short:
            out.append(Finding("answer_too_short", detail=short))
        head = answer[:2000]
        low = head.lower()
        m = REFUSAL_RE.search(head) if any(h in low for h in REFUSAL_HINTS) else None
        if m:
            out.append(Finding("refusal_boilerplate", detail=f"The answer contains boilerplate: '{m.group(0)}'."))
        return out

    def _too_short(self, instruction: str, words: int) -> str | None:
        if not instruction:
            return None
        m = AT_LEAST_RE.search(instruction)
        if m and words < int(m.group(1)) // 2:
            return f"The instruction asks for at least {m.group(1)} words; the answer has {words}."
        d = DETAIL_RE.search(instruction)
        need = self.options.min_words_detailed
        if d and words < need:
            return f"The instruction asks for '{d.group(0)}' but the answer has only {words} words (under {need})."
        return None


def prose_only(text: str) -> str:
    """``text`` without code: fenced blocks wherever their fences stand, inline code, and
    indented code blocks (lines indented four spaces or a tab after a blank line).

    >>> prose_only("Use it:\\n\\n    uses: ${{ x }}\\n\\nDone, see `{{ y }}`.")
    'Use it:\\n\\n\\nDone, see  .'
    """
    if "```" in text or "~~~" in text:
        text = CODE_ANYWHERE_RE.sub("\n", text)
    if "`" in text:
        text = INLINE_RE.sub(" ", text)
    if "\n    " not in text and "\n\t" not in text:
        return text
    out: list[str] = []
    in_block = False
    blank = True
    for line in text.split("\n"):
        if line.startswith(("    ", "\t")) and line.strip() and (blank or in_block):
            in_block = True
            continue
        in_block = in_block and not line.strip()
        blank = not line.strip()
        out.append(line)
    return "\n".join(out)


def _placeholder(record: Record) -> Finding | None:
    templated: bool | None = None
    for part, i, m in all_messages(record):
        if not m.content:
            continue
        text = m.content
        if "{{" not in text and "<" not in text and "[" not in text and "orem" not in text:
            continue
        for hit in PLACEHOLDER_RE.finditer(prose_only(text)):
            if hit.group(0).startswith("{{"):
                if templated is None:
                    templated = TEMPLATE_TOPIC_RE.search(_instruction(record)[:2000]) is not None
                if templated or TEMPLATE_SYNTAX_RE.search(text):
                    continue  # template content: the record is about templates or is one
            return Finding(
                "unfilled_placeholder",
                detail=f"{where(part, i).capitalize()} has an unfilled placeholder '{hit.group(0)[:40]}'.",
            )
    return None


CHECKS = [CompletenessCheck]
