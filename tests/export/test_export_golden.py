"""Golden files: each export format of the fixed workspace, byte for byte.

Regenerate after an intended change with ``CURATE_UPDATE_GOLDEN=1 pytest tests/export``
and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from curate.export import export_workspace
from curate.export.manifest import tool_version

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "openai-jsonl": ("openai-jsonl", {}),
    "openai-preference": ("openai-preference", {}),
    "trl-sft": ("trl", {}),
    "trl-preference": ("trl", {"kind": "preference"}),
    "alpaca": ("alpaca", {}),
    "sharegpt": ("sharegpt", {}),
    "llama-factory-sft": ("llama-factory", {}),
    "llama-factory-preference": ("llama-factory", {"kind": "preference"}),
    "completion": ("completion", {}),
}
VOLATILE = ("created_at", "tool_version")


def stable(path: Path) -> bytes:
    """A file's bytes with what changes between runs or releases taken out."""
    data = path.read_bytes()
    if path.name == "manifest.json":
        manifest = json.loads(data)
        for key in VOLATILE:
            manifest.pop(key)
        manifest["other_files"].pop("README.md")  # its hash depends on the version line
        return (json.dumps(manifest, indent=2) + "\n").encode()
    if path.name == "README.md":
        return data.replace(f"curate-ft {tool_version()}".encode(), b"curate-ft VERSION")
    return data


@pytest.mark.parametrize("case", sorted(CASES))
def test_export_matches_golden_files(case: str, fixed: tuple[Any, dict], tmp_path: Path) -> None:
    ws, _ = fixed
    fmt, options = CASES[case]
    out = tmp_path / case
    export_workspace(ws, fmt, out, name="fixture", **options)
    golden = GOLDEN / case
    if os.environ.get("CURATE_UPDATE_GOLDEN"):
        shutil.rmtree(golden, ignore_errors=True)
        golden.mkdir(parents=True)
        for path in out.iterdir():
            (golden / path.name).write_bytes(stable(path))
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(p.name for p in golden.iterdir())
    for name in written:
        assert stable(out / name) == (golden / name).read_bytes(), (
            f"{case}/{name} differs from its golden file"
        )
