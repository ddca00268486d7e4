"""Every reason code the tools report, as JSON: the snapshot tests/snapshots/reason_codes.json.

Refresh the snapshot after adding, removing or renaming a code on purpose:
``.venv/bin/python scripts/reason_codes.py > tests/snapshots/reason_codes.json``
"""

from __future__ import annotations

import ast
import importlib
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def refusal_codes(package: str = "train") -> list[str]:
    """The codes passed to ``.refuse(code, message)`` anywhere in ``package`` (train preflight).

    A code given as a module-level name is looked up in that module; one computed at run time
    (a format problem passed on) belongs to the list that defines it, not here.
    """
    codes: set[str] = set()
    for path in sorted((ROOT / package).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "refuse"
                and node.args
            ):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                codes.add(first.value)
            elif isinstance(first, ast.Name):
                module = importlib.import_module(f"{package}.{path.stem}")
                value = getattr(module, first.id, None)
                if isinstance(value, str):
                    codes.add(value)
    return sorted(codes)


def reason_codes() -> dict[str, Any]:
    """Row reject codes, check codes with their default severity, export left-out reasons
    (in the order export applies them) and train preflight refusal codes."""
    from curate.checks.codes import JUDGE_CODES, all_checks
    from curate.checks.rubric import load_rubric
    from curate.errors import REASONS
    from curate.export.policy import REASONS as LEFT_OUT

    record, dataset = all_checks()
    check_codes = {c for cls in [*record.values(), *dataset.values()] for c in cls.codes}
    rubric = load_rubric()
    return {
        "row_reject": sorted(REASONS),
        "check": {code: rubric.level(code) for code in sorted(check_codes | set(JUDGE_CODES))},
        "export_left_out": list(LEFT_OUT),
        "train_preflight": refusal_codes(),
    }


def main() -> None:
    print(json.dumps(reason_codes(), indent=2))


if __name__ == "__main__":
    main()
