"""Real models' chat templates: exact assistant-only labels, and generation that stops at the end
of a turn (Llama 3.1, Qwen2.5, Mistral v0.3, Gemma 3, Phi-3; see tests/train/templates/)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from chat_families import FAMILIES, Family
from train_exports import QA, tiny_settings, write_export

from train.config import build_config
from train.errors import PreflightRefused
from train.runner import preflight
from train.turns import IGNORE

SYSTEM = "You are a careful data engineer."
TEXTS = [text for pair in QA for text in pair] + [SYSTEM]


def _conversation(i: int, system: bool, turns: int) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": SYSTEM}] if system else []
    for k in range(turns):
        q, a = QA[(i + k) % len(QA)]
        messages += [
            {"role": "user", "content": f"{q} (ticket {i})"},
            {"role": "assistant", "content": a},
        ]
    return messages


def _export(root: Path, system: bool) -> Path:
    """An SFT export of one- and two-exchange conversations (hashes rewritten to match)."""
    write_export(root, counts=(6, 2, 2))
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    start = 0
    for split in ("train", "validation", "test"):
        n = manifest["files"][split]["rows"]
        rows = [
            {"id": f"rec-{i:04d}", "messages": _conversation(i, system, 1 + i % 2)}
            for i in range(start, start + n)
        ]
        start += n
        path = root / f"{split}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        manifest["files"][split]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (root / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return root


def _base(family: Family, root: Path) -> Path:
    """A local tiny model whose tokenizer carries the family's template and special tokens."""
    from train import tiny

    tok = family.tokenizer(TEXTS)
    target = root / (family.model.split("/")[-1] + "-tiny")
    tiny.build_model(tok).save_pretrained(str(target))
    tok.save_pretrained(str(target))
    return target


def _runs(ids: list[int], labels: list[int]) -> list[list[int]]:
    """The runs of consecutive trained tokens."""
    runs: list[list[int]] = []
    previous = IGNORE
    for token, label in zip(ids, labels, strict=True):
        if label != IGNORE:
            if previous == IGNORE:
                runs.append([])
            runs[-1].append(token)
        previous = label
    return runs


def _settings(export: Path, run: Path, base: Path, **extra: Any) -> dict[str, Any]:
    return {**tiny_settings(export, run, max_length=512), "model": str(base), **extra}


@pytest.mark.parametrize("name", list(FAMILIES))
def test_preflight_trains_exactly_the_assistant_turns(name: str, tmp_path: Path) -> None:
    family = FAMILIES[name]
    export = _export(tmp_path / "export", system=family.system)
    base = _base(family, tmp_path)
    prep = preflight(build_config(_settings(export, tmp_path / "run", base)))
    report, tok = prep.report, prep.tokenizer
    assert report.ok, report.refusals
    assert report.chat_template == "the model's own; assistant turns found by rendering prefixes"
    assert report.end_of_turn == family.end_of_turn
    eot_id = tok.convert_tokens_to_ids(family.end_of_turn)
    rows = {f"rec-{i:04d}": _conversation(i, family.system, 1 + i % 2) for i in range(6)}
    train = prep.datasets["train"]
    assert len(train) == 6
    for rid, ids, labels in zip(train["id"], train["input_ids"], train["labels"], strict=True):
        answers = [m["content"] for m in rows[rid] if m["role"] == "assistant"]
        runs = _runs(ids, labels)
        # each assistant turn, exactly: its content and its end-of-turn token, nothing else
        assert [tok.decode(run).strip() for run in runs] == [
            a.strip() + family.end_of_turn for a in answers
        ]
        assert all(run[-1] == eot_id for run in runs)
        # nothing of the system or user turns, nor of the next turn's header, carries loss
        trained = "".join(tok.decode(run) for run in runs)
        assert "ticket" not in trained and SYSTEM not in trained
    sample = report.samples[0]
    assert sample["trained"][0].strip().endswith(family.end_of_turn)


def test_a_template_whose_prefixes_differ_is_refused_naming_it_and_the_turn(
    tmp_path: Path,
) -> None:
    # Mistral v0.3 renders the system message inside the *last* user turn, so the prompt of an
    # answer renders differently once the answer follows it
    family = FAMILIES["mistral-v0.3"]
    export = _export(tmp_path / "export", system=True)
    base = _base(family, tmp_path)
    with pytest.raises(PreflightRefused) as info:
        preflight(build_config(_settings(export, tmp_path / "run", base)))
    report = info.value.report
    assert report.codes() == ["inconsistent_chat_template"]
    message = report.refusals[0]["message"]
    assert "Mistral-7B-Instruct-v0.3-tiny (mistral family)" in message
    assert "train sample rec-0000, turn 3 (assistant)" in message
    assert report.splits["train"].reasons == {"inconsistent_chat_template": 6}


