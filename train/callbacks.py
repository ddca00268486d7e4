"""Trainer callbacks: a rich progress bar with the losses, and the batch ledger's flushes."""

from __future__ import annotations

import math
from typing import Any

from transformers import TrainerCallback

from train.ledger import BatchLedger


class LedgerCallback(TrainerCallback):
    """Writes the ledger's queued fingerprints when the trainer logs or checkpoints."""

    def __init__(self, ledger: BatchLedger) -> None:
        self.ledger = ledger

    def on_log(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.ledger.flush()

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.ledger.flush()

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.ledger.flush()


class RichProgressCallback(TrainerCallback):
    """A progress bar over optimizer steps and one line per evaluation."""

    def __init__(self, console: Any, perplexity: bool = True) -> None:
        self.console = console
        self.perplexity = perplexity
        self.progress: Any = None
        self.task: Any = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[loss]}"),
            TimeRemainingColumn(),
            console=self.console,
            transient=True,
        )
        self.progress.start()
        self.task = self.progress.add_task(
            "train", total=state.max_steps, completed=state.global_step, loss=""
        )

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step)

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
        logs = logs or {}
        if self.progress is not None and "loss" in logs:
            self.progress.update(self.task, loss=f"loss {float(logs['loss']):.4f}")
        if "eval_loss" in logs:
            loss = float(logs["eval_loss"])
            ppl = f", perplexity {math.exp(loss):.2f}" if self.perplexity and loss < 50 else ""
            self.console.print(
                f"step {state.global_step} (epoch {state.epoch or 0:.2f}): validation loss {loss:.4f}{ppl}"
            )

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
