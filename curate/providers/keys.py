"""API keys: found in the environment, never written anywhere; only a fingerprint is kept."""

from __future__ import annotations

import hashlib
import os
import re

from curate.errors import UsageError

DEFAULT_ENV = {
    "anthropic": "ANTHROPIC_API_KEY",
    "openai": "OPENAI_API_KEY",
    "openai-compatible": "OPENAI_API_KEY",
}
# Self-hosted OpenAI-compatible servers (vLLM, Ollama) usually accept any key.
PLACEHOLDER_KEY = "EMPTY"
REDACTED = "[redacted]"

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Key-shaped tokens that an error message from a provider may echo back (masked or not).
_KEY_LIKE = re.compile(
    r"(sk-ant-[A-Za-z0-9_\-*.]{6,}|sk-[A-Za-z0-9_\-*.]{6,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|(?i:bearer)\s+[A-Za-z0-9_\-.*]{8,})"
)
_SECRETS: set[str] = set()


def resolve_key(
    provider: str,
    api_key_env: str | None = None,
    *,
    explicit: str | None = None,
    base_url: str | None = None,
) -> str:
    """The API key for ``provider``: explicit, else the named environment variable.

    A missing key raises MissingApiKey with one sentence naming the variable. An
    OpenAI-compatible server without a key gets a placeholder (vLLM and Ollama accept it)
    unless ``api_key_env`` names a variable on purpose. ``base_url`` is accepted for symmetry.
    """
    del base_url
    from curate.providers.errors import MissingApiKey

    if explicit:
        register_secret(explicit)
        return explicit
    env = api_key_env or DEFAULT_ENV.get(provider, "OPENAI_API_KEY")
    if not _ENV_NAME.match(env):
        raise UsageError(
            "The api_key_env setting must name an environment variable, not hold a key.",
            "Put the key in an environment variable and write its name in curate.toml.",
        )
    value = os.environ.get(env, "").strip()
    if value:
        register_secret(value)
        return value
    if provider == "openai-compatible" and api_key_env is None:
        return PLACEHOLDER_KEY
    raise MissingApiKey(
        f"No API key for {provider}: the environment variable {env} is not set.",
        f"Set it (export {env}=...) or name another variable with api_key_env in curate.toml.",
    )


def fingerprint(key: str | None) -> str | None:
    """A short, irreversible fingerprint of a key, safe to store (``sha256:`` + 12 hex)."""
    if not key:
        return None
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def register_secret(value: str) -> None:
    """Remember a secret of this process so that :func:`scrub` removes it from any text."""
    if value and len(value) >= 6 and value != PLACEHOLDER_KEY:
        _SECRETS.add(value)


def scrub(text: str | None, *, key_like: bool = False) -> str | None:
    """``text`` with every known secret removed; ``key_like`` also masks key-shaped tokens."""
    if not text:
        return text
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, REDACTED)
    if key_like:
        text = _KEY_LIKE.sub(REDACTED, text)
    return text


# Query parameters that carry a credential in some APIs' URLs (Azure's api-key, Google's
# key, signed URLs' sig and token): their values are masked wherever a URL is stored or shown.
_SECRET_PARAM = re.compile(
    r"^(api[-_]?key|key|token|access[-_]?token|auth|authorization|secret|client[-_]?secret"
    r"|password|passwd|pwd|sig|signature|x-api-key|code)$",
    re.IGNORECASE,
)
MASK = "***"


def mask_url(url: str | None) -> str | None:
    """``url`` with its ``user:password@`` part and secret query values masked.

    The masked values are also remembered as secrets, so :func:`scrub` removes them from
    any other text (an error message that repeats the URL).

    >>> mask_url("https://u:pw@api.example.com/v1?api-version=2&api-key=abc123")
    'https://***@api.example.com/v1?api-version=2&api-key=***'
    >>> mask_url("http://localhost:8000/v1")
    'http://localhost:8000/v1'
    """
    if not url:
        return url
    from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL at all: show nothing of it that could be a secret
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        for secret in userinfo.split(":"):
            register_secret(secret)
        netloc = f"{MASK}@{host}"
    query = parts.query
    if query:
        pairs = []
        for name, value in parse_qsl(query, keep_blank_values=True):
            if value and _SECRET_PARAM.match(name):
                register_secret(value)
                value = MASK
            pairs.append(f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~*')}")
        query = "&".join(pairs)
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def mask_urls(text: str) -> str:
    """``text`` with every ``http(s)://`` URL in it passed through :func:`mask_url`."""
    return _URL.sub(lambda m: mask_url(m.group(0)) or "", text)


_URL = re.compile(r"https?://[^\s'\"<>]+")
