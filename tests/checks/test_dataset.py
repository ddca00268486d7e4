"""Dataset-level checks: diversity (balance, distinct-n, duplicates, spread) and readiness."""

from __future__ import annotations

from collections import Counter

from check_helpers import PROSE, chat

from curate.checks.dataset import balance
from curate.checks.readiness import hyperparameters, volume_band
from curate.checks.runner import validate_records
from curate.records import Provenance

VERBS = ["Explain", "Describe", "Compare", "Summarize", "List", "Define", "Outline", "Contrast"]


def varied(n: int, categories: list[str], origin: str = "real", **tags: str) -> list:
    return [
        chat(
            user=f"{VERBS[i % len(VERBS)]} topic{i} number {i} for the team.",
            answer=f"Answer {i}: {PROSE} Extra words w{i} and v{i * 7}.",
            tags={"category": categories[i % len(categories)], **tags},
            provenance=Provenance(origin=origin),
        )
        for i in range(n)
    ]


def dataset_codes(records: list) -> list[str]:
    return sorted(f.code for f in validate_records(records).dataset)


def test_balance_is_normalised_entropy() -> None:
    assert balance(Counter({"a": 3, "b": 3, "c": 3})) == 1.0
    assert balance(Counter({"a": 1})) == 0.0
    assert 0 < balance(Counter({"a": 9, "b": 1})) < 0.5


def test_a_balanced_diverse_dataset() -> None:
    result = validate_records(varied(240, ["spark", "kafka", "sql", "dbt"]))
    div = result.metrics["diversity"]
    assert div["category_balance"] == 1.0 and div["duplicate_rate"] == 0.0
    assert div["distinct_2"] is not None and result.scores["diversity"] > 60
    # the answers share one template: distinct-2 is low, and said so
    assert dataset_codes(varied(240, ["spark", "kafka", "sql", "dbt"])) == ["low_distinct_n"]


def test_dominant_category() -> None:
    records = varied(60, ["spark"]) + varied(10, ["kafka"])
    assert "dominant_category" in dataset_codes(records)


def test_duplicates_after_normalisation() -> None:
    records = varied(60, ["a", "b"])
    twins = [chat(user=r.messages[0].content.upper(), answer=r.messages[1].content + "  ", tags=r.tags) for r in records[:10]]
    result = validate_records(records + twins)
    assert result.metrics["diversity"]["duplicate_rate"] == round(10 / 70, 4)
    assert "high_duplicate_rate" in [f.code for f in result.dataset]


def test_readiness_bands_and_hyperparameters() -> None:
    assert [volume_band(n)[0] for n in (10, 120, 500, 5000, 20000)] == ["not_enough", "poc", "domain", "robust", "large"]
    assert hyperparameters(500, "style")["epochs_range"] == "1-2"
    assert hyperparameters(5000, "reasoning") | {} == hyperparameters(5000, "reasoning")
    assert hyperparameters(5000, "reasoning")["epochs"] == 1 and hyperparameters(5000, "reasoning")["lora_rank"] == 64
    assert hyperparameters(500, "domain")["lora_rank_range"] == "16-32"


def test_not_enough_records_and_synthetic_share() -> None:
    assert "not_enough_records" in dataset_codes(varied(20, ["a"]))
    records = varied(60, ["a", "b"]) + varied(40, ["a", "b"], origin="synthetic")
    result = validate_records(records)
    assert result.metrics["readiness"]["synthetic_share"] == 0.4
    assert "synthetic_share_over_limit" in [f.code for f in result.dataset]
    assert result.verdict == "fail"  # the default rubric fails on it


def test_test_split_size() -> None:
    records = varied(90, ["a", "b"], split="train") + varied(10, ["a", "b"], split="test")
    assert "test_split_size" not in dataset_codes(records)
    records = varied(97, ["a", "b"], split="train") + varied(3, ["a", "b"], split="test")
    assert "test_split_size" in dataset_codes(records)
