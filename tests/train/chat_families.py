"""Tiny tokenizers that carry real models' chat templates (tests/train/templates/), for the tests.

Each is a byte-level BPE trained on the sample texts, with the model's special tokens and its
template string verbatim; the end-of-sequence token is the one the base model names, which for
several families is not the token that ends an assistant turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class Family:
    """A model's chat format: template file, special tokens, and the token that ends a turn."""

    name: str
    model: str
    template: str
    special: tuple[str, ...]
    bos: str | None
    eos: str
    pad: str
    end_of_turn: str
    system: bool = True  # whether a leading system message renders as a prefix

    def tokenizer(self, texts: list[str]) -> Any:
        from train import tiny

        return tiny.build_tokenizer(
            texts,
            special_tokens=list(self.special),
            chat_template=(TEMPLATES / self.template).read_text(encoding="utf-8"),
            eos_token=self.eos,
            pad_token=self.pad,
            bos_token=self.bos,
        )


FAMILIES = {
    f.name: f
    for f in [
        # Llama 3 base checkpoints name <|end_of_text|> as eos; the chat turn ends with <|eot_id|>
        Family(
            "llama3.1",
            "meta-llama/Llama-3.1-8B-Instruct",
            "llama3_1.jinja",
            (
                "<|begin_of_text|>",
                "<|end_of_text|>",
                "<|start_header_id|>",
                "<|end_header_id|>",
                "<|eot_id|>",
                "<|eom_id|>",
                "<|python_tag|>",
                "<|finetune_right_pad_id|>",
            ),
            "<|begin_of_text|>",
            "<|end_of_text|>",
            "<|finetune_right_pad_id|>",
            "<|eot_id|>",
        ),
        # Qwen2.5 base checkpoints name <|endoftext|> as eos; a turn ends with <|im_end|>
        Family(
            "qwen2.5",
            "Qwen/Qwen2.5-7B-Instruct",
            "qwen2_5.jinja",
            ("<|endoftext|>", "<|im_start|>", "<|im_end|>"),
            None,
            "<|endoftext|>",
            "<|endoftext|>",
            "<|im_end|>",
        ),
        Family(
            "mistral-v0.3",
            "mistralai/Mistral-7B-Instruct-v0.3",
            "mistral_v0_3.jinja",
            (
                "<unk>",
                "<s>",
                "</s>",
                "[INST]",
                "[/INST]",
                "[TOOL_CALLS]",
                "[AVAILABLE_TOOLS]",
                "[/AVAILABLE_TOOLS]",
                "[TOOL_RESULTS]",
                "[/TOOL_RESULTS]",
            ),
            "<s>",
            "</s>",
            "<unk>",
            "</s>",
            system=False,  # the template moves the system message into the last user turn
        ),
        Family(
            "gemma3",
            "google/gemma-3-1b-it",
            "gemma3.jinja",
            ("<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "<end_of_turn>"),
            "<bos>",
            "<eos>",
            "<pad>",
            "<end_of_turn>",
        ),
        # Phi-3 closes a whole conversation with <|endoftext|> after the last turn's <|end|>
        Family(
            "phi3",
            "microsoft/Phi-3-mini-4k-instruct",
            "phi3.jinja",
            ("<unk>", "<s>", "<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>", "<|end|>"),
            "<s>",
            "<|endoftext|>",
            "<|endoftext|>",
            "<|end|>",
        ),
    ]
}
