"""Safety of the data: API keys, private keys, email addresses and phone numbers (masked)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from curate.checks.base import Finding, RecordCheck
from curate.checks.text import all_messages, strip_code, where
from curate.records import Record

# (label, pattern, how many leading characters name the kind and may be shown)
SECRET_PATTERNS: list[tuple[str, re.Pattern[str], int]] = [
    ("Anthropic API key", re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"), 7),
    ("OpenAI API key", re.compile(r"\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"), 3),
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), 4),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"), 4),
    ("Slack token", re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{20,}"), 5),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), 4),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"), 11),
]
SECRET_HINT_RE = re.compile(r"sk-|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|AIza|-----BEGIN")
EMAIL_RE = re.compile(r"(?<![\w.+-])([A-Za-z0-9._%+-]+)@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.([A-Za-z]{2,24}))\b")
PHONE_RE = re.compile(
    r"(?<![\w+.-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,4}(?:[ .-]\d{2,4}){1,4}"
    r"|\(\d{3}\)[ ]?\d{3}[ .-]\d{4}|\d{3}[ .-]\d{3}[ .-]\d{4})(?![\w.-]*\d)"
)
DIGITS_RE = re.compile(r"\d{3}")
RESERVED_TLDS = frozenset({"test", "invalid", "localhost", "example", "local", "internal"})


def mask_secret(value: str, shown: int) -> str:
    """The kind prefix of a secret and its length, never the secret itself.

    >>> mask_secret("sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123", 7)
    'sk-ant-**** (43 characters)'
    """
    return f"{value[:shown]}**** ({len(value)} characters)"


def _looks_real(value: str, shown: int) -> bool:
    body = value[shown:]
    if "-----" in value:
        return True
    if "EXAMPLE" in body.upper() or "XXXX" in body.upper() or "YOUR" in body.upper():
        return False
    return len(set(body)) >= 10 and any(c.isdigit() for c in body)


def find_secret(text: str) -> str | None:
    """A masked description of the first credential in ``text``, or None."""
    if SECRET_HINT_RE.search(text) is None:
        return None
    for label, pattern, shown in SECRET_PATTERNS:
        for m in pattern.finditer(text):
            if _looks_real(m.group(0), shown):
                return f"{label} {mask_secret(m.group(0), shown)}"
    return None


def scrub(text: str) -> str:
    """``text`` with every credential replaced by its masked form (for reports).

    >>> scrub("key sk-proj-4fT9qL2xW8mZ3vR7kP1nB6yH0cJ5dA here")
    'key sk-**** (38 characters) here'
    """
    if SECRET_HINT_RE.search(text) is None:
        return text
    for _label, pattern, shown in SECRET_PATTERNS:
        text = pattern.sub(lambda m, n=shown: mask_secret(m.group(0), n), text)
    return text


def find_email(text: str, example_domains: frozenset[str]) -> str | None:
    """A masked personal email address in ``text`` (example and reserved domains skipped)."""
    if "@" not in text:
        return None
    for m in EMAIL_RE.finditer(text):
        domain, tld = m.group(2).lower(), m.group(3).lower()
        if tld in RESERVED_TLDS or any(domain == d or domain.endswith("." + d) for d in example_domains):
            continue
        return f"{m.group(1)[0]}***@***.{tld}"
    return None


def find_phone(text: str) -> str | None:
    """A masked phone number in ``text`` (10-15 digits written as a phone number), or None."""
    for m in PHONE_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 10 <= len(digits) <= 15 and len(set(digits)) > 2:
            return "*" * (len(digits) - 2) + digits[-2:]
    return None


class SafetyCheck(RecordCheck):
    """secret_in_text, pii_email, pii_phone in any message; reports mask what they found."""

    name: ClassVar[str] = "safety"
    pillar = "safety"
    codes = ("secret_in_text", "pii_email", "pii_phone")

    def check(self, record: Record, profile: Any) -> list[Finding]:
        found: dict[str, Finding] = {}
        pii = self.options.pii
        domains = frozenset(d.lower() for d in self.options.example_email_domains)
        for part, i, m in all_messages(record):
            text = m.content or ""
            for call in m.tool_calls or ():
                text += "\n" + call.function.arguments
            if not text:
                continue
            at = where(part, i)
            if "secret_in_text" not in found:
                secret = find_secret(text)
                if secret:
                    found["secret_in_text"] = Finding("secret_in_text", detail=f"{at.capitalize()} holds a credential: {secret}.")
            if not pii:
                continue
            if "pii_email" not in found:
                email = find_email(text, domains)
                if email:
                    found["pii_email"] = Finding("pii_email", detail=f"{at.capitalize()} holds an email address ({email}).")
            if "pii_phone" not in found and DIGITS_RE.search(text):
                phone = find_phone(strip_code(text))
                if phone:
                    found["pii_phone"] = Finding("pii_phone", detail=f"{at.capitalize()} holds a phone number ({phone}).")
        return list(found.values())


CHECKS = [SafetyCheck]
