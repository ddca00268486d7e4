"""Completeness of answers: empty, cut off, far too short, unfilled placeholders, refusals."""

from __future__ import annotations

import re
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
    r"|\bLorem ipsum\b",
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
LIST_OR_CODE_END = re.compile(r"^\s*(?:[-*+|#>]|\d{1,3}[.)]|```|~~~)")
CLOSED_END = frozenset(".!?…:;)]}\"'`*»”’。！？」』）")
DANGLING = frozenset(
    ["the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "for", "with", "as", "by", "from", "that", "which", "is", "are", "was", "were", "be", "this", "these", "their", "its", "our", "your", "my", "his", "her", "we", "they", "it", "if", "so", "because", "while", "when"]
)


def truncation(answer: str, min_words: int, words: int | None = None) -> str | None:
    """Why ``answer`` looks cut off mid-sentence, or None.

    >>> truncation("Hash maps store keys in buckets, and when two keys land in the same bucket the", 12)
    "The answer stops mid-sentence ('...same bucket the')."
    >>> truncation("Hash maps store keys in buckets. Collisions go to a chain in that bucket.", 12) is None
    True
    """
    text = answer.rstrip()
    if (word_count(text) if words is None else words) < min_words or fence_state(text) in ("open_at_end", "unbalanced"):
        return None
    last_line = text.rsplit("\n", 1)[-1].strip()
    if not last_line or LIST_OR_CODE_END.match(last_line) or text.endswith(("```", "~~~")):
        return None
    words = last_line.split()
    if last_line[-1] in CLOSED_END or any(mark in words[-1] for mark in ("://", "/", "@", "`")):
        return None  # a closed sentence, or a link, path or address standing on its own
    if len(words) < 4 and last_line[-1] not in ",-–—(":
        return None  # a short closing line (a sign-off, a label, a number) is fine
    last = words[-1].lower().strip(",")
    if last_line[-1].isalnum() or last_line[-1] in ",-–—(" or last in DANGLING:
        return f"The answer stops mid-sentence ('...{' '.join(words[-3:])}')."
    return None


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


def _placeholder(record: Record) -> Finding | None:
    for part, i, m in all_messages(record):
        if not m.content:
            continue
        text = m.content
        if "{{" not in text and "<" not in text and "[" not in text and "orem" not in text:
            continue
        hit = PLACEHOLDER_RE.search(strip_code(text))
        if hit:
            return Finding(
                "unfilled_placeholder",
                detail=f"{where(part, i).capitalize()} has an unfilled placeholder '{hit.group(0)[:40]}'.",
            )
    return None


CHECKS = [CompletenessCheck]
