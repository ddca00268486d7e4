"""The `tiny-random` smoke model: a random 2-layer Llama and a tokenizer trained on the data.

It lets the whole training path run on a CPU in seconds with no download. It is labelled a
smoke run everywhere it appears: its outputs are not a model anyone should use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

TINY_NAME = "tiny-random"
SMOKE_NOTE = "SMOKE RUN: tiny-random is a random 2-layer model, not a usable model."
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

# ChatML with {% generation %} markers around what the assistant says, end-of-turn included,
# so that assistant-only loss masks exactly the tokens the model must learn to produce.
CHATML_TEMPLATE = (
    "{%- if tools %}{{ '<|im_start|>system\\n# Tools\\n' + (tools | tojson) + '<|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}"
    "{%- if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\\n' }}{% generation %}"
    "{{ message['content'] or '' }}"
    "{%- if message.get('tool_calls') %}{%- for call in message['tool_calls'] %}"
    "{{ '<tool_call>' + (call['function'] | tojson) + '</tool_call>' }}"
    "{%- endfor %}{%- endif %}"
    "{{ '<|im_end|>' }}{% endgeneration %}{{ '\\n' }}"
    "{%- else %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + (message['content'] or '') + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{%- endif %}"
)


def corpus(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """Every text of export rows (messages, prompts, completions, chosen and rejected)."""
    for row in rows:
        for key in ("messages", "prompt", "completion", "chosen", "rejected", "text"):
            value = row.get(key)
            if isinstance(value, str):
                yield value
            elif isinstance(value, list):
                for msg in value:
                    if isinstance(msg, dict) and msg.get("content"):
                        yield str(msg["content"])


def build_tokenizer(
    texts: Iterable[str],
    vocab_size: int = 2048,
    *,
    special_tokens: list[str] | None = None,
    chat_template: str = CHATML_TEMPLATE,
    eos_token: str = "<|im_end|>",
    pad_token: str = "<|endoftext|>",
    bos_token: str | None = None,
) -> Any:
    """A byte-level BPE tokenizer trained on ``texts``, with the ChatML template above.

    ``special_tokens``, ``chat_template`` and the named tokens give it another model's chat
    format instead (the tests put real models' templates on it).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=special_tokens or SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(list(texts) + ["system user assistant tool"], trainer)
    named = {"eos_token": eos_token, "pad_token": pad_token}
    if bos_token:
        named["bos_token"] = bos_token
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, **named)
    hf.chat_template = chat_template
    return hf


def build_model(tokenizer: Any, seed: int = 42, hidden_size: int = 32, layers: int = 2) -> Any:
    """A randomly initialised Llama of the given (tiny) shape, sized to ``tokenizer``."""
    import torch
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
        tie_word_embeddings=False,
    )
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    try:
        model = LlamaForCausalLM(config)
    finally:
        torch.random.set_rng_state(generator_state)
    model.generation_config = GenerationConfig(
        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id
    )
    return model
