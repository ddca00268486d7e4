"""Token counts with real tokenizers, chat overhead per template, too_long per target."""

from __future__ import annotations

import quicktok
from check_helpers import RUBRIC, chat

from curate.checks.profile import ProfileContext, profile_record
from curate.checks.rubric import TargetSpec
from curate.checks.tokens import TooLongCheck
from curate.records import Message, Record
from curate.tokens import TokenCounter


def test_openai_count_matches_the_published_formula() -> None:
    record = chat(user="Hello there", answer="General Kenobi", system="Be brief.")
    counter = TokenCounter(RUBRIC.targets["openai"])
    enc = quicktok.get_encoding("o200k_base")
    expected = 3 + sum(3 + len(enc.encode(m.role)) + len(enc.encode(m.content)) for m in record.messages)
    assert counter.count(record) == expected


def test_llama3_and_chatml_overheads_come_from_the_special_tokens() -> None:
    record = chat(user="Hello there", answer="General Kenobi")
    llama = TokenCounter(RUBRIC.targets["llama3-8k"])
    enc = quicktok.get_encoding("llama3")
    content = len(enc.encode("Hello there")) + len(enc.encode("General Kenobi"))
    # <|begin_of_text|> + per message: <|start_header_id|> role <|end_header_id|> \n\n ... <|eot_id|>
    assert llama.count(record) == 1 + content + 2 * 5
    qwen = TokenCounter(RUBRIC.targets["qwen3-32k"])
    qenc = quicktok.get_encoding("qwen3")
    qcontent = len(qenc.encode("Hello there")) + len(qenc.encode("General Kenobi"))
    # <|im_start|> role \n ... <|im_end|> \n
    assert qwen.count(record) == qcontent + 2 * 5


def test_preference_pairs_count_the_longer_side() -> None:
    prompt = [Message(role="user", content="Pick one.")]
    short = [Message(role="assistant", content="A")]
    long = [Message(role="assistant", content="A much longer answer with many more words in it.")]
    counter = TokenCounter(RUBRIC.targets["openai"])
    pair = Record(kind="preference", messages=prompt, chosen=short, rejected=long)
    assert counter.count(pair) == counter.count(Record(messages=prompt + long))


def test_too_long_against_a_small_target() -> None:
    spec = TargetSpec(encoding="o200k_base", max_tokens=50, template="openai")
    ctx = ProfileContext(tokens=TokenCounter(spec))
    check = TooLongCheck(RUBRIC.checks.tokens, RUBRIC)
    short, long = chat(), chat(answer="word " * 200)
    assert check.check(short, profile_record(0, short, ctx)) == []
    found = check.check(long, profile_record(0, long, ctx))
    assert [f.code for f in found] == ["too_long"] and "allows 50" in found[0].detail


def test_a_tokenizer_json_target(tmp_path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(["hello world general kenobi"] * 10, trainers.BpeTrainer(special_tokens=["[UNK]"]))
    path = tmp_path / "tokenizer.json"
    tok.save(str(path))
    counter = TokenCounter(TargetSpec(tokenizer_json=str(path), max_tokens=10, template="none"))
    assert counter.count(chat(user="hello world", answer="general kenobi")) == 4


def test_a_target_tokenizer_loads_like_inspects(tmp_path) -> None:
    import pytest

    from curate.errors import UsageError

    bad = tmp_path / "tokenizer.json"
    bad.write_text("{}", encoding="utf-8")
    for path in (bad, tmp_path / "missing.json"):
        with pytest.raises(UsageError) as info:
            TokenCounter(TargetSpec(tokenizer_json=str(path), max_tokens=10, template="none"))
        assert "tokenizer" in info.value.message and info.value.fix  # one sentence and a fix
