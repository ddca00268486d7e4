"""Templates and the request plan: shipped defaults, user copies, stable request numbers."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from curate.errors import UsageError
from curate.synth.plan import Plan
from curate.synth.template import DIFFICULTIES, FLAWS, load_template, render


@pytest.mark.parametrize("kind", ["sft", "preference", "pairs"])
def test_shipped_templates_load(kind: str) -> None:
    t = load_template(None, kind)
    assert t.kind == kind and t.system and t.user and len(t.digest) == 8
    if kind != "pairs":
        assert set(t.difficulty) == set(DIFFICULTIES) and len(t.angles) >= 10
        assert "production" in t.system  # the guide: production-ready answers


def test_plan_is_deterministic_and_balanced() -> None:
    plan = Plan("anthropic", "m", "sft", load_template(None, "sft"), topic="Kafka ops")
    items = [plan.item(i) for i in range(30)]
    assert [i.key for i in items] == [plan.item(i).key for i in range(30)]
    assert len({i.key for i in items}) == 30
    assert Counter(i.meta["difficulty"] for i in items) == dict.fromkeys(DIFFICULTIES, 10)
    prompt = items[0].request.messages[0]["content"]
    assert "Kafka ops" in prompt and "#1 " in prompt
    assert not any(f"{{{name}}}" in prompt for name in ("topic", "difficulty", "angle", "persona"))
    assert items[0].request.json_schema and items[0].request.provider == "anthropic"


def test_signature_follows_what_shapes_requests() -> None:
    t = load_template(None, "sft")
    a = Plan("openai", "m", "sft", t, topic="Kafka ops")
    assert a.signature == Plan("openai", "m", "sft", t, topic="Kafka ops").signature
    assert a.signature != Plan("openai", "m2", "sft", t, topic="Kafka ops").signature
    assert a.signature != Plan("openai", "m", "sft", t, topic="Postgres").signature
    assert (
        a.signature
        != Plan("openai", "m", "sft", t, topic="Kafka ops", difficulties=("advanced",)).signature
    )


def test_preference_plan_meets_every_flaw_at_every_difficulty() -> None:
    plan = Plan("openai", "m", "preference", load_template(None, "preference"), topic="x")
    pairs = Counter((plan.item(i).meta["difficulty"], plan.item(i).meta["flaw"]) for i in range(9))
    assert set(pairs) == {(d, f) for d in DIFFICULTIES for f in FLAWS}


def test_user_template_copy(tmp_path: Path) -> None:
    source = load_template(None, "sft").source
    assert source.startswith("builtin:")
    mine = tmp_path / "mine.toml"
    mine.write_text(
        'name = "ops"\nkind = "sft"\nsystem = "Be brief."\n'
        'user = "Q about {topic} ({difficulty}); keep {braces} as they are"\n'
        'angles = ["one"]\n[difficulty]\nbeginner = "easy"\n',
        encoding="utf-8",
    )
    t = load_template(str(mine), "sft")
    assert t.label.startswith("ops@")
    plan = Plan("openai", "m", "sft", t, topic="Kafka", difficulties=("beginner",))
    assert (
        plan.item(0).request.messages[0]["content"]
        == "Q about Kafka (beginner); keep {braces} as they are"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not toml [", "not valid TOML"),
        ('name = "x"\nkind = "sft"\nuser = "u"\nangles = ["a"]\n', "needs a non-empty 'system'"),
        ('name = "x"\nkind = "chat"\nsystem = "s"\nuser = "u"\n', "has kind 'chat'"),
        ('name = "x"\nkind = "sft"\nsystem = "s"\nuser = "u"\n', "non-empty list 'angles'"),
        ('name = "x"\nkind = "preference"\nsystem = "s"\nuser = "u"\nangles = ["a"]\n', "[flaws]"),
    ],
)
def test_bad_templates_are_one_sentence(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "t.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message.replace("[", r"\[")):
        load_template(str(path), "sft" if "preference" not in text else "preference")


def test_template_for_another_kind_is_refused() -> None:
    with pytest.raises(UsageError, match="is for kind 'preference'"):
        load_template("preference", "sft")


def test_render_leaves_unknown_braces() -> None:
    assert render("{topic} {other} {{x}}", {"topic": "T"}) == "T {other} {{x}}"
