"""Format compliance of generated answers: a small list of checks, extended with :func:`register`.

A check says whether it applies to a prompt (given the reference answer) and, if so, whether
an answer passes, with a reason code when it does not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FENCE = re.compile(r"^\s*```", re.MULTILINE)
JSON_FENCE = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL)
ASKS_JSON = re.compile(r"\bjson\b", re.IGNORECASE)


@dataclass(frozen=True)
class Answer:
    """A generated answer and whether the model ended it itself (an end-of-turn token)."""

    text: str
    finished: bool = True


@dataclass(frozen=True)
class FormatCheck:
    """One format rule: when it applies, and how an answer passes it."""

    name: str
    applies: Callable[[str, str | None], bool]
    check: Callable[[Answer], tuple[bool, str | None]]


def _parses_as_json(text: str) -> bool:
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict | list)


def _json_payload(text: str) -> str:
    match = JSON_FENCE.search(text)
    return match.group(1) if match else text.strip()


def _non_empty(answer: Answer) -> tuple[bool, str | None]:
    return (True, None) if answer.text.strip() else (False, "empty_answer")


def _stopped(answer: Answer) -> tuple[bool, str | None]:
    return (True, None) if answer.finished else (False, "no_end_of_turn")


def _fences(answer: Answer) -> tuple[bool, str | None]:
    return (
        (True, None)
        if len(FENCE.findall(answer.text)) % 2 == 0
        else (False, "unbalanced_code_fence")
    )


def _has_code(answer: Answer) -> tuple[bool, str | None]:
    return (True, None) if FENCE.search(answer.text) else (False, "missing_code_block")


def _json(answer: Answer) -> tuple[bool, str | None]:
    return (True, None) if _parses_as_json(_json_payload(answer.text)) else (False, "invalid_json")


def _wants_json(prompt: str, reference: str | None) -> bool:
    return bool(ASKS_JSON.search(prompt)) or (
        reference is not None and _parses_as_json(reference.strip())
    )


CHECKS: list[FormatCheck] = [
    FormatCheck("non_empty", lambda p, r: True, _non_empty),
    FormatCheck("stops", lambda p, r: True, _stopped),
    FormatCheck("balanced_code_fences", lambda p, r: True, _fences),
    FormatCheck("code_block_when_expected", lambda p, r: bool(r and FENCE.search(r)), _has_code),
    FormatCheck("json_parses", _wants_json, _json),
]


def register(check: FormatCheck) -> None:
    """Add a check (replacing one of the same name)."""
    CHECKS[:] = [c for c in CHECKS if c.name != check.name] + [check]


def run_checks(prompt: str, reference: str | None, answer: Answer) -> dict[str, dict[str, Any]]:
    """Results of every applicable check: {name: {"passed": bool, "reason": code or None}}."""
    out = {}
    for check in CHECKS:
        if check.applies(prompt, reference):
            passed, reason = check.check(answer)
            out[check.name] = {"passed": passed, "reason": reason}
    return out


def compliance(results: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Per-check pass rates over many answers, and the share of answers passing every check."""
    per: dict[str, dict[str, Any]] = {}
    for result in results:
        for name, outcome in result.items():
            entry = per.setdefault(name, {"applicable": 0, "passed": 0, "reasons": {}})
            entry["applicable"] += 1
            if outcome["passed"]:
                entry["passed"] += 1
            else:
                entry["reasons"][outcome["reason"]] = entry["reasons"].get(outcome["reason"], 0) + 1
    for entry in per.values():
        entry["rate"] = (
            round(entry["passed"] / entry["applicable"], 4) if entry["applicable"] else None
        )
    all_ok = sum(1 for r in results if all(o["passed"] for o in r.values()))
    return {
        "checks": per,
        "all_passed": all_ok,
        "answers": len(results),
        "rate": round(all_ok / len(results), 4) if results else None,
    }
