"""Assistant turns and end-of-turn tokens of any chat template, found by rendering prefixes.

A template need not mark what the assistant says: rendering a conversation up to an assistant
turn (with the generation prompt) and up to the end of that turn shows exactly which characters
the turn adds. Those characters, cut after the template's end-of-turn token, are what the model
must learn to produce; the same rendering of a one-turn probe names the end-of-turn token that
generation must stop on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

IGNORE = -100
PROBE_ANSWER = "Hello there"
PROBE = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": PROBE_ANSWER},
]
PROBE_TURNS = [
    *PROBE,
    {"role": "user", "content": "Thanks"},
    {"role": "assistant", "content": "Bye"},
]


class TemplateMismatch(ValueError):
    """A conversation's prefix does not render as the start of the whole conversation."""

    def __init__(self, turn: int, detail: str) -> None:
        super().__init__(f"turn {turn + 1} (assistant): {detail}")
        self.turn = turn
        self.detail = detail


@dataclass(frozen=True)
class EndOfTurn:
    """The special token a template closes an assistant turn with ("" when it uses none)."""

    text: str = ""
    ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class ChatFormat:
    """How SFT conversations are rendered and masked.

    ``template`` is the override passed to the tokenizer (None: its own template); with
    ``markers`` the assistant tokens come from the template's ``{% generation %}`` markers,
    otherwise from rendering prefixes.
    """

    template: str | None
    markers: bool
    end_of_turn: EndOfTurn
    how: str


def render(
    tokenizer: Any,
    messages: list[dict[str, Any]],
    template: str | None = None,
    tools: Any = None,
    generation: bool = False,
) -> str:
    return str(
        tokenizer.apply_chat_template(
            messages,
            tools=tools,
            chat_template=template,
            tokenize=False,
            add_generation_prompt=generation,
        )
    )


def special_ids(tokenizer: Any) -> set[int]:
    """Ids of every special token: the named ones and added tokens marked special."""
    found = set(tokenizer.all_special_ids)
    for token_id, token in getattr(tokenizer, "added_tokens_decoder", {}).items():
        if getattr(token, "special", False):
            found.add(int(token_id))
    return found


def _render_probe(tokenizer: Any, template: str | None) -> tuple[str, str, str] | None:
    """The probe's question alone, with the generation prompt, and with the answer; a
    system message is added for templates that require one. None when nothing renders."""
    for system in ([], [{"role": "system", "content": "Be brief."}]):
        try:
            return (
                render(tokenizer, system + PROBE[:1], template),
                render(tokenizer, system + PROBE[:1], template, generation=True),
                render(tokenizer, system + PROBE, template),
            )
        except Exception:  # a template may refuse a conversation without a system message
            continue
    return None


def end_of_turn(tokenizer: Any, template: str | None = None) -> EndOfTurn:
    """The first special token after the answer in a rendered one-turn probe conversation.

    >>> from train import tiny
    >>> end_of_turn(tiny.build_tokenizer(["hello there"])).text
    '<|im_end|>'
    """
    rendered = _render_probe(tokenizer, template)
    if rendered is None:  # a template that cannot render the probe names no end-of-turn token
        return EndOfTurn()
    _, prompt, full = rendered
    at = full.find(PROBE_ANSWER, len(prompt) if full.startswith(prompt) else 0)
    if at < 0:
        return EndOfTurn()
    suffix = full[at + len(PROBE_ANSWER) :]
    special = special_ids(tokenizer)
    for token_id in tokenizer(suffix, add_special_tokens=False)["input_ids"]:
        if token_id in special:
            return EndOfTurn(tokenizer.decode([token_id]), (int(token_id),))
    return EndOfTurn()


def stop_token_ids(tokenizer: Any, generation_config: Any = None) -> list[int]:
    """What generation must stop on: the template's end-of-turn token, the eos token, and the
    end-of-sequence ids the model's own generation config names (Llama 3.1 adds ``<|eom_id|>``).
    """
    ids: list[int] = list(end_of_turn(tokenizer).ids)
    configured = getattr(generation_config, "eos_token_id", None)
    for value in [tokenizer.eos_token_id, configured]:
        for token_id in value if isinstance(value, list | tuple) else [value]:
            if isinstance(token_id, int) and token_id not in ids:
                ids.append(token_id)
    return ids


