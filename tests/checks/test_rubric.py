"""Rubric loading: the packaged default, partial files over it, one clear sentence when bad."""

from __future__ import annotations

import pytest

from curate.checks.rubric import RubricError, default_rubric_text, load_rubric
from curate.errors import UsageError


def test_the_default_rubric_loads() -> None:
    rubric = load_rubric("default")
    assert rubric.name == "default" and rubric.default_target == "openai"
    assert rubric.targets["openai"].max_tokens == 65536
    assert "judge" in default_rubric_text()


def test_a_partial_file_overrides_only_its_keys(tmp_path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("name: mine\nfail:\n  scores_below: {format: 50}\nchecks:\n  completeness:\n    min_words_detailed: 10\n")
    rubric = load_rubric(path)
    assert rubric.name == "mine" and rubric.source == str(path)
    assert rubric.checks.completeness.min_words_detailed == 10
    assert rubric.checks.completeness.truncation_min_words == 12  # from the default
    assert rubric.fail.scores_below == {"format": 50, "completeness": 90, "consistency": 70, "diversity": 30, "accuracy": 60}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("checks: [1, 2", "not valid YAML at line"),
        ("- a\n- b\n", "must hold a mapping"),
        ("checks:\n  tokens:\n    enabled: maybe\n", "'checks.tokens.enabled'"),
        ("checks:\n  completness: {enabled: true}\n", "'checks.completness'"),
        ("default_target: gpt-9\n", "default_target 'gpt-9' is not one of the targets"),
        ("targets:\n  t: {max_tokens: 10}\n", "exactly one of 'encoding' or 'tokenizer_json'"),
        ("fail:\n  scores_below: {speed: 3}\n", "'fail.scores_below.speed'"),
    ],
)
def test_bad_rubrics_give_one_sentence(tmp_path, text: str, words: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(RubricError) as info:
        load_rubric(path)
    message = str(info.value)
    assert words in message and str(path) in message and "\n" not in message


def test_a_missing_rubric_file(tmp_path) -> None:
    with pytest.raises(RubricError, match="does not exist"):
        load_rubric(tmp_path / "nope.yaml")


def test_unknown_target_names_the_known_ones() -> None:
    with pytest.raises(UsageError, match="Unknown target 'gpt-9'") as info:
        load_rubric().target("gpt-9")
    assert "llama3-8k" in str(info.value)
