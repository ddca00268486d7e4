"""The default shingle size and threshold, checked at test size the way
bench/dedupe_bench.py measures them: planted near copies (up to 9% of words edited) found,
records that share only a prompt, a chosen answer or a template never paired."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from curate.dedup import find_duplicates
from curate.settings import DedupeSettings

DATA = Path(__file__).resolve().parents[2] / "bench" / "dedupe_data.py"


def _data() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dedupe_data", DATA)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedupe_data"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


dd = _data()


def scored(corpus: object, kind: str, settings: DedupeSettings) -> object:
    records = dd.to_records(corpus, kind)
    index_of = {r.id: i for i, r in enumerate(records)}
    assert len(index_of) == len(records)
    result = find_duplicates(records, settings)
    return dd.score(corpus, dd.cluster_pairs(result.clusters, index_of))


@pytest.mark.parametrize(
    ("kind", "corpus"),
    [("sft", dd.sft_corpus(260, seed=5, plant=0.3)), ("preference", dd.pair_corpus(200, seed=6, plant=0.3))],
)
def test_defaults_find_planted_copies_and_no_pair_of_shared_prompts(kind: str, corpus: object) -> None:
    assert len(corpus.planted) >= 50 and all(corpus.negatives.values())
    s = scored(corpus, kind, DedupeSettings())
    assert s.recall >= 0.95 and s.precision >= 0.95, s
    assert s.recall_by_rate[0.09] >= 0.9
    assert s.false_by_kind == dict.fromkeys(corpus.negatives, 0)


def test_the_old_defaults_miss_lightly_edited_copies() -> None:
    corpus = dd.sft_corpus(260, seed=5, plant=0.3)
    s = scored(corpus, "sft", DedupeSettings(shingle_size=5, threshold=0.8))
    assert s.recall < 0.8 and s.recall_by_rate[0.09] < 0.2