def test_the_rendered_sample_check_refuses_labels_that_miss_the_end_of_turn(
    tmp_path: Path,
) -> None:
    from train import tiny
    from train.encode import chat_turns, encode_sft
    from train.turns import chat_format, mask_problem

    # ChatML whose generation markers leave <|im_end|> out of the assistant's tokens
    template = tiny.CHATML_TEMPLATE.replace(
        "{{ '<|im_end|>' }}{% endgeneration %}", "{% endgeneration %}{{ '<|im_end|>' }}"
    )
    tok = tiny.build_tokenizer(TEXTS, chat_template=template)
    fmt = chat_format(tok, True)
    assert fmt.markers and fmt.end_of_turn.text == "<|im_end|>"
    row = {"messages": _conversation(0, True, 1)}
    enc = encode_sft(row, tok, fmt, True)
    messages, first = chat_turns(row)
    problem = mask_problem(tok, messages, enc.input_ids, enc.labels, "<|im_end|>", first)
    assert problem is not None and "without the end-of-turn token <|im_end|>" in problem
    # the template as shipped by tiny-random is exact
    good = tiny.build_tokenizer(TEXTS)
    enc = encode_sft(row, good, chat_format(good, True), True)
    assert mask_problem(good, messages, enc.input_ids, enc.labels, "<|im_end|>", first) is None


def _memorise(model: Any, ids: list[int], labels: list[int], steps: int = 300) -> None:
    """Train the tiny model on one sample's labels until it reproduces the answer."""
    import torch

    inputs, targets = torch.tensor([ids]), torch.tensor([labels])
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    model.train()
    for _ in range(steps):
        loss = model(input_ids=inputs, labels=targets).loss
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        if loss.item() < 0.01:
            break
    model.eval()


@pytest.mark.parametrize("name", list(FAMILIES))
def test_generation_stops_at_the_end_of_the_turn(name: str, tmp_path: Path) -> None:
    import json as _json

    from train import tiny
    from train.encode import encode_sft
    from train.evaluate import generate
    from train.turns import chat_format, stop_token_ids, write_generation_config

    family = FAMILIES[name]
    tok = family.tokenizer(TEXTS)
    eot_id = tok.convert_tokens_to_ids(family.end_of_turn)
    stops = stop_token_ids(tok)
    assert stops[0] == eot_id and tok.eos_token_id in stops
    answer = "Broadcast the small table."
    messages = [{"role": "user", "content": QA[3][0]}, {"role": "assistant", "content": answer}]
    enc = encode_sft({"messages": messages}, tok, chat_format(tok, True), True)
    model = tiny.build_model(tok, hidden_size=64)
    _memorise(model, enc.input_ids, enc.labels)
    out = generate(model, tok, messages[:1], 24, "cpu")
    assert out.finished and out.text.strip() == answer
    # the model's generation_config names the end-of-turn token for any server that loads it
    written = write_generation_config(tmp_path / "gen", model, tok)
    config = _json.loads((tmp_path / "gen" / "generation_config.json").read_text("utf-8"))
    assert config["eos_token_id"] == written and written[0] == eot_id
    assert tok.eos_token_id in written


def test_llama_3_1_runs_evaluates_and_merges_with_its_own_template(tmp_path: Path) -> None:
    """The README's example base: trained with its own template, adapter and merge stop on eot."""
    from transformers import GenerationConfig

    from train.evaluate import evaluate_run
    from train.fit import run_training
    from train.merge import merge_run

    family = FAMILIES["llama3.1"]
    export = _export(tmp_path / "export", system=True)
    base = _base(family, tmp_path)
    run = tmp_path / "run"
    run_training(build_config(_settings(export, run, base, max_steps=2)))
    tok_eot = json.loads((run / "tokenizer" / "tokenizer.json").read_text("utf-8"))
    eot_id = next(t["id"] for t in tok_eot["added_tokens"] if t["content"] == "<|eot_id|>")
    adapter = GenerationConfig.from_pretrained(str(run / "adapter"))
    assert eot_id in adapter.eos_token_id
    report = evaluate_run(run, max_samples=2, max_new_tokens=4, max_ppl_samples=2)
    assert report["perplexity_over"] == "answer tokens" and eot_id in report["stop_token_ids"]
    merged = merge_run(run, tmp_path / "merged", dtype="fp32")
    config = json.loads((merged / "generation_config.json").read_text("utf-8"))
    assert eot_id in config["eos_token_id"]


