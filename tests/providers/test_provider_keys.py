"""API keys: from the environment, one sentence when missing, never written anywhere."""

from __future__ import annotations

import pytest
from fakeserver import PLANTED_KEY

from curate.errors import UsageError
from curate.providers import MissingApiKey, get_provider
from curate.providers.errors import error_from_status
from curate.providers.keys import PLACEHOLDER_KEY, fingerprint, resolve_key, scrub


@pytest.mark.parametrize(
    ("provider", "variable"), [("anthropic", "ANTHROPIC_API_KEY"), ("openai", "OPENAI_API_KEY")]
)
def test_missing_key_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, provider: str, variable: str
) -> None:
    monkeypatch.delenv(variable, raising=False)
    with pytest.raises(MissingApiKey) as info:
        get_provider(provider)
    assert variable in info.value.message
    assert info.value.message.count(".") == 1  # one sentence
    assert info.value.exit_code == 2


def test_key_from_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEAM_KEY", PLANTED_KEY)
    assert resolve_key("openai", "TEAM_KEY") == PLANTED_KEY
    monkeypatch.delenv("TEAM_KEY")
    with pytest.raises(MissingApiKey, match="TEAM_KEY"):
        resolve_key("openai", "TEAM_KEY")


def test_a_key_pasted_as_the_variable_name_is_refused_without_echo() -> None:
    with pytest.raises(UsageError) as info:
        resolve_key("openai", PLANTED_KEY)
    assert PLANTED_KEY not in str(info.value)


def test_compatible_servers_need_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert resolve_key("openai-compatible", None) == PLACEHOLDER_KEY


def test_fingerprint_is_short_and_irreversible() -> None:
    fp = fingerprint(PLANTED_KEY)
    assert fp is not None and fp.startswith("sha256:") and len(fp) == 19
    assert PLANTED_KEY[-4:] not in fp and fp == fingerprint(PLANTED_KEY)
    assert fingerprint(None) is None


def test_scrub_removes_known_and_key_shaped_secrets() -> None:
    resolve_key("openai", explicit=PLANTED_KEY)
    assert scrub(f"key={PLANTED_KEY}!") == "key=[redacted]!"
    echoed = "Incorrect API key provided: sk-test-****************-123."
    assert "sk-test" not in (scrub(echoed, key_like=True) or "")
    assert scrub("no secret here", key_like=True) == "no secret here"


def test_error_bodies_are_scrubbed() -> None:
    resolve_key("openai", explicit=PLANTED_KEY)
    body = f'{{"error": {{"message": "Incorrect API key provided: {PLANTED_KEY}"}}}}'
    error = error_from_status("openai", 401, body, {}, None)
    assert PLANTED_KEY not in str(error) and PLANTED_KEY not in (error.body or "")
