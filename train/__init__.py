"""Train adapters (SFT or DPO, QLoRA or LoRA) on a curated export directory."""