def test_packed_batches_keep_each_samples_prefix_labels(tmp_path: Path) -> None:
    from train.runner import base_model, peft_config_for, training_kwargs
    from train.sft import build_sft_trainer

    family = FAMILIES["llama3.1"]
    export = _export(tmp_path / "export", system=True)
    base = _base(family, tmp_path)
    cfg = build_config(_settings(export, tmp_path / "run", base, per_device_batch_size=4))
    prep = preflight(cfg)
    kwargs, _ = training_kwargs(cfg, prep)
    trainer = build_sft_trainer(
        base_model(cfg, prep),
        prep.tokenizer,
        cfg,
        kwargs,
        prep.datasets["train"],
        prep.datasets.get("validation"),
        peft_config_for(cfg, prep.plan),
        [],
        None,
    )
    batch = next(iter(trainer.get_train_dataloader()))
    ids, labels = batch["input_ids"][0].tolist(), batch["labels"][0].tolist()
    positions = batch["position_ids"][0].tolist()
    starts = [i for i, p in enumerate(positions) if p == 0]
    assert len(starts) >= 2
    by_ids = {
        tuple(r): lab
        for r, lab in zip(
            prep.datasets["train"]["input_ids"], prep.datasets["train"]["labels"], strict=True
        )
    }
    for start, end in zip(starts, [*starts[1:], len(ids)], strict=True):
        expected = by_ids[tuple(ids[start:end])]
        assert labels[start:end] == [IGNORE, *expected[1:]]


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_lag",
            "description": "Consumer lag of a Kafka group",
            "parameters": {"type": "object", "properties": {"group": {"type": "string"}}},
        },
    }
]
CALL = {
    "id": "call00001",
    "type": "function",
    "function": {"name": "get_lag", "arguments": {"group": "etl"}},
}
TOOL_CHAT = [
    {"role": "user", "content": "Which consumer group lags?"},
    {"role": "assistant", "content": "", "tool_calls": [CALL]},
    {"role": "tool", "tool_call_id": "call00001", "content": '{"lag": 420}'},
    {"role": "assistant", "content": "The etl group lags by 420 messages."},
]


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("llama3.1", '{"name": "get_lag", "parameters": {"group": "etl"}}'),
        (
            "qwen2.5",
            '<tool_call>\n{"name": "get_lag", "arguments": {"group": "etl"}}\n</tool_call>',
        ),
        (
            "mistral-v0.3",
            '[TOOL_CALLS] [{"name": "get_lag", "arguments": {"group": "etl"}, "id": "call00001"}]',
        ),
    ],
)
def test_tool_calls_are_trained_as_the_template_renders_them(name: str, call: str) -> None:
    from train.encode import chat_turns, encode_sft
    from train.turns import chat_format, mask_problem

    family = FAMILIES[name]
    tok = family.tokenizer(TEXTS)
    fmt = chat_format(tok, True)
    row = {"messages": TOOL_CHAT, "tools": json.dumps(TOOLS)}
    enc = encode_sft(row, tok, fmt, True)
    eot = family.end_of_turn
    assert [tok.decode(run).strip() for run in _runs(enc.input_ids, enc.labels)] == [
        call + eot,
        "The etl group lags by 420 messages." + eot,
    ]
    messages, first = chat_turns(row)
    assert mask_problem(tok, messages, enc.input_ids, enc.labels, eot, first) is None


