"""distinct-1 and distinct-2 over the sampled n-gram hashes of the answers."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from curate.checks.dataset import distinct_n
from curate.checks.profile import Profile, ngram_hashes


def profile(i: int, text: str | None) -> Profile:
    return Profile(index=i, id=str(i), ngrams=None if text is None else ngram_hashes(text, 100))


def test_distinct_n_counts_unique_words_and_bigrams() -> None:
    profiles = [profile(0, "the cache is cold"), profile(1, "the cache is warm"), profile(2, None)]
    # 8 words, 5 unique; 6 bigrams, 4 unique
    assert distinct_n(profiles) == (round(5 / 8, 4), round(4 / 6, 4))
    assert distinct_n([profile(0, None)]) == (None, None)
    assert distinct_n([profile(0, "one")]) == (1.0, None)


@given(st.lists(st.lists(st.sampled_from("abcdefg"), min_size=1, max_size=12), min_size=1, max_size=20))
def test_distinct_n_agrees_with_numpy_unique(answers: list[list[str]]) -> None:
    profiles = [profile(i, " ".join(words)) for i, words in enumerate(answers)]
    u = np.concatenate([p.ngrams[0] for p in profiles])
    assert distinct_n(profiles)[0] == round(len(np.unique(u)) / len(u), 4)
