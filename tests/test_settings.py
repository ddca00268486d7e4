"""curate.toml: documented defaults, and one clear sentence for bad files."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from curate.errors import UsageError
from curate.settings import (
    DEFAULT_TOML,
    Settings,
    dump_settings,
    load_settings,
    parse_settings,
    save_settings,
)


def test_the_commented_template_holds_exactly_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "dana")
    parsed = parse_settings(tomllib.loads(DEFAULT_TOML))
    assert parsed == Settings()
    s = Settings()
    assert (s.rubric, s.max_synthetic_share) == ("default", 0.30)
    assert (s.split.train, s.split.validation, s.split.test, s.split.seed) == (0.8, 0.1, 0.1, 13)
    assert s.split.stratify_by == "category"
    assert (s.dedupe.shingle_size, s.dedupe.num_perm, s.dedupe.threshold) == (3, 128, 0.5)
    assert s.dedupe.compare == "all-turns"
    assert s.providers.anthropic.api_key_env == "ANTHROPIC_API_KEY"
    assert s.providers.openai.api_key_env == "OPENAI_API_KEY"
    assert s.review.reviewer == "dana"
    assert s.review.keys.approve == "a" and s.review.keys.search == "/"
    assert s.export.require_real_approval is False


def test_the_template_lists_every_review_key_with_its_default() -> None:
    from curate.settings import ReviewKeys

    listed = tomllib.loads(DEFAULT_TOML)["review"]["keys"]
    assert listed == ReviewKeys().model_dump()  # every field, with its default, and no other
    assert {"swap", "dashboard", "quit"} <= set(listed)


def test_review_keys_match_the_actions_the_review_screen_binds() -> None:
    pytest.importorskip("textual")
    from curate.review.tui.keys import ACTIONS
    from curate.settings import ReviewKeys

    assert ReviewKeys().model_dump() == {name: key for name, (key, _, _) in ACTIONS.items()}


def test_a_review_key_may_serve_one_action_only() -> None:
    with pytest.raises(UsageError, match="'quit' and 'approve' share the key 'q'"):
        parse_settings({"review": {"keys": {"approve": "q"}}})
    assert parse_settings({"review": {"keys": {"quit": "x"}}}).review.keys.quit == "x"


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    s = Settings()
    s.max_synthetic_share = 0.2
    s.providers.openai.base_url = "http://127.0.0.1:8000/v1"
    save_settings(s, tmp_path / "curate.toml")
    assert load_settings(tmp_path / "curate.toml") == s
    assert "max_synthetic_share = 0.2" in dump_settings(s)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_synthetic_share = [", "is not valid TOML"),
        (
            "max_synthetic_share = 1.5",
            "'max_synthetic_share': input should be less than or equal to 1",
        ),
        (
            "[split]\ntrain = 0.5",
            "'split': train \\+ validation \\+ test must add up to 1, not 0.7",
        ),
        ("colour = 'red'", "'colour' is not a known setting"),
        ("[review.keys]\nreject = 'a'", "'reject' and 'approve' share the key 'a'"),
        ("[dedupe]\ncompare = 'everything'", "'dedupe.compare'"),
    ],
)
def test_bad_settings_are_one_sentence(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "curate.toml"
    path.write_text(text)
    with pytest.raises(UsageError, match=message) as info:
        load_settings(path)
    assert "\n" not in info.value.message


def test_a_missing_settings_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="curate init"):
        load_settings(tmp_path / "curate.toml")


def test_rubric_path_is_relative_to_the_workspace(tmp_path: Path) -> None:
    assert Settings().rubric_path(tmp_path) is None
    assert (
        Settings(rubric="rubrics/mine.yaml").rubric_path(tmp_path) == tmp_path / "rubrics/mine.yaml"
    )
