"""Row checks and writer guards that the preference formats share (pairs, answers, prompts)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from curate.errors import RowError
from curate.formats.common import build_record, check_openai_message, type_name
from curate.records import Message, Record

SIDES = ("chosen", "rejected")


def require_sides(row: dict[str, Any], names: tuple[str, str] = SIDES) -> tuple[Any, Any]:
    """Both answer fields must be present (``missing_field``) and not null (``missing_content``)."""
    missing = [n for n in names if n not in row]
    if missing:
        which = " and ".join(f"'{n}'" for n in missing)
        raise RowError("missing_field", f"The preference pair has no {which} answer.")
    for n in names:
        if row[n] is None:
            raise RowError("missing_content", f"The '{n}' answer is null.")
    return row[names[0]], row[names[1]]


def check_message(msg: Any, index: int, field: str) -> dict[str, Any]:
    """One OpenAI-style message inside ``field``, with the shared reason codes."""
    if isinstance(msg, dict) and not isinstance(msg.get("role", ""), str):
        raise RowError(
            "data_type",
            f"In '{field}': message {index} role must be text, not {type_name(msg['role'])}.",
        )
    try:
        return check_openai_message(msg, index)
    except RowError as exc:
        raise RowError(exc.code, f"In '{field}': {exc.message}") from None
    except TypeError:  # values JSON cannot hold again (a tool-call argument out of range)
        raise RowError(
            "data_type", f"In '{field}': message {index} holds an unusable value."
        ) from None


def check_messages(value: Any, field: str) -> list[dict[str, Any]]:
    """A list of OpenAI-style messages (``data_type`` when ``value`` is not a list)."""
    if not isinstance(value, list):
        raise RowError(
            "data_type", f"The field '{field}' must be a list of messages, not {type_name(value)}."
        )
    return [check_message(m, i, field) for i, m in enumerate(value)]


def check_answer(messages: list[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """An answer is one or more turns with at least one assistant turn and no system turn."""
    if not messages:
        raise RowError("missing_content", f"The '{field}' answer is empty.")
    for i, m in enumerate(messages):
        if m["role"] == "system":
            raise RowError(
                "unrecognized_role",
                f"In '{field}': message {i} is a system turn, which an answer cannot hold.",
            )
    if not any(m["role"] == "assistant" for m in messages):
        raise RowError(
            "example_missing_assistant_message", f"The '{field}' answer has no assistant turn."
        )
    return messages


def require_distinct(chosen: Any, rejected: Any) -> None:
    """A pair whose two answers are the same teaches nothing (``invalid_preference``)."""
    if chosen == rejected:
        raise RowError("invalid_preference", "The chosen and rejected answers are identical.")


def common_prefix(a: Sequence[Any], b: Sequence[Any]) -> int:
    """How many leading items ``a`` and ``b`` share.

    >>> common_prefix([1, 2, 3], [1, 2, 4])
    2
    """
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def build_pair(
    prompt: list[dict[str, Any]],
    chosen: list[dict[str, Any]],
    rejected: list[dict[str, Any]],
    *,
    meta: dict[str, Any],
    text: bool = False,
    tools: list[dict[str, Any]] | None = None,
) -> Record:
    """The canonical preference record for a checked pair."""
    return build_record(
        {
            "kind": "preference",
            "messages": prompt,
            "chosen": chosen,
            "rejected": rejected,
            "text": text,
            "tools": tools,
            "meta": meta,
        }
    )


def require_pair(record: Record, fmt: str) -> tuple[list[Message], list[Message], list[Message]]:
    """The prompt and both answers of a preference record, or ``unsupported_in_target``."""
    if record.kind != "preference" or not record.chosen or not record.rejected:
        raise RowError(
            "unsupported_in_target",
            f"The format {fmt} holds preference pairs; this {record.kind} record has no rejected answer.",
        )
    if not record.messages:
        raise RowError(
            "unsupported_in_target", f"The format {fmt} needs a prompt; this pair has none."
        )
    return record.messages, record.chosen, record.rejected


def is_plain(m: Message) -> bool:
    """A turn that is only a role and text (a weight of 1, the default, counts as plain)."""
    return (
        isinstance(m.content, str)
        and m.name is None
        and not m.tool_calls
        and m.tool_call_id is None
        and m.weight in (None, 1)
    )


def text_pair(record: Record) -> tuple[str, str, str] | None:
    """Prompt, chosen and rejected as strings when a text record can be written as text."""
    prompt, chosen, rejected = record.messages, record.chosen or [], record.rejected or []
    if not record.text or len(prompt) != 1 or len(chosen) != 1 or len(rejected) != 1:
        return None
    p, c, r = prompt[0], chosen[0], rejected[0]
    if p.role != "user" or c.role != "assistant" or r.role != "assistant":
        return None
    if not (is_plain(p) and is_plain(c) and is_plain(r)):
        return None
    return p.content or "", c.content or "", r.content or ""


def refuse(fmt: str, what: str) -> RowError:
    """The error a writer raises for a part of a record its format cannot hold."""
    return RowError("unsupported_in_target", f"The format {fmt} cannot hold {what}.")


def one_assistant_turn(answer: list[Message], side: str, fmt: str) -> Message:
    """The single assistant turn a one-answer format needs for ``side``."""
    if len(answer) != 1 or answer[0].role != "assistant":
        raise refuse(fmt, f"a {side} answer of {len(answer)} turns (it holds one assistant turn)")
    return answer[0]
