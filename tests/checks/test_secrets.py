"""Secrets and personal data, always masked in the details."""

from __future__ import annotations

import pytest
from check_helpers import chat, details, run_check

from curate.checks.secrets import SafetyCheck

KEYS = [
    "sk-proj-4fT9qL2xW8mZ3vR7kP1nB6yH0cJ5dA",
    "sk-ant-api03-Zx8Kq2Lm9Rt4Vb7Nc1Ws6Yh3Jd0Fg5Ep",
    "AKIAZ3MEXQ7PLDK2R4TB",
    "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "-----BEGIN RSA PRIVATE KEY-----",
]


@pytest.mark.parametrize("key", KEYS)
def test_secrets_are_found_and_never_printed(key: str) -> None:
    record = chat(answer=f"Configure the client with {key} and restart the service.")
    assert run_check(SafetyCheck, record) == ["secret_in_text"]
    text = " ".join(details(SafetyCheck, record))
    if "PRIVATE KEY" not in key:
        assert key not in text and key[8:] not in text


@pytest.mark.parametrize("fake", ["sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxx", "AKIAIOSFODNN7EXAMPLE", "sk-your-key-here-please"])
def test_placeholders_for_keys_are_not_secrets(fake: str) -> None:
    assert run_check(SafetyCheck, chat(answer=f"Set OPENAI_API_KEY={fake} in your shell.")) == []


def test_emails_and_phones() -> None:
    assert run_check(SafetyCheck, chat(answer="Write to maria.lopez@northwind.io for access.")) == ["pii_email"]
    assert run_check(SafetyCheck, chat(answer="Write to someone@example.com for access.")) == []
    assert run_check(SafetyCheck, chat(answer="Call +1 415 555 0134 after hours.")) == ["pii_phone"]
    assert run_check(SafetyCheck, chat(answer="Call (415) 555-0134 after hours.")) == ["pii_phone"]
    email = " ".join(details(SafetyCheck, chat(answer="Mail maria.lopez@northwind.io now.")))
    assert "maria.lopez" not in email


@pytest.mark.parametrize("text", ["Released on 2023-10-15 as version 1.2.3.", "Use the host 192.168.1.10 here.", "Pi is 3.14159265358."])
def test_numbers_that_are_not_phones(text: str) -> None:
    assert run_check(SafetyCheck, chat(answer=text)) == []


def test_pii_can_be_turned_off(tmp_path) -> None:
    from curate.checks.rubric import load_rubric

    path = tmp_path / "r.yaml"
    path.write_text("checks:\n  safety:\n    pii: false\n")
    assert run_check(SafetyCheck, chat(answer="Call +1 415 555 0134."), load_rubric(path)) == []
