"""Tokenise export rows with the model's chat template, exactly as the trainers will see them.

SFT rows become ``input_ids`` and ``labels`` (-100 where no loss is taken); the preflight
counts from them and the SFT trainer trains on them, so what is reported is what is trained.
Preference rows are measured (prompt, chosen and rejected lengths) the way TRL's DPO trainer
splits them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from train.turns import IGNORE, ChatFormat, EndOfTurn, label_turns, trim_after_end_of_turn


@dataclass(frozen=True)
class Encoded:
    """One tokenised SFT sample."""

    input_ids: list[int]
    labels: list[int]

    @property
    def loss_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE)


@dataclass(frozen=True)
class PairLengths:
    """Token lengths of one preference pair, split where TRL splits it."""

    prompt: int
    chosen: int
    rejected: int


def clean_messages(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop keys that Arrow filled with None (a chat template may test for their presence)."""
    return [{k: v for k, v in m.items() if v is not None or k == "content"} for m in messages]


def row_tools(row: dict[str, Any]) -> list[Any] | None:
    tools = row.get("tools")
    if isinstance(tools, str):
        tools = json.loads(tools)
    return tools or None


def is_chat(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and isinstance(value[0], dict)
        and "role" in value[0]
    )


def chat_turns(row: dict[str, Any]) -> tuple[list[dict[str, Any]], int] | None:
    """A chat row's messages (cleaned) and the index of the first one that may carry loss."""
    if is_chat(row.get("messages")):
        return clean_messages(row["messages"]), 0
    if is_chat(row.get("prompt")) and is_chat(row.get("completion")):
        prompt = clean_messages(row["prompt"])
        return prompt + clean_messages(row["completion"]), len(prompt)
    return None


def _chat_ids(
    tokenizer: Any, messages: list, template: str | None, tools: Any, clean: bool = True, **kw: Any
) -> dict:
    return tokenizer.apply_chat_template(
        clean_messages(messages) if clean else messages,
        tools=tools,
        chat_template=template,
        tokenize=True,
        return_dict=True,
        **kw,
    )


def common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _eos(tokenizer: Any, text: str) -> str:
    eos = tokenizer.eos_token or ""
    return text if text.endswith(eos) else text + eos


def encode_sft(
    row: dict[str, Any], tokenizer: Any, fmt: ChatFormat | None, assistant_only: bool
) -> Encoded:
    """Tokens and labels of one SFT row (messages, prompt/completion, or text).

    Conversations are rendered as ``fmt`` says (None: the tokenizer's own template, no
    markers); with ``assistant_only`` the labels keep exactly the assistant turns, each with
    its end-of-turn token, and of a prompt/completion row only the completion's turns.
    """
    chat = chat_turns(row)
    if chat is not None:
        messages, first = chat
        fmt = fmt or ChatFormat(None, False, EndOfTurn(), "the model's own")
        tools = row_tools(row)
        if assistant_only and not fmt.markers:
            ids, labels = label_turns(
                tokenizer, messages, fmt.template, tools, fmt.end_of_turn.text, first
            )
            return Encoded(ids, labels)
        full = _chat_ids(
            tokenizer, messages, fmt.template, tools, return_assistant_tokens_mask=assistant_only
        )
        ids = list(full["input_ids"])
        start = 0
        if first:
            prompt = _chat_ids(
                tokenizer, messages[:first], fmt.template, tools, add_generation_prompt=True
            )
            start = common_prefix(list(prompt["input_ids"]), ids)
        mask = full.get("assistant_masks") if assistant_only else None
        labels = [
            t if i >= start and (mask is None or mask[i]) else IGNORE for i, t in enumerate(ids)
        ]
        if mask is not None:
            labels = trim_after_end_of_turn(tokenizer, ids, labels, fmt.end_of_turn.ids)
        return Encoded(ids, labels)
    if isinstance(row.get("prompt"), str) and isinstance(row.get("completion"), str):
        prompt_ids = tokenizer(text=row["prompt"])["input_ids"]
        ids = list(tokenizer(text=row["prompt"] + _eos(tokenizer, row["completion"]))["input_ids"])
        start = common_prefix(list(prompt_ids), ids)
        return Encoded(ids, [t if i >= start else IGNORE for i, t in enumerate(ids)])
    if isinstance(row.get("text"), str):
        ids = list(tokenizer(text=_eos(tokenizer, row["text"]))["input_ids"])
        return Encoded(ids, list(ids))
    raise ValueError("the row has neither messages, prompt and completion, nor text")


def measure_pair(row: dict[str, Any], tokenizer: Any) -> PairLengths:
    """Prompt, chosen and rejected token counts of one preference row, as TRL splits them.

    The messages are passed as the dataset holds them (TRL tokenises them itself).
    """
    tools = row_tools(row)
    if is_chat(row.get("prompt")):
        p, c, r = row["prompt"], row["chosen"], row["rejected"]
        kw: dict[str, Any] = {"clean": False}
        prompt = list(
            _chat_ids(tokenizer, p, None, tools, add_generation_prompt=True, **kw)["input_ids"]
        )
        chosen = list(_chat_ids(tokenizer, p + c, None, tools, **kw)["input_ids"])
        rejected = list(_chat_ids(tokenizer, p + r, None, tools, **kw)["input_ids"])
    elif isinstance(row.get("prompt"), str):
        prompt = list(tokenizer(text=row["prompt"])["input_ids"])
        chosen = list(
            tokenizer(text=row["prompt"] + _eos(tokenizer, str(row["chosen"])))["input_ids"]
        )
        rejected = list(
            tokenizer(text=row["prompt"] + _eos(tokenizer, str(row["rejected"])))["input_ids"]
        )
    else:
        raise ValueError("the row has no prompt")
    start = min(common_prefix(prompt, chosen), common_prefix(prompt, rejected))
    return PairLengths(prompt=start, chosen=len(chosen) - start, rejected=len(rejected) - start)
