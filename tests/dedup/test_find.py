"""find_duplicates on plain record lists: exact and near detection, the representative
rule, determinism and the partition invariants."""

from __future__ import annotations

import random

import pytest
from dedup_helpers import chat, edit, sentence
from hypothesis import given, settings
from hypothesis import strategies as st

from curate.dedup import find_duplicates
from curate.dedup.normalise import Normaliser
from curate.records import Message, Record
from curate.settings import DedupeSettings

ANSWER = "Use a broadcast join when the small side fits in executor memory."
FIVE = DedupeSettings(shingle_size=5, threshold=0.8)  # the shingles below are of five words


def shingles(text: str, k: int = 5) -> set[tuple[str, ...]]:
    words = Normaliser().words(text)
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def jaccard(a: str, b: str) -> float:
    x, y = shingles(a), shingles(b)
    return len(x & y) / len(x | y)


def chat_similarity(q1: str, a1: str, q2: str, a2: str) -> float:
    """What dedupe compares for two chats: shingles stay inside the question or the answer,
    and the answers must be alike on their own too (the whole Jaccard, or the answers')."""
    x = {(0, s) for s in shingles(q1)} | {(1, s) for s in shingles(a1)}
    y = {(0, s) for s in shingles(q2)} | {(1, s) for s in shingles(a2)}
    return min(len(x & y) / len(x | y), jaccard(a1, a2))


def test_exact_duplicates_after_normalisation() -> None:
    records = [
        chat("What is Kafka?", "A distributed log."),
        chat("what is   KAFKA", "a distributed log!"),
        chat("What is Spark?", "A distributed engine."),
    ]
    result = find_duplicates(records)
    assert (result.records, result.compared) == (3, 3)
    assert len(result.clusters) == 1 and result.duplicates == 1 and result.kept == 2
    assert (result.exact, result.near) == (1, 0)
    cluster = result.clusters[0]
    assert {m.record_id for m in cluster.members} == {records[0].id, records[1].id}
    assert cluster.duplicates[0].similarity == 1.0 and cluster.duplicates[0].match == "exact"
    assert cluster.id == min(records[0].id, records[1].id)


def test_normalisation_flags_decide_what_is_exact() -> None:
    records = [chat("What is Kafka?", "A log."), chat("WHAT IS KAFKA?", "A LOG.")]
    assert find_duplicates(records).duplicates == 1
    only_space = DedupeSettings(normalise=["whitespace", "punctuation"])
    assert find_duplicates(records, only_space).duplicates == 0


def test_near_duplicates_at_and_below_the_threshold(rng: random.Random) -> None:
    base = sentence(rng, 80)
    close = edit(base, rng, 1)
    far = edit(base, rng, 12)
    assert jaccard(base, close) >= 0.85 and jaccard(base, far) < 0.6
    records = [chat(base, ANSWER), chat(close, ANSWER), chat(far, ANSWER)]
    result = find_duplicates(records, FIVE)
    assert result.duplicates == 1 and (result.exact, result.near) == (0, 1)
    member = result.clusters[0].duplicates[0]
    assert member.match == "near"
    assert member.similarity == pytest.approx(chat_similarity(base, ANSWER, close, ANSWER), abs=1e-4)
    strict = DedupeSettings(threshold=0.99)
    assert find_duplicates(records, strict).duplicates == 0
    assert find_duplicates(records, exact_only=True).duplicates == 0
    j_far = chat_similarity(base, ANSWER, far, ANSWER)
    assert find_duplicates(records, FIVE.model_copy(update={"threshold": round(j_far - 0.02, 2)})).duplicates == 2


def test_shingle_size_and_num_perm_are_honoured(rng: random.Random) -> None:
    base = sentence(rng, 60)
    records = [chat(base, ANSWER), chat(edit(base, rng, 3), ANSWER)]
    r3 = find_duplicates(records, DedupeSettings(shingle_size=2, num_perm=64))
    assert r3.params.shingle_size == 2 and r3.params.num_perm == 64
    assert r3.duplicates == 1
    assert find_duplicates(records, DedupeSettings(shingle_size=25, threshold=0.9)).duplicates == 0


def test_prompt_only_compares_questions_whatever_the_answers() -> None:
    records = [chat("How do I size Kafka partitions?", "Count consumers."), chat("How do I size Kafka partitions?", "Measure throughput.")]
    assert find_duplicates(records).duplicates == 0
    assert find_duplicates(records, DedupeSettings(compare="prompt")).duplicates == 1


def test_kinds_are_never_duplicates_of_each_other() -> None:
    sft = Record(messages=[Message(role="user", content="Pick the better answer"), Message(role="assistant", content="x")])
    pref = Record(
        kind="preference",
        messages=[Message(role="user", content="Pick the better answer")],
        chosen=[Message(role="assistant", content="A")],
        rejected=[Message(role="assistant", content="B")],
    )
    assert find_duplicates([sft, pref], DedupeSettings(compare="prompt")).duplicates == 0


def test_records_with_nothing_to_compare_are_not_clustered() -> None:
    records = [chat("?!", "..."), chat("...", "?"), chat("What is Kafka?", "A log.")]
    result = find_duplicates(records)
    assert (result.records, result.compared, result.duplicates) == (3, 1, 0)


# the representative rule -----------------------------------------------------------------
def copies(n: int, **prov: object) -> list[Record]:
    """``n`` records with the same normalised text but different ids."""
    texts = ["What is Kafka?", "what is kafka", "WHAT IS KAFKA", "What is Kafka!", "what IS kafka?"]
    return [chat(t, "A log.", **prov) for t in texts[:n]]


