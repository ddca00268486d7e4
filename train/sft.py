"""Supervised fine-tuning with TRL's SFTTrainer on the preflight's token ids."""

from __future__ import annotations

from typing import Any

from trl import SFTConfig, SFTTrainer

from train.ledger import BatchLedger, LedgerMixin


class RunSFTTrainer(LedgerMixin, SFTTrainer):
    """SFTTrainer that records each batch in the run's ledger."""


def build_sft_trainer(
    model: Any,
    tokenizer: Any,
    cfg: Any,
    common: dict[str, Any],
    train_ds: Any,
    eval_ds: Any | None,
    peft_config: Any | None,
    callbacks: list[Any],
    ledger: BatchLedger | None,
) -> RunSFTTrainer:
    """An SFT trainer over pre-tokenised ``input_ids``/``labels`` (labels already masked)."""
    args = SFTConfig(
        **common,
        max_length=cfg.max_length,
        packing=cfg.packing,
        packing_strategy=cfg.packing_strategy,
        assistant_only_loss=False,  # the labels carry the assistant-only mask already
        dataset_num_proc=cfg.dataset_num_proc,
    )
    trainer = RunSFTTrainer(
        model=model,
        args=args,
        train_dataset=_tokens_only(train_ds),
        eval_dataset=_tokens_only(eval_ds) if eval_ds is not None else None,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
    )
    trainer.ledger = ledger
    return trainer


def _tokens_only(ds: Any) -> Any:
    return ds.select_columns(["input_ids", "labels"])
