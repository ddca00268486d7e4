"""Direct preference optimisation with TRL's DPOTrainer."""

from __future__ import annotations

import copy
from typing import Any

from trl import DPOConfig, DPOTrainer

from train.ledger import BatchLedger, LedgerMixin


class RunDPOTrainer(LedgerMixin, DPOTrainer):
    """DPOTrainer that records each batch in the run's ledger."""


def build_dpo_trainer(
    model: Any,
    tokenizer: Any,
    cfg: Any,
    common: dict[str, Any],
    train_ds: Any,
    eval_ds: Any | None,
    peft_config: Any | None,
    callbacks: list[Any],
    ledger: BatchLedger | None,
) -> RunDPOTrainer:
    """A DPO trainer; with an adapter the reference is the base (adapter disabled)."""
    args = DPOConfig(
        **common,
        max_length=cfg.max_length,
        beta=cfg.beta,
        loss_type=[cfg.loss_type],
        dataset_num_proc=cfg.dataset_num_proc,
    )
    # full fine-tuning needs a frozen copy as the reference; with LoRA, disabling it gives one
    ref_model = copy.deepcopy(model) if peft_config is None else None
    trainer = RunDPOTrainer(
        model=model,
        ref_model=ref_model,
        args=args,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=callbacks,
    )
    trainer.ledger = ledger
    return trainer
