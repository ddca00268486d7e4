"""Token counts of chat-formatted examples with real tokenizers, against a target's limit."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import orjson

from curate.checks.base import Finding, RecordCheck
from curate.checks.rubric import TargetSpec
from curate.errors import UsageError, require
from curate.records import Message, Record

# Per-message skeletons (content left empty) whose token count is the template overhead.
#   openai: OpenAI's published estimate: 3 tokens per message, +1 for a name, the role's
#           tokens, and 3 tokens that prime the reply.
#   llama3: <|start_header_id|>role<|end_header_id|>\n\n ... <|eot_id|>, plus <|begin_of_text|>.
#   chatml: <|im_start|>role\n ... <|im_end|>\n (Qwen).
SKELETONS = {
    "llama3": ("<|start_header_id|>{role}<|end_header_id|>\n\n<|eot_id|>", "<|begin_of_text|>"),
    "chatml": ("<|im_start|>{role}\n<|im_end|>\n", ""),
}


class _Encoder:
    """A tokenizer with one method: how many tokens a text has."""

    def __init__(self, spec: TargetSpec) -> None:
        if spec.encoding is not None:
            import quicktok

            try:
                self._enc = quicktok.get_encoding(spec.encoding)
            except (RuntimeError, ValueError, KeyError) as exc:
                raise UsageError(
                    f"The tokenizer encoding '{spec.encoding}' is not available ({exc}).",
                    "Use o200k_base, cl100k_base, llama3 or qwen3, or a tokenizer_json path.",
                ) from None
            self.count = self._enc.count
            self.count_special = lambda text: len(self._enc.encode_with_special(text))
        else:
            tokenizers = require("tokenizers", "train")
            path = Path(spec.tokenizer_json or "")
            if not path.is_file():
                raise UsageError(f"The tokenizer file {path} does not exist.")
            tok = tokenizers.Tokenizer.from_file(str(path))
            self.count = lambda text: len(tok.encode(text, add_special_tokens=False).ids)
            self.count_special = self.count


@dataclass
class TokenCounter:
    """Counts the tokens of a record as its target would see the formatted chat."""

    spec: TargetSpec
    name: str = "target"
    _enc: _Encoder = field(init=False, repr=False)
    _overhead: dict[str, int] = field(init=False, default_factory=dict)
    _base: int = field(init=False, default=0)
    seconds: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._enc = _Encoder(self.spec)
        template = self.spec.template
        if template == "openai":
            self._overhead = {r: 3 + self._enc.count(r) for r in ("system", "user", "assistant", "tool")}
            self._base = 3
        elif template in SKELETONS:
            skeleton, bos = SKELETONS[template]
            self._overhead = {
                r: self._enc.count_special(skeleton.format(role=r))
                for r in ("system", "user", "assistant", "tool")
            }
            self._base = self._enc.count_special(bos) if bos else 0
        else:
            self._overhead = dict.fromkeys(("system", "user", "assistant", "tool"), 0)

    @property
    def limit(self) -> int:
        return self.spec.max_tokens

    def count_messages(self, messages: list[Message], tools: list[dict[str, Any]] | None) -> int:
        count = self._enc.count
        total = self._base
        if tools:
            total += count(orjson.dumps(tools).decode())
        for m in messages:
            total += self._overhead[m.role]
            if m.content:
                total += count(m.content)
            if m.name:
                total += 1 + count(m.name)
            for call in m.tool_calls or ():
                total += 3 + count(call.function.name) + count(call.function.arguments)
        return total

    def count(self, record: Record) -> int:
        """Tokens of the whole example (for a pair: the longer of prompt+chosen, prompt+rejected)."""
        t0 = time.perf_counter()
        if record.kind == "preference":
            sides = [record.chosen or [], record.rejected or []]
            n = max(self.count_messages(record.messages + side, record.tools) for side in sides)
        else:
            n = self.count_messages(record.messages, record.tools)
        self.seconds += time.perf_counter() - t0
        return n


class TooLongCheck(RecordCheck):
    """too_long: the formatted example has more tokens than the target allows."""

    name: ClassVar[str] = "tokens"
    pillar = "format"
    codes = ("too_long",)

    def check(self, record: Record, profile: Any) -> list[Finding]:
        tokens, limit = profile.tokens, profile.token_limit
        if tokens is None or limit is None or tokens <= limit:
            return []
        return [Finding("too_long", detail=f"{tokens:,} tokens; the target allows {limit:,}.")]


CHECKS = [TooLongCheck]
