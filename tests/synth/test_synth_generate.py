"""`synthesize` against a scripted server: counts, ledger reuse, failures, budget, quota."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from fakeserver import Action, FakeServer, Seen
from synth_helpers import ledger_rows, options, real_records, server_key

from curate.records import Message, Record
from curate.synth.generate import SynthOptions, provider_settings, synthesize
from curate.synth.guard import RatioExceeded
from curate.workspace import Workspace


def synthetic(ws: Workspace) -> list[Record]:
    return list(ws.store.iter_records("origin=synthetic"))


def test_generates_n_records_with_provenance(workspace: Workspace, server: FakeServer) -> None:
    result = synthesize(workspace, options(server, n=6))
    s = result.stats
    assert s is not None and (s.counted, s.new, s.sent, s.failed) == (6, 6, 6, 0)
    assert result.exit_code == 0
    records = synthetic(workspace)
    assert len(records) == 6
    assert Counter(r.tags["difficulty"] for r in records) == {
        "beginner": 2,
        "intermediate": 2,
        "advanced": 2,
    }
    rows = {r["key"]: r for r in ledger_rows(workspace.state_dir)}
    for record in records:
        p = record.provenance
        assert p.origin == "synthetic" and p.generator_provider == "openai"
        assert p.generator_model == "gpt-4.1-mini" and p.template.startswith("sft@")
        assert p.request_id and p.request_id.startswith("req_") and p.created_at
        row = rows[p.prompt_hash]
        assert row["status"] == "parsed" and row["outcome"] == "counted"
        assert row["record_id"] == record.id and row["raw"] and row["cost"] > 0
        assert workspace.store.review_state(record.id) == "pending"
        assert record.tags["category"] == "Kafka ops"
    assert sorted(server.counts().values()) == [1] * 6


def test_repeated_command_makes_zero_requests(workspace: Workspace, server: FakeServer) -> None:
    synthesize(workspace, options(server, n=6))
    again = synthesize(workspace, options(server, n=6)).stats
    assert server.total == 6
    assert again is not None and (again.counted, again.reused, again.new, again.sent) == (
        6,
        6,
        0,
        0,
    )
    assert len(synthetic(workspace)) == 6


def test_fresh_tops_up_to_n_with_new_samples(workspace: Workspace, server: FakeServer) -> None:
    same = json.dumps({"prompt": "How do I list topics?", "answer": "Run kafka-topics --list."})
    server.rule = lambda seen: Action.ok(text=same)
    first = synthesize(workspace, options(server, n=3, concurrency=1)).stats
    assert first is not None and first.stopped == "exhausted" and first.counted == 1
    assert first.resendable == 0 and "--fresh" in first.advice
    assert "Re-run the same command" not in first.advice
    server.rule = None
    sent = server.total
    again = synthesize(workspace, options(server, n=3)).stats
    assert again is not None and server.total == sent and again.counted == 1  # sends nothing
    fresh = synthesize(workspace, options(server, n=3, fresh=True))
    assert fresh.generation == 1 and fresh.stats is not None
    assert (fresh.stats.prior, fresh.stats.new, fresh.stats.counted) == (1, 2, 3)
    assert server.total == sent + 2 and fresh.exit_code == 0
    assert len(synthetic(workspace)) == 3  # topped up to -n, not -n more
    done = synthesize(workspace, options(server, n=3, fresh=True))
    assert done.generation == 1 and server.total == sent + 2  # nothing left to make
    synthesize(workspace, options(server, n=5))
    assert server.total == sent + 4 and len(synthetic(workspace)) == 5


def test_a_larger_n_only_asks_for_the_difference(workspace: Workspace, server: FakeServer) -> None:
    synthesize(workspace, options(server, n=4))
    synthesize(workspace, options(server, n=6))
    assert server.total == 6 and len(synthetic(workspace)) == 6


def test_unusable_answers_are_kept_as_failed_and_never_rebought(
    workspace: Workspace, server: FakeServer
) -> None:
    server.script(Action.malformed(), Action.unstructured(), Action.wrong_structure())
    result = synthesize(workspace, options(server, n=3, concurrency=1)).stats
    assert result is not None and result.counted == 3 and result.failed == 3
    assert result.failures == {
        "malformed": 1,
        "parse:not_json": 1,
        "parse:wrong_structure": 1,
    }
    failed = ledger_rows(workspace.state_dir, "status = 'failed'")
    assert len(failed) == 3
    assert {r["error_kind"] for r in failed} == {"malformed", "parse"}
    assert all(r["raw"] for r in failed)  # the raw body is kept
    assert any("plain prose" in (r["text"] or "") for r in failed)
    again = synthesize(workspace, options(server, n=3, concurrency=1)).stats
    assert server.total == 6  # nothing re-bought
    assert again is not None and again.failed == 3 and again.counted == 3


def test_transient_errors_are_retried_within_a_run(
    workspace: Workspace, server: FakeServer
) -> None:
    server.script(Action.rate_limited(retry_after_ms=20), Action.error(500), Action.reset())
    result = synthesize(workspace, options(server, n=3, concurrency=1)).stats
    assert result is not None and result.counted == 3 and result.failed == 0
    assert server.total == 6 and result.attempts == 6
    assert max(ledger_rows(workspace.state_dir), key=lambda r: r["attempts"])["attempts"] == 4


def test_a_bad_request_fails_once_and_the_run_goes_on(
    workspace: Workspace, server: FakeServer
) -> None:
    server.script(Action.error(400, "invalid_request_error"))
    result = synthesize(workspace, options(server, n=3, concurrency=1)).stats
    assert result is not None and result.counted == 3 and result.failures == {"http_400": 1}
    assert server.total == 4 and max(server.counts().values()) == 1
    assert [r["error_kind"] for r in ledger_rows(workspace.state_dir, "status='failed'")] == [
        "http"
    ]


def test_an_auth_error_stops_the_run(workspace: Workspace, server: FakeServer) -> None:
    server.rule = lambda seen: Action.error(401, "authentication_error")
    result = synthesize(workspace, options(server, n=5, concurrency=1))
    assert result.stats is not None and result.stats.stopped == "fatal"
    assert "HTTP 401" in result.stats.message and result.exit_code == 1
    assert server.total == 1


def test_spent_quota_stops_and_a_rerun_resumes(workspace: Workspace, server: FakeServer) -> None:
    server.rule = lambda seen: Action.quota() if server.total > 3 else None
    first = synthesize(workspace, options(server, n=6, concurrency=1)).stats
    assert first is not None and first.stopped == "quota" and first.counted == 3
    assert "quota or credit is spent" in first.message
    assert server.total == 4  # the quota answer is not retried
    quota_key = server.seen[3].key
    server.rule = None
    server.reset_log()
    second = synthesize(workspace, options(server, n=6, concurrency=1)).stats
    assert second is not None and second.counted == 6 and second.reused == 3
    assert server.total == 3 and quota_key in server.counts()


def test_max_cost_stops_before_exceeding_the_budget(
    workspace: Workspace, server: FakeServer
) -> None:
    budget = 0.004
    dry = synthesize(workspace, options(server, n=60, max_tokens=1000, dry_run=True)).dry_run
    assert dry is not None
    worst = dry["estimated_max_cost"] / 60  # one request's worst case
    result = synthesize(
        workspace, options(server, n=60, concurrency=4, max_cost=budget, max_tokens=1000)
    ).stats
    assert result is not None and result.stopped == "budget"
    assert "budget of $0.004 " in result.message
    assert re.search(
        r"\(\$0\.00\d+ spent; the next request could cost up to \$0\.00\d+\)", result.message
    )
    spent = sum(r["cost"] or 0 for r in ledger_rows(workspace.state_dir))
    assert 0 < spent <= budget
    assert budget - spent < worst * 1.05  # it stopped only when the next one might not fit
    assert result.cost == pytest.approx(spent)
    assert 0 < result.counted < 60 and server.total == result.sent


def test_max_cost_with_concurrency_spends_like_one_at_a_time(
    workspace: Workspace, server: FakeServer
) -> None:
    """In-flight requests hold their worst case only until they return."""
    server.latency = 0.05
    result = synthesize(workspace, options(server, n=15, concurrency=8, max_cost=0.02)).stats
    assert result is not None and result.stopped is None and result.counted == 15
    spent = sum(r["cost"] or 0 for r in ledger_rows(workspace.state_dir))
    assert 0 < spent <= 0.02 and result.cost == pytest.approx(spent)
    assert server.total == 15


def test_max_cost_needs_a_price(workspace: Workspace, server: FakeServer) -> None:
    with pytest.raises(Exception, match="not in the price table"):
        synthesize(workspace, options(server, model="house-model", max_cost=1.0))
    assert server.total == 0


def test_duplicates_do_not_count(workspace: Workspace, server: FakeServer) -> None:
    same = json.dumps({"prompt": "How do I list topics?", "answer": "Run kafka-topics --list."})
    server.rule = lambda seen: Action.ok(text=same)
    result = synthesize(workspace, options(server, n=3, concurrency=1)).stats
    assert result is not None and result.counted == 1 and result.duplicates == 7
    assert result.stopped == "exhausted" and server.total == 8
    assert len(synthetic(workspace)) == 1
    outcomes = Counter(r["outcome"] for r in ledger_rows(workspace.state_dir))
    assert outcomes == {"counted": 1, "duplicate": 7}


def test_normalised_text_matches_workspace_records(
    workspace: Workspace, server: FakeServer
) -> None:
    workspace.store.add_records(
        [
            Record(
                messages=[
                    Message(role="user", content="How do I list topics?"),
                    Message(role="assistant", content="Run kafka-topics --list."),
                ]
            )
        ]
        + real_records(20)
    )
    near = json.dumps({"prompt": "how do I  list topics", "answer": "Run: kafka topics list"})

    def rule(seen: Seen) -> Action | None:
        return Action.ok(text=near) if len(server.seen) == 1 else None

    server.rule = rule
    result = synthesize(workspace, options(server, n=2, concurrency=1)).stats
    assert result is not None and result.duplicates == 1 and result.counted == 2
    assert server.total == 3


def test_preference_pairs_state_their_flaw(workspace: Workspace, server: FakeServer) -> None:
    result = synthesize(workspace, options(server, n=6, kind="preference"))
    assert result.stats is not None and result.stats.counted == 6
    records = synthetic(workspace)
    assert {r.kind for r in records} == {"preference"}
    for r in records:
        assert r.chosen and r.rejected and r.chosen[0].content != r.rejected[0].content
        assert r.meta["rejected_flaw"] in ("incomplete", "wrong", "off_format")
        assert r.meta["rejected_flaw_note"]
    assert Counter(r.meta["rejected_flaw"] for r in records) == {
        "incomplete": 2,
        "wrong": 2,
        "off_format": 2,
    }
    schema = server.seen[0].body["response_format"]["json_schema"]["schema"]
    assert set(schema["required"]) == {"prompt", "chosen", "rejected", "flaw_note"}


def test_pairs_from_sft_keep_the_real_answer_as_chosen(
    workspace: Workspace, server: FakeServer
) -> None:
    sources = real_records(3)
    workspace.store.add_records(sources)
    result = synthesize(
        workspace, options(server, n=3, pairs_from_sft=True, topic=None, allow_over_ratio=True)
    )
    assert result.stats is not None and result.stats.counted == 3
    by_source = {r.id: r for r in sources}
    pairs = synthetic(workspace)
    assert {p.meta["pair_of"] for p in pairs} == set(by_source)
    for pair in pairs:
        source = by_source[pair.meta["pair_of"]]
        assert pair.kind == "preference" and pair.messages == source.prompt_messages()
        assert pair.chosen == source.answer_messages()
        assert pair.rejected and pair.rejected[0].content.startswith("For case")
    assert {p.meta["rejected_flaw"] for p in pairs} == {"incomplete", "wrong", "off_format"}
    prompts = [s.prompt for s in server.seen]
    assert all("Good answer:" in p for p in prompts)


def test_pairs_from_sft_needs_sft_records(workspace: Workspace, server: FakeServer) -> None:
    with pytest.raises(Exception, match="no SFT records"):
        synthesize(workspace, options(server, pairs_from_sft=True, topic=None))


def test_ratio_guard_says_what_would_fit(workspace: Workspace, server: FakeServer) -> None:
    workspace.store.add_records(real_records(7))
    with pytest.raises(RatioExceeded) as info:
        synthesize(workspace, options(server, n=6, allow_over_ratio=False))
    text = str(info.value)
    assert "at most 3 (-n 3)" in text and "import 7 more real records" in text
    assert "--allow-over-ratio" in text and server.total == 0
    ok = synthesize(workspace, options(server, n=3, allow_over_ratio=False))
    assert ok.stats is not None and ok.stats.counted == 3


def test_dry_run_sends_nothing(workspace: Workspace, server: FakeServer) -> None:
    result = synthesize(workspace, options(server, n=5, dry_run=True))
    assert server.total == 0 and result.stats is None
    d = result.dry_run
    assert d is not None and d["to_send"] == 5 and len(d["requests"]) == 5
    assert d["estimated_max_cost"] > 0 and "Kafka ops" in d["requests"][0]["prompt"]
    assert ledger_rows(workspace.state_dir) == []
    synthesize(workspace, options(server, n=5))
    again = synthesize(workspace, options(server, n=5, dry_run=True)).dry_run
    assert again is not None and again["already_answered"] == 5 and again["to_send"] == 0


def test_dry_run_says_how_many_requests_the_budget_covers(
    workspace: Workspace, server: FakeServer
) -> None:
    free = synthesize(workspace, options(server, n=8, dry_run=True)).dry_run
    assert free is not None and free["max_cost"] is None and free["within_budget"] is None
    per_request = free["estimated_max_cost"] / 8
    budget = round(per_request * 3.5, 6)
    d = synthesize(workspace, options(server, n=8, dry_run=True, max_cost=budget)).dry_run
    assert d is not None and d["max_cost"] == budget and d["within_budget"] == 3
    assert server.total == 0
    roomy = synthesize(workspace, options(server, n=8, dry_run=True, max_cost=100.0)).dry_run
    assert roomy is not None and roomy["within_budget"] == 8
    # the count is a floor: a real run settles each reservation to what the answer cost
    result = synthesize(workspace, options(server, n=8, max_cost=budget, concurrency=1))
    assert result.stats is not None and result.stats.sent >= 3


def test_anthropic_end_to_end(workspace: Workspace, server: FakeServer) -> None:
    result = synthesize(
        workspace,
        options(
            server,
            n=3,
            provider="anthropic",
            base_url=server.anthropic_url,
            model="claude-sonnet-4-6",
        ),
    )
    assert result.stats is not None and result.stats.counted == 3
    assert {s.api for s in server.seen} == {"anthropic"}
    assert {r.provenance.generator_model for r in synthetic(workspace)} == {"claude-sonnet-4-6"}
    keys = {server_key(r) for r in ledger_rows(workspace.state_dir)}
    assert keys == set(server.counts())


def test_provider_defaults_come_from_curate_toml(workspace: Workspace) -> None:
    settings = workspace.settings
    name, model, base_url, key_env = provider_settings(settings, SynthOptions(topic="x"))
    assert (name, model) == ("anthropic", settings.providers.anthropic.model)
    assert key_env == settings.providers.anthropic.api_key_env
    name, model, base_url, _ = provider_settings(
        settings, SynthOptions(topic="x", base_url="http://127.0.0.1:9/v1", model="qwen")
    )
    assert (name, model, base_url) == ("openai-compatible", "qwen", "http://127.0.0.1:9/v1")
    _, model, _, key_env = provider_settings(settings, SynthOptions(topic="x", provider="openai"))
    assert (model, key_env) == (settings.providers.openai.model, "OPENAI_API_KEY")


def test_answers_failing_format_checks_do_not_count(
    workspace: Workspace, server: FakeServer
) -> None:
    answer = "Here:\n```python\nprint(1)\n\nThen run it and check the output for errors."
    broken = json.dumps({"prompt": "Show a script.", "answer": answer})
    server.script(Action.ok(text=broken))
    result = synthesize(workspace, options(server, n=2, concurrency=1)).stats
    assert result is not None and result.counted == 2 and result.check_failed == 1
    assert result.failures == {"check:unbalanced_code_fence": 1}
    rows = ledger_rows(workspace.state_dir, "outcome = 'check_failed'")
    assert len(rows) == 1 and rows[0]["error"] == "unbalanced_code_fence" and rows[0]["raw"]
    assert len(synthetic(workspace)) == 2 and server.total == 3