def write_generation_config(folder: str | Path, model: Any, tokenizer: Any) -> list[int]:
    """Write ``generation_config.json`` in ``folder``: the model's own generation settings with
    ``eos_token_id`` listing every stop token, so transformers and vLLM stop at the end of a turn.
    """
    from transformers import GenerationConfig

    own = getattr(model, "generation_config", None)
    config = GenerationConfig.from_dict(own.to_dict()) if own is not None else GenerationConfig()
    stops = stop_token_ids(tokenizer, own)
    config.eos_token_id = stops
    if config.pad_token_id is None and tokenizer.pad_token_id is not None:
        config.pad_token_id = tokenizer.pad_token_id
    config.save_pretrained(str(folder))
    return stops


def _turn_end(rendered: str, start: int, eot: str) -> int:
    """Where an assistant turn ends: after its last end-of-turn token, else at its last non-space."""
    tail = rendered[start:]
    if eot:
        at = tail.rfind(eot)
        if at >= 0:
            return start + at + len(eot)
    return start + len(tail.rstrip())


def assistant_spans(
    tokenizer: Any,
    messages: list[dict[str, Any]],
    template: str | None,
    tools: Any,
    eot: str,
    first: int = 0,
) -> tuple[str, list[tuple[int, int]]]:
    """The rendered conversation and the character span of each assistant turn from ``first`` on.

    Raises TemplateMismatch when a prefix does not render as the start of the conversation.
    """
    full = render(tokenizer, messages, template, tools)
    spans = []
    for index in range(first, len(messages)):
        if messages[index].get("role") != "assistant":
            continue
        prompt = render(tokenizer, messages[:index], template, tools, generation=True)
        last = index == len(messages) - 1
        upto = full if last else render(tokenizer, messages[: index + 1], template, tools)
        if not upto.startswith(prompt):
            raise TemplateMismatch(
                index,
                "the conversation before it, with the generation prompt, does not render "
                "as the start of the conversation that includes it",
            )
        end = _turn_end(upto, len(prompt), eot)
        if not full.startswith(upto[:end]):
            raise TemplateMismatch(
                index,
                "the conversation up to it does not render as the start of the whole "
                "conversation (the template renders earlier turns differently later on)",
            )
        spans.append((len(prompt), end))
    return full, spans


def label_turns(
    tokenizer: Any,
    messages: list[dict[str, Any]],
    template: str | None,
    tools: Any,
    eot: str,
    first: int = 0,
) -> tuple[list[int], list[int]]:
    """Token ids of the conversation and labels that keep only the assistant turns' tokens."""
    full, spans = assistant_spans(tokenizer, messages, template, tools, eot, first)
    if not getattr(tokenizer, "is_fast", False):
        return _label_by_prefixes(tokenizer, full, spans)
    enc = tokenizer(full, add_special_tokens=False, return_offsets_mapping=True)
    ids = list(enc["input_ids"])
    labels = []
    for token_id, (start, end) in zip(ids, enc["offset_mapping"], strict=True):
        inside = any(start < hi and max(end, start + 1) > lo for lo, hi in spans)
        labels.append(token_id if inside else IGNORE)
    return ids, labels


def _label_by_prefixes(
    tokenizer: Any, full: str, spans: list[tuple[int, int]]
) -> tuple[list[int], list[int]]:
    """Labels for a tokenizer without character offsets: the spans' prefixes, tokenised."""

    def tok(text: str) -> list[int]:
        return list(tokenizer(text, add_special_tokens=False)["input_ids"])

    ids = tok(full)
    labels = [IGNORE] * len(ids)
    for turn, (lo, hi) in enumerate(spans):
        before, through = tok(full[:lo]), tok(full[:hi])
        if ids[: len(before)] != before or ids[: len(through)] != through:
            raise TemplateMismatch(turn, "its tokens change when the text after it is added")
        for i in range(len(before), len(through)):
            labels[i] = ids[i]
    return ids, labels


def prefix_preserving(tokenizer: Any, eot: str) -> bool:
    """Whether the template renders a two-exchange probe's prefixes as its start."""
    try:
        assistant_spans(tokenizer, PROBE_TURNS, None, None, eot)
    except Exception:  # a mismatch, or a template that refuses the probe
        return False
    return True


def chat_format(tokenizer: Any, assistant_only: bool) -> ChatFormat:
    """How to render and mask conversations for this tokenizer.

    The model's own template is used whenever it can be: with its ``{% generation %}`` markers
    when it has them, else with assistant turns found by rendering prefixes. Only a template
    that does not render prefixes consistently and that TRL ships a training variant for (for
    example Qwen3, which drops earlier turns' reasoning) is swapped for that variant.
    """
    from trl.chat_template_utils import get_training_chat_template, has_generation_markers

    own = tokenizer.chat_template
    eot = end_of_turn(tokenizer)
    if own is None:
        return ChatFormat(None, False, eot, "none")
    if not assistant_only:
        return ChatFormat(None, False, eot, "the model's own")
    if has_generation_markers(own):
        return ChatFormat(None, True, eot, "the model's own, with {% generation %} markers")
    if not prefix_preserving(tokenizer, eot.text):
        try:
            variant = get_training_chat_template(tokenizer)
        except ValueError:
            variant = None
        if variant:
            return ChatFormat(variant, True, eot, "TRL's training variant of the model's template")
    return ChatFormat(
        None, False, eot, "the model's own; assistant turns found by rendering prefixes"
    )


