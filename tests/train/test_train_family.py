"""Model families from names, generators and local configs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from train.family import base_model_family, family_of, generator_families


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", "llama"),
        ("llama-3.3-70b-versatile", "llama"),
        ("claude-sonnet-4-5", "claude"),
        ("gpt-4o-mini", "gpt"),
        ("openai/gpt-oss-20b", "gpt"),
        ("o3-mini", "gpt"),
        ("openai-community/gpt2", "gpt2"),
        ("Qwen/Qwen2.5-7B-Instruct", "qwen"),
        ("mistralai/Mixtral-8x7B-v0.1", "mistral"),
        ("google/gemma-2-9b-it", "gemma"),
        ("gemini-2.5-pro", "gemma"),
        ("microsoft/Phi-3-mini-4k-instruct", "phi"),
        ("deepseek-ai/DeepSeek-V3", "deepseek"),
        ("tiny-random", None),
        ("my-org/house-model", None),
    ],
)
def test_family_of(name: str, family: str | None) -> None:
    assert family_of(name) == family


def test_generator_families_group_models() -> None:
    manifest = {
        "generators": [
            {"model": "claude-sonnet-4-5"},
            {"model": "gpt-4o"},
            {"model": "claude-haiku-4"},
            {},
        ]
    }
    assert generator_families(manifest) == {
        "claude": ["claude-sonnet-4-5", "claude-haiku-4"],
        "gpt": ["gpt-4o"],
    }


def test_generators_without_a_recorded_model_belong_to_no_family() -> None:
    from train.family import unrecorded_generator_records

    note = "imported as synthetic; generator not recorded"
    manifest = {
        "generators": [
            {"provider": None, "model": None, "records": 5, "note": note},
            {"provider": "openai", "model": "gpt-4o", "records": 2},
            {"provider": "anthropic", "model": None, "records": 1},
        ]
    }
    assert generator_families(manifest) == {"gpt": ["gpt-4o"]}
    assert unrecorded_generator_records(manifest) == 6
    assert unrecorded_generator_records({"generators": []}) == 0


def test_local_model_family_from_its_config(tmp_path: Path) -> None:
    model = tmp_path / "checkpoint-final"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({"model_type": "qwen2"}), encoding="utf-8")
    assert base_model_family(str(model)) == "qwen"
    assert base_model_family(str(tmp_path / "no-such-dir")) is None
