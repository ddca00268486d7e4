"""Packed SFT batches (bfd, padding-free) never let one sample attend to another.

The trainer packs samples into one flattened row per micro-batch and relies on transformers
building a block-diagonal mask from the restarting position ids. This holds the whole path,
from `train`'s own settings to the model's logits, to that: a sample's logits inside the packed
row equal its logits alone.
"""

from __future__ import annotations

from pathlib import Path

from train_exports import tiny_settings, write_export

from train.config import build_config
from train.runner import base_model, peft_config_for, preflight, training_kwargs
from train.sft import build_sft_trainer


def test_packed_rows_keep_samples_apart(tmp_path: Path) -> None:
    import torch

    export = write_export(tmp_path / "export")
    cfg = build_config(
        {**tiny_settings(export, tmp_path / "run", max_steps=1), "per_device_batch_size": 4}
    )
    prep = preflight(cfg)
    kwargs, _ = training_kwargs(cfg, prep)
    model = base_model(cfg, prep)
    trainer = build_sft_trainer(
        model,
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
    assert batch["input_ids"].shape[0] == 1  # padding-free: one flattened row
    positions = batch["position_ids"][0]
    starts = [i for i in range(len(positions)) if positions[i] == 0]
    assert len(starts) >= 3, "the batch should hold several packed samples"
    net = trainer.model.eval()
    with torch.no_grad():
        packed = net(
            input_ids=batch["input_ids"], position_ids=batch["position_ids"], use_cache=False
        ).logits[0]
        for start, end in zip(starts, [*starts[1:], len(positions)], strict=True):
            alone = net(input_ids=batch["input_ids"][:, start:end], use_cache=False).logits[0]
            assert torch.allclose(packed[start:end], alone, atol=1e-4), (start, end)