def test_a_template_that_drops_tool_calls_is_refused(tmp_path: Path) -> None:
    # Phi-3's template renders neither tool calls nor tool results: the turn would be learnt empty
    family = FAMILIES["phi3"]
    export = _export(tmp_path / "export", system=True)
    path = export / "train.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    rows[2] = {"id": "rec-0002", "messages": TOOL_CHAT, "tools": TOOLS}
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    manifest = json.loads((export / "manifest.json").read_text("utf-8"))
    manifest["files"]["train"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (export / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    base = _base(family, tmp_path)
    with pytest.raises(PreflightRefused) as info:
        preflight(build_config(_settings(export, tmp_path / "run", base)))
    report = info.value.report
    assert report.codes() == ["assistant_mask_mismatch"]
    message = report.refusals[0]["message"]
    assert "train sample rec-0002" in message and "calls get_lag" in message
    assert "Phi-3-mini-4k-instruct-tiny (phi family)" in message


ANSWER_WORDS = sorted({w for _, a in QA for w in a.split() if "ticket" not in w})[:60]


@pytest.fixture(scope="module")
def family_tokenizers() -> dict[str, Any]:
    return {name: family.tokenizer(TEXTS) for name, family in FAMILIES.items()}


def _answer() -> Any:
    from hypothesis import strategies as st

    words = st.lists(st.sampled_from(ANSWER_WORDS), min_size=1, max_size=12)
    space = st.sampled_from(["", " ", "\n", "  \n"])
    return st.builds(
        lambda lead, ws, sep, tail: lead + sep.join(ws) + tail,
        space,
        words,
        st.sampled_from([" ", "\n", "\n\n"]),
        space,
    )


@pytest.mark.parametrize("name", list(FAMILIES))
def test_labels_are_each_assistant_turn_and_its_end_of_turn_token(
    name: str, family_tokenizers: dict[str, Any]
) -> None:
    """For any conversation: the trained runs are the answers with their end-of-turn token, and
    a tokenizer without character offsets (labels from tokenised prefixes) gets the same labels."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from train.encode import encode_sft
    from train.turns import _label_by_prefixes, assistant_spans, chat_format

    family = FAMILIES[name]
    tok = family_tokenizers[name]
    fmt = chat_format(tok, True)
    eot = family.end_of_turn

    @settings(max_examples=25, deadline=None)
    @given(answers=st.lists(_answer(), min_size=1, max_size=3), system=st.booleans())
    def check(answers: list[str], system: bool) -> None:
        messages = [{"role": "system", "content": SYSTEM}] if system and family.system else []
        for k, answer in enumerate(answers):
            messages += [
                {"role": "user", "content": f"Question {k} (ticket {k})"},
                {"role": "assistant", "content": answer},
            ]
        enc = encode_sft({"messages": messages}, tok, fmt, True)
        runs = _runs(enc.input_ids, enc.labels)
        squash = "".join
        assert [squash(tok.decode(r).split()) for r in runs] == [
            squash(a.split()) + eot for a in answers
        ]
        full, spans = assistant_spans(tok, messages, None, None, eot)
        assert _label_by_prefixes(tok, full, spans) == (enc.input_ids, enc.labels)

    check()


def test_qwen3_whose_earlier_turns_render_differently_uses_trls_training_variant() -> None:
    # Qwen3 writes an empty reasoning block only into the last assistant turn, so the prefixes
    # of a two-exchange conversation differ; TRL ships a prefix-preserving variant with markers
    from pathlib import Path as _Path

    import trl

    from train import tiny
    from train.encode import chat_turns, encode_sft
    from train.turns import chat_format, mask_problem

    template = (_Path(trl.__file__).parent / "chat_templates" / "qwen3.jinja").read_text("utf-8")
    tok = tiny.build_tokenizer(
        TEXTS,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<think>", "</think>"],
        chat_template=template,
        eos_token="<|im_end|>",
    )
    fmt = chat_format(tok, True)
    assert fmt.how == "TRL's training variant of the model's template" and fmt.markers
    row = {"messages": _conversation(1, True, 2)}
    enc = encode_sft(row, tok, fmt, True)
    runs = [tok.decode(run) for run in _runs(enc.input_ids, enc.labels)]
    answers = [m["content"] for m in row["messages"] if m["role"] == "assistant"]
    # the variant's markers close after the newline; nothing after <|im_end|> is learnt
    assert runs == [f"<think>\n\n</think>\n\n{a}<|im_end|>" for a in answers]
    messages, first = chat_turns(row)
    assert (
        mask_problem(tok, messages, enc.input_ids, enc.labels, "<|im_end|>", first, fmt.template)
        is None
    )


@pytest.mark.parametrize("name", list(FAMILIES))
def test_the_rendered_sample_check_refuses_labels_that_take_in_the_prompt(name: str) -> None:
    from train.encode import encode_sft
    from train.turns import chat_format, mask_problem

    family = FAMILIES[name]
    tok = family.tokenizer(TEXTS)
    messages = _conversation(0, family.system, 1)
    whole = encode_sft({"messages": messages}, tok, chat_format(tok, False), False)
    problem = mask_problem(tok, messages, whole.input_ids, whole.labels, family.end_of_turn)
    assert problem is not None


def test_end_of_turn_of_a_template_that_requires_a_system_message() -> None:
    from train import tiny
    from train.turns import end_of_turn, generation_prompt, stop_token_ids

    strict = (
        "{%- if messages[0]['role'] != 'system' %}{{ raise_exception('system first') }}{%- endif %}"
        + tiny.CHATML_TEMPLATE
    )
    tok = tiny.build_tokenizer(TEXTS, chat_template=strict, eos_token="<|endoftext|>")
    assert end_of_turn(tok).text == "<|im_end|>"
    assert generation_prompt(tok) == "<|im_start|>assistant\n"
    assert stop_token_ids(tok) == [
        tok.convert_tokens_to_ids("<|im_end|>"),
        tok.convert_tokens_to_ids("<|endoftext|>"),
    ]
