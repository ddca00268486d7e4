"""The A/B file: one JSON line per prompt with both answers and the hidden left/right side.

Each line holds the item ``id``, the prompt ``messages``, the ``category`` tag, ``answer_a``
and ``answer_b``, ``latency_a_s`` and ``latency_b_s`` (seconds to generate each answer),
``rubric_a`` and ``rubric_b`` (reason codes of the rubric's answer checks, empty when an
answer passes them), ``model_a`` and ``model_b`` (descriptions of the two sides), ``seed``
and ``left`` (``A`` or ``B``: which answer the review shows on the left). ``left`` comes from
a seeded RNG per item, so the file alone unblinds the decisions; the review never shows it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from curate.errors import UsageError

SIDES = ("A", "B")


def left_side(seed: int, item_id: str) -> str:
    """Which answer (``A`` or ``B``) is shown on the left: a coin per item, seeded.

    >>> left_side(7, "x") == left_side(7, "x")
    True
    """
    rng = random.Random(f"{seed}:{item_id}")
    return "A" if rng.random() < 0.5 else "B"


@dataclass
class ABItem:
    """One prompt with the answers of both sides."""

    id: str
    messages: list[dict[str, Any]]
    answer_a: str
    answer_b: str
    seed: int
    left: str = ""
    category: str | None = None
    latency_a_s: float | None = None
    latency_b_s: float | None = None
    rubric_a: list[str] = field(default_factory=list)
    rubric_b: list[str] = field(default_factory=list)
    model_a: dict[str, Any] = field(default_factory=dict)
    model_b: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.left not in SIDES:
            self.left = left_side(self.seed, self.id)

    @property
    def right(self) -> str:
        return "B" if self.left == "A" else "A"

    def answer(self, side: str) -> str:
        """The answer of side ``A`` or ``B``."""
        return self.answer_a if side == "A" else self.answer_b

    def shown(self, position: str) -> str:
        """The answer shown at ``left`` or ``right``."""
        return self.answer(self.left if position == "left" else self.right)

    def side_of(self, position: str) -> str:
        """``A`` or ``B``: whose answer is at ``left`` or ``right``."""
        return self.left if position == "left" else self.right

    def prompt_text(self) -> str:
        return "\n\n".join(f"[{m.get('role')}] {m.get('content') or ''}" for m in self.messages)


def write_ab(path: str | Path, items: Iterable[ABItem]) -> int:
    """Write the items as JSON lines (atomically); returns how many."""
    from curate.io.atomic import atomic_path

    rows = [orjson.dumps(asdict(item)) + b"\n" for item in items]
    with atomic_path(Path(path)) as tmp, open(tmp, "wb") as fh:
        fh.writelines(rows)
    return len(rows)


def read_ab(path: str | Path) -> list[ABItem]:
    """Read an A/B file; a usage error names the first line that is not an item."""
    path = Path(path)
    try:
        lines = path.read_bytes().splitlines()
    except OSError as exc:
        raise UsageError(f"Cannot read the A/B file {path} ({exc.strerror}).") from None
    names = {f for f in ABItem.__dataclass_fields__}
    items, seen = [], set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = orjson.loads(line)
            item = ABItem(**{k: v for k, v in data.items() if k in names})
        except (orjson.JSONDecodeError, TypeError, AttributeError) as exc:
            raise UsageError(
                f"Line {number} of {path} is not an A/B item ({exc}).",
                "Write the file with `train ab A B --out FILE`.",
            ) from None
        if item.id in seen:
            raise UsageError(f"Line {number} of {path} repeats the item id '{item.id}'.")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise UsageError(f"The A/B file {path} holds no items.")
    return items


def file_key(items: Iterable[ABItem]) -> str:
    """A stable key of the file's contents (decisions are stored under it)."""
    digest = hashlib.sha256()
    for item in items:
        digest.update(orjson.dumps([item.id, item.left, item.answer_a, item.answer_b]))
    return digest.hexdigest()[:20]
