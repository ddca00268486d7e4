"""Model loading: safetensors only, and the tiny-random smoke model."""

from __future__ import annotations

from pathlib import Path

import pytest

from train import tiny
from train.config import TrainConfig
from train.errors import ModelLoadError
from train.hardware import Plan
from train.model import load_model

CPU_PLAN = Plan(
    adapter="lora",
    device="cpu",
    per_device_batch_size=1,
    gradient_accumulation_steps=1,
    gradient_checkpointing=False,
    bf16=False,
    optim="adamw_torch",
)


def _tiny_dir(path: Path) -> Path:
    tok = tiny.build_tokenizer(["select distinct rows", "partition by date"])
    tiny.build_model(tok).save_pretrained(str(path))
    tok.save_pretrained(str(path))
    return path


def test_loads_safetensors(tmp_path: Path) -> None:
    model = load_model(str(_tiny_dir(tmp_path / "m")), TrainConfig(), CPU_PLAN)
    assert model.config.num_hidden_layers == 2


def test_refuses_pickled_weights(tmp_path: Path) -> None:
    import torch

    path = _tiny_dir(tmp_path / "m")
    state = {
        k: v.clone() for k, v in load_model(str(path), TrainConfig(), CPU_PLAN).state_dict().items()
    }
    (path / "model.safetensors").unlink()
    torch.save(state, path / "pytorch_model.bin")
    with pytest.raises(ModelLoadError, match="no safetensors weights"):
        load_model(str(path), TrainConfig(), CPU_PLAN)


def test_missing_model_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError) as info:
        load_model(str(tmp_path / "absent"), TrainConfig(), CPU_PLAN)
    assert "\n" not in str(info.value)


def test_tiny_template_masks_only_the_assistant_turn() -> None:
    tok = tiny.build_tokenizer(["How do I dedupe rows?", "Use ROW_NUMBER over the key."])
    messages = [
        {"role": "user", "content": "How do I dedupe rows?"},
        {"role": "assistant", "content": "Use ROW_NUMBER over the key."},
    ]
    out = tok.apply_chat_template(
        messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True
    )
    trained = [t for t, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m]
    assert tok.decode(trained) == "Use ROW_NUMBER over the key.<|im_end|>"
    prompt = tok.apply_chat_template(messages[:1], tokenize=False, add_generation_prompt=True)
    assert tok.apply_chat_template(messages, tokenize=False).startswith(prompt)