def trim_after_end_of_turn(
    tokenizer: Any, ids: list[int], labels: list[int], eot_ids: tuple[int, ...]
) -> list[int]:
    """Labels with the whitespace after each trained end-of-turn token left out of the loss.

    Generation markers may close after a template's newline (``<|im_end|>\\n``); generation
    stops at the end-of-turn token, so nothing after it is learnt.
    """
    if not eot_ids:
        return labels
    out = list(labels)
    for index, token_id in enumerate(ids):
        if out[index] == IGNORE or token_id not in eot_ids:
            continue
        after = index + 1
        while after < len(ids) and out[after] != IGNORE and ids[after] not in eot_ids:
            after += 1
        if not tokenizer.decode(ids[index + 1 : after]).strip():
            out[index + 1 : after] = [IGNORE] * (after - index - 1)
    return out


def generation_prompt(tokenizer: Any, template: str | None = None) -> str:
    """What the template writes to open an assistant turn (``<|im_start|>assistant\\n``)."""
    rendered = _render_probe(tokenizer, template)
    if rendered is None:
        return ""
    before, after, _ = rendered
    return after[len(before) :] if after.startswith(before) else ""


def mask_problem(
    tokenizer: Any,
    messages: list[dict[str, Any]],
    ids: list[int],
    labels: list[int],
    eot: str,
    first: int = 0,
    template: str | None = None,
) -> str | None:
    """Why the labels do not decode to the assistant turns' contents, or None when they do.

    Each run of trained tokens must decode to one assistant turn: what the template writes for
    it (an empty reasoning block, tool calls) ending in the turn's content, or holding it and
    the names of the functions it calls, then the end-of-turn token, and never the header that
    opens an assistant turn nor what another turn says. Whitespace is ignored.
    """
    runs: list[list[int]] = []
    previous = IGNORE
    for token_id, label in zip(ids, labels, strict=True):
        if label != IGNORE:
            if previous == IGNORE:
                runs.append([])
            runs[-1].append(token_id)
        previous = label
    turns = [m for m in messages[first:] if m.get("role") == "assistant"]
    if len(runs) != len(turns):
        return f"{len(runs)} trained span(s) for {len(turns)} assistant turn(s)"
    header = _squash(generation_prompt(tokenizer, template))
    prompts = [  # what others say, long enough not to turn up in template text by chance
        {"role": str(m.get("role")), "text": _squash(str(m.get("content") or ""))}
        for m in messages
        if m.get("role") != "assistant" and len(_squash(str(m.get("content") or ""))) >= 8
    ]
    for number, (run, message) in enumerate(zip(runs, turns, strict=True), start=1):
        text = tokenizer.decode(run)
        if eot and not text.rstrip().endswith(eot):
            return f"assistant turn {number} is trained as {_short(text)}, without the end-of-turn token {eot}"
        body = _squash(text.rstrip()[: -len(eot)] if eot else text)
        if header and header in body:
            return f"assistant turn {number} is trained as {_short(text)}, its header included"
        content = _squash(str(message.get("content") or ""))
        calls = message.get("tool_calls") or []
        missing = [name for name in _call_names(calls) if _squash(name) not in body]
        if missing:
            return (
                f"assistant turn {number} calls {', '.join(missing)}, but the template renders "
                f"it as {_short(text)}"
            )
        fits = content in body if calls else body.endswith(content)
        if not fits:
            return (
                f"assistant turn {number} is trained as {_short(text)} but says "
                f"{_short(str(message.get('content') or ''))}"
            )
        rest = body.replace(content, "", 1) if calls else body[: len(body) - len(content)]
        for other in prompts:
            if other["text"] in rest:
                return (
                    f"assistant turn {number} is trained as {_short(text)}, the "
                    f"{other['role']} turn included"
                )
    return None


def _call_names(calls: list[Any]) -> list[str]:
    names = []
    for call in calls:
        function = call.get("function") if isinstance(call, dict) else None
        name = function.get("name") if isinstance(function, dict) else None
        if isinstance(name, str) and name:
            names.append(name)
    return names


def _squash(text: str) -> str:
    return "".join(text.split())


def _short(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
