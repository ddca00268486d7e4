"""No reason code is added, removed or renamed by accident: the codes match the snapshot."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "snapshots" / "reason_codes.json"
REFRESH = ".venv/bin/python scripts/reason_codes.py > tests/snapshots/reason_codes.json"


def _collector():
    spec = importlib.util.spec_from_file_location(
        "reason_codes", ROOT / "scripts" / "reason_codes.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_reason_code_matches_the_snapshot() -> None:
    now = _collector().reason_codes()
    saved = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert set(now) == set(saved)
    for group in saved:
        added = sorted(set(now[group]) - set(saved[group]))
        removed = sorted(set(saved[group]) - set(now[group]))
        hint = f"{group}: added {added}, removed {removed}; if on purpose, run: {REFRESH}"
        assert now[group] == saved[group], hint


def test_each_group_is_named_once_and_codes_are_snake_case() -> None:
    saved = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    for codes in saved.values():
        names = list(codes)
        assert len(names) == len(set(names))
        assert all(name.isidentifier() and name == name.lower() for name in names)
    assert set(saved["check"].values()) <= {"error", "warning", "info"}
