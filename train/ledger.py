"""The batch ledger: a fingerprint of every micro-batch, by optimizer step, in data_order.jsonl.

It shows that a resumed run saw the same batches in the same order as an uninterrupted one.
Fingerprints are computed on the device and written at logging and checkpoint time, so
recording them adds no per-step host synchronisation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from train.files import write_bytes_atomic

_PRIME = 1_000_003


class BatchLedger:
    """Append-only fingerprints of the batches each optimizer step trained on."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._pending: list[tuple[int, Any, int]] = []

    def record(self, step: int, input_ids: Any) -> None:
        """Queue the fingerprint of one micro-batch of optimizer step ``step``."""
        import torch

        flat = input_ids.reshape(-1).to(torch.int64)
        weights = torch.arange(1, flat.numel() + 1, device=flat.device, dtype=torch.int64) * _PRIME
        self._pending.append((step, (flat * weights).sum(), int(flat.numel())))

    def flush(self) -> None:
        """Write queued fingerprints (one host sync for all of them)."""
        if not self._pending:
            return
        import torch

        values = torch.stack([fp for _, fp, _ in self._pending]).cpu().tolist()
        lines = [
            json.dumps({"step": step, "batch": f"{value & (2**64 - 1):016x}", "tokens": n})
            for (step, _, n), value in zip(self._pending, values, strict=True)
        ]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        self._pending.clear()

    def truncate_after(self, step: int) -> None:
        """Forget entries past ``step`` (work lost by an interruption, about to be redone)."""
        kept = [entry for entry in read_ledger(self.path) if entry["step"] <= step]
        text = "".join(json.dumps(entry) + "\n" for entry in kept)
        write_bytes_atomic(self.path, text.encode("utf-8"))


def read_ledger(path: Path) -> list[dict[str, Any]]:
    """Entries of a ledger file; a line cut off by a kill is ignored."""
    path = Path(path)
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


class LedgerMixin:
    """Mixed into a TRL trainer: fingerprints each micro-batch before training on it."""

    ledger: BatchLedger | None = None

    def training_step(self, model: Any, inputs: Any, num_items_in_batch: Any = None) -> Any:
        ids = inputs.get("input_ids") if isinstance(inputs, dict) else None
        if self.ledger is not None and ids is not None and self.accelerator.is_main_process:  # type: ignore[attr-defined]
            self.ledger.record(self.state.global_step + 1, ids)  # type: ignore[attr-defined]
        return super().training_step(model, inputs, num_items_in_batch)  # type: ignore[misc]
