"""The trl export loads with `datasets.load_dataset` and passes TRL's own dataset preparation
for SFT and DPO (a byte-level BPE tokenizer trained on the data, a tiny Llama from a config)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from curate.export import export_workspace

pytest.importorskip("trl")
pytestmark = pytest.mark.slow

CHATML = (
    "{%- if tools %}{{ '<|im_start|>system\\n' + (tools | tojson) + '<|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\\n' }}{% generation %}{{ message['content'] or '' }}"
    "{%- if message['tool_calls'] %}{%- for call in message['tool_calls'] %}"
    "{{ '<tool_call>' + (call['function'] | tojson) + '</tool_call>' }}{%- endfor %}{%- endif %}"
    "{{ '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}"
    "{%- else %}{{ '<|im_start|>' + message['role'] + '\\n' + (message['content'] or '') + '<|im_end|>\\n' }}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"
)


@pytest.fixture(autouse=True)
def one_thread() -> Any:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def texts(folder: Path) -> list[str]:
    out = []
    for path in folder.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            row = json.loads(line)
            for key in ("messages", "prompt", "chosen", "rejected"):
                for m in row.get(key) or []:
                    out.append(m.get("content") or "")
    return out


def tokenizer(corpus: list[str]) -> Any:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=512,
        special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer)
    hf = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    hf.chat_template = CHATML
    return hf


def tiny_model(tok: Any) -> Any:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        pad_token_id=tok.pad_token_id,
        eos_token_id=tok.eos_token_id,
        bos_token_id=None,
    )
    return LlamaForCausalLM(config)


def load(folder: Path, manifest: dict, tmp_path: Path) -> Any:
    from datasets import load_dataset

    files = {split: str(folder / entry["path"]) for split, entry in manifest["files"].items()}
    return load_dataset("json", data_files=files, cache_dir=str(tmp_path / "hf-cache"))


def common_args(tmp_path: Path) -> dict[str, Any]:
    return {
        "output_dir": str(tmp_path / "run"),
        "max_steps": 1,
        "per_device_train_batch_size": 2,
        "report_to": "none",
        "save_strategy": "no",
        "logging_strategy": "no",
        "use_cpu": True,
        "max_length": 512,
        "dataset_num_proc": None,
    }


def test_trl_sft_export_loads_and_trains(fixed: tuple[Any, dict], tmp_path: Path) -> None:
    from trl import SFTConfig, SFTTrainer

    ws, _ = fixed
    result = export_workspace(ws, "trl", tmp_path / "sft")
    ds = load(tmp_path / "sft", result.manifest, tmp_path)
    assert {s: ds[s].num_rows for s in ds} == result.manifest["counts"]
    assert {"id", "messages", "tools"} <= set(ds["train"].column_names)
    tok = tokenizer(texts(tmp_path / "sft"))
    args = SFTConfig(**common_args(tmp_path), assistant_only_loss=True)
    trainer = SFTTrainer(
        model=tiny_model(tok),
        args=args,
        train_dataset=ds["train"],
        eval_dataset=ds["validation"],
        processing_class=tok,
    )
    prepared = trainer.train_dataset
    assert prepared.num_rows == ds["train"].num_rows  # no row was dropped as fully masked
    assert all(any(t != -100 for t in labels) for labels in prepared["labels"])
    assert all(any(t == -100 for t in labels) for labels in prepared["labels"])  # prompts masked
    tools_row = next(i for i, t in enumerate(ds["train"]["tools"]) if t)
    assert "get_dag_runs" in tok.decode(prepared[tools_row]["input_ids"])
    trainer.train()
    assert trainer.state.global_step == 1


def test_trl_preference_export_passes_dpo_preparation(
    fixed: tuple[Any, dict], tmp_path: Path
) -> None:
    from trl import DPOConfig, DPOTrainer

    ws, _ = fixed
    result = export_workspace(ws, "trl", tmp_path / "dpo", kind="preference", container="parquet")
    assert result.files["train"] == "train.parquet"
    from datasets import load_dataset

    files = {s: str(tmp_path / "dpo" / e["path"]) for s, e in result.manifest["files"].items()}
    ds = load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "hf-cache"))
    assert {"id", "prompt", "chosen", "rejected"} <= set(ds["train"].column_names)
    corpus = [
        m["content"] or ""
        for row in ds["train"]
        for key in ("prompt", "chosen", "rejected")
        for m in row[key]
    ]
    tok = tokenizer(corpus)
    model = tiny_model(tok)
    trainer = DPOTrainer(
        model=model,
        ref_model=copy.deepcopy(model),
        args=DPOConfig(**common_args(tmp_path)),
        train_dataset=ds["train"],
        eval_dataset=ds["validation"],
        processing_class=tok,
    )
    prepared = trainer.train_dataset
    assert prepared.num_rows == ds["train"].num_rows
    for row in prepared:
        assert row["prompt_ids"] and row["chosen_ids"] and row["rejected_ids"]
        assert row["chosen_ids"] != row["rejected_ids"]


def test_text_only_workspace_exports_trl_prompt_completion(tmp_path: Path) -> None:
    from export_helpers import sft_text
    from trl import SFTConfig, SFTTrainer

    from curate.split import split_workspace
    from curate.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws")
    ws.store.add_records([sft_text(i) for i in range(20)])
    split_workspace(ws, seed=1)
    result = export_workspace(ws, "trl", tmp_path / "text", skip_checks=True)
    ws.close()
    assert result.manifest["layout"] == "text"
    assert result.manifest["policy"]["skip_checks"] is True
    ds = load(tmp_path / "text", result.manifest, tmp_path)
    assert isinstance(ds["train"][0]["prompt"], str) and isinstance(
        ds["train"][0]["completion"], str
    )
    tok = tokenizer([r["prompt"] + r["completion"] for r in ds["train"]])
    trainer = SFTTrainer(
        model=tiny_model(tok),
        args=SFTConfig(**common_args(tmp_path)),
        train_dataset=ds["train"],
        processing_class=tok,
    )
    prepared = trainer.train_dataset
    assert prepared.num_rows == ds["train"].num_rows
    assert all(any(t != -100 for t in labels) for labels in prepared["labels"])
