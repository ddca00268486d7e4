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
    r"(?<![\w+.-])(?:\+\d{1,3}[ .-]?(?:\(\d{1,4}\)[ .-]?)?\d{1,5}(?:[ .-]\d{2,5}){1,4}"
    r"|\(\d{3}\)[ ]?\d{3}[ .-]\d{4}|\d{3}[ .-]\d{3}[ .-]\d{4})(?![\w.-]*\d)"
)
DIGITS_RE = re.compile(r"\d[\d .()-]{8,}\d")  # cheap gate: a run long enough for a phone number


# RFC 2606 / RFC 6761 reserved names (plus the private-use .local and .internal).
RESERVED_TLDS = frozenset({"test", "invalid", "localhost", "example", "local", "internal"})
RESERVED_DOMAINS = frozenset({"example.com", "example.org", "example.net", "example.edu"})
# Domains made up for documentation whatever the local part: "yourdomain.com", "mycompany.org",
# "example.co.uk", "acme.com" ...
PLACEHOLDER_DOMAIN_RE = re.compile(
    r"(?:your|my|some|example|sample|placeholder|fake|dummy)[\w-]*|domain|emaildomain|acme(?:corp)?|foo|foobar"
)
# Local parts that name nobody: placeholders, role and team addresses.
PLACEHOLDER_LOCAL = frozenset(
    {
        "yourname", "your.name", "your_name", "youremail", "your.email", "name", "username",
        "user", "email", "emailaddress", "someone", "somebody", "anyone", "person", "me", "you",
        "test", "example", "sample", "placeholder", "foo", "bar", "foo.bar", "firstname",
        "lastname", "firstname.lastname", "first.last", "first_last", "fname.lname",
        "name.surname", "john.doe", "jane.doe", "johndoe", "janedoe", "jdoe", "john_doe",
        "jane_doe", "john.smith", "jane.smith", "recipient", "sender", "customer", "client",
        "boss", "manager", "employee", "friend", "colleague", "student", "teacher", "admin",
        "administrator", "root", "info", "support", "sales", "contact", "hello", "help", "team",
        "noreply", "no-reply", "office", "hr", "billing", "service", "feedback", "press",
        "marketing", "webmaster", "postmaster", "enquiries", "inquiries", "jobs", "careers",
        "abuse", "security", "privacy", "legal", "newsletter", "notifications"
    }
)
PLACEHOLDER_LOCAL_RE = re.compile(r"(?:user|name|test|email|customer|client|person|employee|student)[._-]?\d{0,3}")
# A lone first name at a generic mailbox or made-up company domain ("alice@email.com",
# "bob@company.com") is an example in instruction data; with a surname or digits it is not.
FIRST_NAMES = frozenset(
    {
        "alice", "bob", "carol", "charlie", "dave", "david", "eve", "frank", "grace", "heidi",
        "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter", "john", "jane",
        "mary", "mike", "michael", "peter", "paul", "sarah", "tom", "jim", "joe", "anna", "emma",
        "lisa", "max", "sam", "kate", "amy", "chris", "alex", "ben", "tim"
    }
)
GENERIC_DOMAINS = frozenset(
    {
        "email.com", "mail.com", "company.com", "website.com", "business.com", "corp.com",
        "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
        "icloud.com", "aol.com", "protonmail.com"
    }
)


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


def placeholder_email(local: str, domain: str) -> bool:
    """Whether an address is a made-up example rather than someone's personal address.

    Placeholders: reserved domains (RFC 2606 / 6761: example.com/.org/.net and the .test,
    .example, .invalid and .localhost names), made-up domains (yourdomain.com,
    mycompany.org, example.co.uk), local parts that name nobody (yourname, user, john.doe,
    support, info ...), and a lone first name at a generic mailbox or company domain
    (alice@email.com, boss@company.com).

    >>> placeholder_email("alice", "email.com"), placeholder_email("j.kowalczyk84", "gmail.com")
    (True, False)
    """
    local, domain = local.lower(), domain.lower()
    labels = domain.split(".")
    if labels[-1] in RESERVED_TLDS or any(domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS):
        return True
    # the registrable name: the label before the TLD, or before a two-letter country's "co"/"com"
    name = labels[-3] if len(labels) >= 3 and labels[-2] in ("co", "com", "org", "net", "ac") else labels[-2]
    if PLACEHOLDER_DOMAIN_RE.fullmatch(name):
        return True
    if local in PLACEHOLDER_LOCAL or PLACEHOLDER_LOCAL_RE.fullmatch(local):
        return True
    return local in FIRST_NAMES and domain in GENERIC_DOMAINS


def find_email(text: str, example_domains: frozenset[str]) -> str | None:
    """A masked personal email address in ``text`` (placeholders and the rubric's example
    domains skipped, see ``placeholder_email``)."""
    if "@" not in text:
        return None
    for m in EMAIL_RE.finditer(text):
        domain, tld = m.group(2).lower(), m.group(3).lower()
        if any(domain == d or domain.endswith("." + d) for d in example_domains):
            continue
        if placeholder_email(m.group(1), domain):
            continue
        return f"{m.group(1)[0]}***@***.{tld}"
    return None


def fictional_phone(digits: str) -> bool:
    """Whether a phone number is a made-up one: North American numbers in the 555 exchange
    (555-0100 to 555-0199 are reserved for fiction, and films and examples use the whole
    exchange) or area code, and digit runs such as 123-456-7890.

    >>> fictional_phone("5551234567"), fictional_phone("14155550134"), fictional_phone("3128472910")
    (True, True, False)
    """
    nanp = digits[1:] if len(digits) == 11 and digits[0] == "1" else digits
    if len(nanp) == 10 and (nanp[:3] == "555" or nanp[3:6] == "555"):
        return True
    return digits in "01234567890123456789" or digits in "98765432109876543210"


def find_phone(text: str) -> str | None:
    """A masked phone number in ``text`` (10-15 digits written as a phone number, fictional
    ones skipped), or None."""
    for m in PHONE_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 10 <= len(digits) <= 15 and len(set(digits)) > 2 and not fictional_phone(digits):
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
