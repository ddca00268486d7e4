"""The hard format checks a new synthetic record must pass before it counts."""

from __future__ import annotations

from pathlib import Path

from curate.records import Message, Record
from curate.synth.quality import HardChecks


def chat(answer: str, tags: dict[str, str] | None = None) -> Record:
    return Record(
        messages=[Message(role="user", content="How?"), Message(role="assistant", content=answer)],
        tags=tags or {},
    )


def test_format_failures_are_reported_content_warnings_are_not() -> None:
    checks = HardChecks()
    good = chat("Use `ls -la` to list the files, including hidden ones, with their sizes.")
    open_fence = chat("Run this:\n```sh\nls\n\nThen read the output line by line for errors.")
    declared_json = chat("not json at all", {"format": "json"})
    refusal = chat("As an AI language model, I cannot help with that.")  # completeness: soft
    result = checks([good, open_fence, declared_json, refusal])
    assert result == [[], ["unbalanced_code_fence"], ["invalid_json_output"], []]
    assert checks.problem is None


def test_a_broken_checklist_degrades_with_a_note(tmp_path: Path) -> None:
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(
        "default_target: broken\ntargets:\n  broken:\n"
        "    tokenizer_json: /nonexistent/tokenizer.json\n    max_tokens: 100\n",
        encoding="utf-8",
    )
    checks = HardChecks(rubric)
    assert checks([chat("fine")]) == [[]]
    assert checks.problem and "tokenizer.json" in checks.problem
