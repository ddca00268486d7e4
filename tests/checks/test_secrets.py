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
    assert run_check(SafetyCheck, chat(answer="Call +1 415 867 2231 after hours.")) == ["pii_phone"]
    assert run_check(SafetyCheck, chat(answer="Call (415) 867-2231 after hours.")) == ["pii_phone"]
    email = " ".join(details(SafetyCheck, chat(answer="Mail maria.lopez@northwind.io now.")))
    assert "maria.lopez" not in email


@pytest.mark.parametrize("text", ["Released on 2023-10-15 as version 1.2.3.", "Use the host 192.168.1.10 here.", "Pi is 3.14159265358."])
def test_numbers_that_are_not_phones(text: str) -> None:
    assert run_check(SafetyCheck, chat(answer=text)) == []


def test_pii_can_be_turned_off(tmp_path) -> None:
    from curate.checks.rubric import load_rubric

    path = tmp_path / "r.yaml"
    path.write_text("checks:\n  safety:\n    pii: false\n")
    assert run_check(SafetyCheck, chat(answer="Call +1 415 867 2231."), load_rubric(path)) == []


# --- placeholders against real-looking personal data: false positives and recall ---

PLACEHOLDER_EMAILS = [
    "alice@email.com", "bob@email.com", "yourname@yourdomain.com", "boss@company.com",
    "john.doe@example.com", "jane.doe@example.org", "someone@example.net", "user@example.com",
    "your.name@company.com", "name@domain.com", "support@mycompany.com", "info@yourbusiness.com",
    "admin@localhost.localdomain", "test@test.com", "user123@mail.com", "john.smith@email.com",
    "contact@acme.com", "hello@yourwebsite.com", "noreply@github.com", "jdoe@example.co.uk",
    "alice@wonderland.test", "bob@service.example", "x@nowhere.invalid", "dev@api.localhost",
    "firstname.lastname@company.com", "customer1@gmail.com", "sales@company.com",
    "friend@gmail.com", "me@mydomain.org", "student@university.example", "jane@gmail.com",
]
PERSONAL_EMAILS = [
    "maria.gonzalez84@hotmail.com", "j.kowalczyk1987@gmail.com", "tanaka.hiroshi@docomo.ne.jp",
    "wangxiaoming1990@163.com", "pierre.lefebvre@orange.fr", "s.okonkwo@unilag.edu.ng",
    "anna.schmidt@t-online.de", "rkrishnan77@yahoo.co.in", "liam.obrien@eircom.net",
    "m.rossi@libero.it", "chen.jiahui@qq.com", "dmitry.volkov@yandex.ru",
    "emily.watson@northwind-traders.com", "k.nakamura@tohoku-denki.co.jp", "sofia.lindqvist@telia.se",
    "aisha.rahman92@outlook.com", "tom.hughes1975@btinternet.com", "lucas.martins@uol.com.br",
    "johanna.virtanen@helsinki.fi", "mwilliams@contoso-legal.com",
]
PLACEHOLDER_PHONES = [
    "(555) 123-4567", "555-0123", "555-123-4567", "+1 (555) 010-0199", "123-456-7890",
    "(123) 456-7890", "212-555-0147", "+1 415 555 0134", "XXX-XXX-XXXX", "(XXX) XXX-XXXX",
    "000-000-0000", "1-800-555-0199", "987-654-3210", "555.555.5555",
]
PERSONAL_PHONES = [
    "(312) 847-2910", "+1 415-867-2231", "+44 20 7183 4492", "+49 30 2360 8174", "+33 6 12 48 97 35",
    "+81 90-3142-7765", "+86 138 2947 6610", "+91 98450 32718", "617.354.8826", "+61 2 9374 4000",
    "+34 612 48 93 17", "+7 916 284-73-19", "(646) 293-7781", "+55 11 98734-2210", "+1 604 872 3396",
]
SETTINGS = [
    "For example, send the form to {} and wait for a reply.",
    "Contact: {}",
    "你可以发送邮件到 {} 联系我们。",
    "Vous pouvez écrire à {} pour plus d'informations.",
]


def _flagged(values: list[str], code: str) -> list[str]:
    return [v for i, v in enumerate(values) if code in run_check(SafetyCheck, chat(answer=SETTINGS[i % len(SETTINGS)].format(v)))]


def test_placeholder_emails_and_phones_are_not_personal_data() -> None:
    assert _flagged(PLACEHOLDER_EMAILS, "pii_email") == []
    assert _flagged(PLACEHOLDER_PHONES, "pii_phone") == []


def test_real_looking_emails_and_phones_are_still_found() -> None:
    emails = len(PERSONAL_EMAILS) - len(_flagged(PERSONAL_EMAILS, "pii_email"))
    phones = len(PERSONAL_PHONES) - len(_flagged(PERSONAL_PHONES, "pii_phone"))
    assert emails == 0 and phones <= 0.05 * len(PERSONAL_PHONES), (emails, phones)


def test_fictional_numbers_in_an_instruction_dataset_shape() -> None:
    answer = "Sure! Here is a sample signature:\n\nJohn Doe\nSales Manager\nPhone: (555) 123-4567\nEmail: john.doe@example.com"
    assert run_check(SafetyCheck, chat(user="Write an email signature.", answer=answer)) == []
    planted = answer + "\n\nPersonal: maria.gonzalez84@hotmail.com, +44 20 7183 4492"
    assert run_check(SafetyCheck, chat(user="Write an email signature.", answer=planted)) == ["pii_email", "pii_phone"]
