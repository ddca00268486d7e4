"""Severities through the real CLI: warnings are exported, a reviewer's approval is counted,
and it outranks errors only when the rubric says so (`curate approve ...; curate export ...`)."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from curate.cli.main import app

SHARED = "You are the support assistant of a data platform team."
ANSWER = (
    "A consumer group shares the partitions of a topic among its members, so each partition is "
    "read by exactly one consumer and the group commits its offsets together."
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def row(i: int, system: str | None, **extra: str) -> bytes:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [
        {"role": "user", "content": f"How does case {i} of the consumer group work?"},
        {"role": "assistant", "content": f"{ANSWER} Case {i}."},
    ]
    return orjson.dumps({"messages": messages, **extra})


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace of 30 chats that share a system prompt, 3 that lack it, and (in a second
    file) 2 English answers tagged German."""
    monkeypatch.chdir(tmp_path)
    assert run("init")[0] == 0
    lines = [row(i, SHARED) for i in range(30)] + [row(100 + i, None) for i in range(3)]
    tagged = [row(200 + i, None, language="de") for i in range(2)]
    (tmp_path / "tagged.jsonl").write_bytes(b"\n".join(tagged) + b"\n")
    (tmp_path / "support.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    assert run("import", "support.jsonl")[0] == 0
    assert run("import", "tagged.jsonl")[0] == 0
    assert run("split", "--ratios", "0.8,0.1,0.1")[0] == 0
    (tmp_path / "strict.yaml").write_text("severity: {system_prompt_varies: error}\n")
    (tmp_path / "trusting.yaml").write_text(
        "severity: {system_prompt_varies: error}\nexport: {approved_overrides_errors: true}\n"
    )
    return tmp_path


def export(name: str) -> dict:
    code, out, err = run("export", "--format", "openai-jsonl", "--out", name, "--json")
    assert code == 0, err
    return json.loads(out)


def test_warnings_are_exported_and_approval_is_counted(ws: Path) -> None:
    code, out, _ = run("validate", "--json")
    data = json.loads(out)
    assert data["verdict"] == "pass"
    assert data["checks"] == {"system_prompt_varies": 3, "language_mismatch": 2}
    assert data["severity"] == {"system_prompt_varies": "warning", "language_mismatch": "warning"}
    assert data["by_severity"]["warning"]["records"] == 5
    assert data["counts"]["error_records"] == 0

    first = export("exports/a")
    assert first["exported"] == 35 and "failed_checks" not in first["left_out"]
    assert first["exported_findings"]["with_warnings"] == 5

    for code in ("language_mismatch", "system_prompt_varies"):
        assert run("approve", "--where", f"check={code}")[0] == 0
    second = export("exports/b")
    assert second["exported"] == 35
    manifest = json.loads((ws / "exports/b/manifest.json").read_text())
    found = manifest["policy"]["exported_findings"]
    assert found["approved_despite_warnings"] == 5 and found["approved_despite_errors"] == 0
    assert found["approved_codes"] == {"system_prompt_varies": 3, "language_mismatch": 2}
    assert "5 exported records were approved by a reviewer despite warnings." in manifest["policy"]["findings_notes"]
    card = (ws / "exports/b/README.md").read_text()
    assert "5 exported records carry warnings (system_prompt_varies 3, language_mismatch 2)" in card


def test_an_error_keeps_an_approved_record_out_unless_the_rubric_lets_approval_win(ws: Path) -> None:
    code, out, _ = run("validate", "--rubric", "strict.yaml", "--json")
    data = json.loads(out)
    assert data["severity"] == {"system_prompt_varies": "error", "language_mismatch": "warning"}
    assert data["counts"]["error_records"] == 3

    before = export("exports/a")
    assert before["left_out"] == {"failed_checks": 3}  # validate and export agree
    assert before["failed_checks_by_code"] == {"system_prompt_varies": 3}

    assert run("approve", "--where", "check=system_prompt_varies")[0] == 0
    approved = export("exports/b")
    assert approved["left_out"] == {"failed_checks": 3}  # approval alone does not outrank an error
    code, out, _ = run("export", "--format", "openai-jsonl", "--out", "exports/c")
    assert "Left out: failed_checks 3 (system_prompt_varies 3)." in out

    run("validate", "--rubric", "trusting.yaml")
    after = export("exports/d")
    assert after["exported"] == 35 and after["left_out"] == {}
    assert any("approved records are exported despite error findings" in r for r in after["policy"]["rules"])
    manifest = json.loads((ws / "exports/d/manifest.json").read_text())
    policy = manifest["policy"]
    assert policy["approved_overrides_errors"] is True
    assert policy["exported_findings"]["approved_despite_errors"] == 3
    assert any("approved by a reviewer despite error findings" in n for n in policy["findings_notes"])


def test_validate_says_what_an_export_leaves_out(ws: Path) -> None:
    code, out, _ = run("validate", "--rubric", "strict.yaml", "--report", "report.md")
    assert "system_prompt_varies" in out and "error" in out
    assert "3 records with an error finding (8.6% of the records) would be left out of an export as failed_checks (system_prompt_varies 3)" in " ".join(out.split())
    report = (ws / "report.md").read_text()
    assert "| `system_prompt_varies` | error | consistency | 3 |" in report
