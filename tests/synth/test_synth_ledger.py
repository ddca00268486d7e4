"""The request ledger: statuses, resume rules, generations, and nothing secret stored."""

from __future__ import annotations

import json
from pathlib import Path

from fakeserver import PLANTED_KEY, FakeServer
from synth_helpers import options

from curate.providers.keys import register_secret
from curate.synth.generate import synthesize
from curate.synth.ledger import Ledger
from curate.synth.plan import Plan
from curate.synth.template import load_template
from curate.workspace import Workspace

REQUEST = {"model": "m", "provider": "openai", "messages": [{"role": "user", "content": "q"}]}


def answer_kw(text: str) -> dict:
    return {
        "raw": "{}",
        "text": text,
        "request_id": "req_1",
        "response_model": "m",
        "stop_reason": "stop",
        "input_tokens": 10,
        "output_tokens": 5,
        "cost": 0.001,
        "attempts": 1,
    }


def test_status_flow_and_resume_rules(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        for key in ("a", "b", "c", "d", "e"):
            ledger.mark_sent(key, "p", ord(key), REQUEST, {}, "t@1", "sft", 1)
        ledger.mark_answered("b", **answer_kw("{}"))
        ledger.mark_answered("c", **answer_kw("{}"))
        ledger.mark_parsed("c", "counted", "rid")
        ledger.mark_failed("d", "parse", "not_json: The answer is not a JSON object.")
        ledger.mark_failed("e", "http", "openai answered HTTP 500.")
        entries = {e.key: e for e in ledger.entries("p")}
        assert {k: e.status for k, e in entries.items()} == {
            "a": "sent",
            "b": "answered",
            "c": "parsed",
            "d": "failed",
            "e": "failed",
        }
        assert {k for k, e in entries.items() if e.needs_send} == {"a", "e"}
        assert entries["d"].paid_failure and not entries["e"].paid_failure
        ledger.mark_sent("e", "p", 5, REQUEST, {}, "t@1", "sft", 2)
        again = ledger.get("e")
        assert again is not None and again.sends == 2 and again.error is None
        totals = ledger.totals("p")
        assert totals["by_status"]["failed"] == 1 and totals["cost"] == 0.002


def test_generations(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        assert ledger.peek_base("p", fresh=True) == (0, 0)
        assert ledger.plan_base("p", {}, fresh=False) == (0, 0)
        for i in range(4):
            ledger.mark_sent(f"k{i}", "p", i, REQUEST, {}, None, None, None)
        assert ledger.peek_base("p", fresh=True) == (4, 1)
        assert ledger.plan_base("p", {}, fresh=False) == (0, 0)
        assert ledger.plan_base("p", {}, fresh=True) == (4, 1)
        assert ledger.plan_base("p", {}, fresh=False) == (4, 1)


def test_secrets_are_scrubbed_on_the_way_in(tmp_path: Path) -> None:
    register_secret(PLANTED_KEY)
    path = tmp_path / "ledger.sqlite"
    with Ledger(path) as ledger:
        ledger.mark_sent("k", "p", 0, {**REQUEST, "note": PLANTED_KEY}, {}, None, None, None)
        ledger.mark_answered("k", **{**answer_kw(f"key {PLANTED_KEY}"), "raw": PLANTED_KEY})
        ledger.mark_failed("k", "http", f"Incorrect API key provided: {PLANTED_KEY}")
        run = ledger.start_run("p", {"api_key_env": PLANTED_KEY}, "sha256:abc")
        ledger.finish_run(run, "done", f"bad {PLANTED_KEY}", {})
    for file in tmp_path.iterdir():
        assert PLANTED_KEY.encode() not in file.read_bytes()


def _plan_item(workspace: Workspace):
    plan = Plan("openai", "gpt-4.1-mini", "sft", load_template(None, "sft"), topic="Kafka ops")
    return plan, plan.item(0)


def test_an_answer_stored_before_a_crash_is_parsed_not_rebought(
    workspace: Workspace, server: FakeServer
) -> None:
    plan, item = _plan_item(workspace)
    text = json.dumps(
        {"prompt": "How do I add a partition?", "answer": "Use kafka-topics --alter."}
    )
    with Ledger.for_workspace(workspace.state_dir) as ledger:
        ledger.plan_base(plan.signature, plan.spec(), fresh=False)
        ledger.mark_sent(
            item.key, plan.signature, 0, item.request.to_dict(), item.meta, None, "sft", 1
        )
        ledger.mark_answered(item.key, **answer_kw(text))
    result = synthesize(workspace, options(server, n=1, model="gpt-4.1-mini"))
    assert result.signature == plan.signature
    assert server.total == 0 and result.stats is not None and result.stats.counted == 1
    [record] = workspace.store.iter_records("origin=synthetic")
    assert record.messages[0].content == "How do I add a partition?"


def test_a_request_left_in_flight_is_sent_again(workspace: Workspace, server: FakeServer) -> None:
    plan, item = _plan_item(workspace)
    with Ledger.for_workspace(workspace.state_dir) as ledger:
        ledger.plan_base(plan.signature, plan.spec(), fresh=False)
        ledger.mark_sent(
            item.key, plan.signature, 0, item.request.to_dict(), item.meta, None, "sft", 1
        )
    synthesize(workspace, options(server, n=1, model="gpt-4.1-mini"))
    assert server.total == 1
    with Ledger.for_workspace(workspace.state_dir) as ledger:
        entry = ledger.get(item.key)
        assert entry is not None and entry.sends == 2 and entry.status == "parsed"