def representative(records: list[Record], **kw: object) -> str:
    result = find_duplicates(records, **kw)  # type: ignore[arg-type]
    assert len(result.clusters) == 1
    return result.clusters[0].representative.record_id


def test_approved_before_pending_before_rejected() -> None:
    a, b, c = copies(3, origin="real", created_at="2020-01-01T00:00:00+00:00")
    states = {a.id: "rejected", b.id: "pending", c.id: "approved"}
    quality = {a.id: 1.0, b.id: 0.9, c.id: 0.1}  # the approved one wins despite its score
    assert representative([a, b, c], states=states, quality=quality) == c.id
    assert representative([a, b], states=states, quality=quality) == b.id


def test_real_before_synthetic() -> None:
    (real,) = copies(1, origin="real", created_at="2025-01-01T00:00:00+00:00")
    synth = copies(2, origin="synthetic", created_at="2020-01-01T00:00:00+00:00")[1]
    quality = {real.id: 0.2, synth.id: 1.0}
    assert representative([synth, real], quality=quality) == real.id


def test_higher_quality_first_and_no_score_last() -> None:
    a, b, c = copies(3, created_at="2020-01-01T00:00:00+00:00")
    assert representative([a, b, c], quality={a.id: 0.5, b.id: 0.75}) == b.id
    older = chat("What is Kafka?", "A log.", created_at="2019-01-01T00:00:00+00:00")
    newer = chat("what is kafka", "A log.", created_at="2024-01-01T00:00:00+00:00")
    assert representative([older, newer], quality={newer.id: 0.0}) == newer.id


def test_oldest_first_then_id() -> None:
    old = chat("What is Kafka?", "A log.", imported_at="2024-05-01T10:00:00+00:00")
    new = chat("what is kafka", "A log.", created_at="2024-05-02T10:00:00+00:00")
    unknown = chat("WHAT IS KAFKA", "A log.")
    assert representative([unknown, new, old]) == old.id
    assert representative([unknown, new]) == new.id
    twins = copies(3)  # nothing else differs: the smallest id
    assert representative(twins) == min(r.id for r in twins)


# determinism and invariants ---------------------------------------------------------------
BASES = [sentence(random.Random(i), 40) for i in range(4)]


@st.composite
def corpora(draw: st.DrawFn) -> list[Record]:
    out = []
    for _ in range(draw(st.integers(2, 14))):
        base = BASES[draw(st.integers(0, len(BASES) - 1))]
        how = draw(st.sampled_from(["same", "case", "edit1", "edit6", "fresh"]))
        seed = draw(st.integers(0, 10**6))
        rng = random.Random(seed)
        text = {
            "same": base,
            "case": base.upper(),
            "edit1": edit(base, rng, 1),
            "edit6": edit(base, rng, 6),
            "fresh": sentence(rng, 40),
        }[how]
        out.append(chat(text, "Answer " + str(seed % 3)))
    return out


@settings(max_examples=40, deadline=None)
@given(corpora(), st.randoms(use_true_random=False))
def test_clusters_partition_and_do_not_depend_on_input_order(records: list[Record], shuffler: random.Random) -> None:
    result = find_duplicates(records)
    seen: list[int] = []
    for cluster in result.clusters:
        assert len(cluster.members) >= 2
        assert [m.representative for m in cluster.members] == [True] + [False] * (len(cluster.members) - 1)
        assert cluster.id == min(m.record_id for m in cluster.members)
        seen.extend(m.index for m in cluster.members)
    assert len(seen) == len(set(seen))  # no record in two clusters
    assert result.duplicates + len(result.clusters) == len(seen)
    # records with the same normalised text are always together
    norm = Normaliser()
    by_text: dict[str, set[str]] = {}
    for r in records:
        by_text.setdefault(norm.text(r.messages[0].content + "\n" + r.messages[1].content), set()).add(r.id)
    of = result.cluster_of()
    for ids in by_text.values():
        if len(ids) > 1:
            assert len({of.get(i) for i in ids}) == 1 and None not in {of.get(i) for i in ids}
    shuffled = list(records)
    shuffler.shuffle(shuffled)
    again = find_duplicates(shuffled)
    assert again.cluster_of() == of
    assert {c.representative.record_id for c in again.clusters} == {c.representative.record_id for c in result.clusters}


def test_the_datasketch_index_and_a_process_pool_give_the_same_clusters(rng: random.Random) -> None:
    records = []
    for _ in range(60):
        base = sentence(rng, 50)
        records += [chat(base, ANSWER), chat(edit(base, rng, 1), ANSWER)]
    plain = find_duplicates(records, workers=1)
    assert plain.duplicates >= 55
    assert find_duplicates(records, index="datasketch").cluster_of() == plain.cluster_of()
    assert find_duplicates(records, workers=2).cluster_of() == plain.cluster_of()


def test_a_dense_family_of_near_copies_is_one_cluster(rng: random.Random) -> None:
    """Many candidates among a family (each pair above the threshold): one cluster, each
    member compared with the representative, whatever pairs were skipped once joined."""
    base = sentence(rng, 120)
    records = [chat(edit(base, rng, 4), ANSWER) for _ in range(60)]
    result = find_duplicates(records)
    assert len(result.clusters) == 1 and result.duplicates == 59
    assert all(0.5 <= m.similarity <= 1.0 for m in result.clusters[0].duplicates)
