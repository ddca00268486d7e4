"""TrainConfig: defaults, validation as one sentence, TOML loading and --set overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from train.config import (
    TrainConfig,
    build_config,
    choose_epochs,
    config_changes,
    learning_rate,
    load_config,
    parse_overrides,
)
from train.errors import ConfigError


def test_defaults_follow_the_seed_recipe() -> None:
    cfg = TrainConfig()
    assert (cfg.adapter, cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout) == ("qlora", 16, 32, 0.05)
    assert cfg.target_modules == "all-linear"
    assert (cfg.lr_scheduler, cfg.warmup, cfg.max_grad_norm) == ("cosine", 0.1, 0.3)
    assert cfg.optim == "paged_adamw_8bit" and cfg.gradient_checkpointing
    assert (cfg.beta, cfg.loss_type) == (0.1, "sigmoid")
    assert learning_rate(cfg, "sft") == 2e-4 and learning_rate(cfg, "dpo") == 5e-6
    assert learning_rate(TrainConfig(learning_rate=1e-3), "dpo") == 1e-3


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"learning_rate": -1}, "Setting 'learning_rate'"),
        ({"lora_dropout": 1.5}, "Setting 'lora_dropout'"),
        ({"method": "ppo"}, "Setting 'method'"),
        ({"adapter": "int8"}, "Setting 'adapter'"),
        ({"max_length": 4}, "Setting 'max_length'"),
        ({"trust_remote_code": True}, "pinned revision"),
        ({"optim": "lion"}, "Setting 'optim' must be one of"),
        ({"loss_type": "kto"}, "Setting 'loss_type' must be one of"),
        ({"warmup": 2.5}, "whole number"),
        ({"target_modules": []}, "at least one module"),
        ({"lora_rr": 8}, "Did you mean 'lora_r'"),
    ],
)
def test_invalid_settings_raise_one_sentence(values: dict, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        build_config(values)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message and message.endswith((".", "?"))


def test_trust_remote_code_with_revision_is_allowed() -> None:
    assert build_config({"trust_remote_code": True, "revision": "abc123"}).trust_remote_code


def test_toml_flat_or_in_a_train_table_with_overrides_on_top(tmp_path: Path) -> None:
    flat = tmp_path / "flat.toml"
    flat.write_text('model = "tiny-random"\nlora_r = 8\nepochs = 3\n', encoding="utf-8")
    table = tmp_path / "table.toml"
    table.write_text('[train]\nmodel = "tiny-random"\nlora_r = 8\n', encoding="utf-8")
    assert load_config(flat).lora_r == 8 and load_config(flat).epochs == 3
    assert load_config(table).model == "tiny-random"
    assert load_config(flat, {"lora_r": 64}).lora_r == 64


def test_unreadable_toml_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("model = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")


def test_overrides_are_read_as_toml_values() -> None:
    assert parse_overrides(
        ["lora_r=8", "learning_rate=1e-4", "bf16=true", "model=org/name", "epochs=None"]
    ) == {
        "lora_r": 8,
        "learning_rate": 1e-4,
        "bf16": True,
        "model": "org/name",
        "epochs": None,
    }
    assert parse_overrides(["target-modules=['q_proj', 'v_proj']"]) == {
        "target_modules": ["q_proj", "v_proj"]
    }
    with pytest.raises(ConfigError, match="key=value"):
        parse_overrides(["lora_r"])


def test_epochs_rule_follows_the_data_size() -> None:
    assert [choose_epochs(n) for n in (1, 999, 1_000, 9_999, 10_000, 500_000)] == [2, 2, 2, 2, 1, 1]


def test_config_changes_lists_changed_fields_only() -> None:
    a, b = TrainConfig(lora_r=8), TrainConfig(lora_r=16, resume=True)
    assert config_changes(a, b, frozenset({"resume"})) == ["lora_r: 8 -> 16"]
