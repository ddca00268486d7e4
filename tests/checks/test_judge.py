"""The LLM judge against a real OpenAI-compatible HTTP server on 127.0.0.1, and the
not-assessed paths."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from check_helpers import PROSE, chat

from curate.checks.judge import parse_judge_reply, render_conversation
from curate.checks.rubric import load_rubric
from curate.checks.runner import validate_records


class JudgeHandler(BaseHTTPRequestHandler):
    """Chat completions: score 2 when the graded text says WRONG, junk for GARBLED, else 5."""

    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server hook name
        body = json.loads(self.rfile.read(int(self.headers["content-length"])))
        JudgeHandler.seen.append(body)
        text = body["messages"][-1]["content"]
        if "GARBLED" in text:
            reply = "I would rather not say."
        elif "WRONG" in text:
            reply = json.dumps({"score": 2, "rationale": "The answer contradicts the documentation."})
        else:
            reply = json.dumps({"score": 5, "rationale": "Correct and complete."})
        out = json.dumps({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def judge_url() -> Iterator[str]:
    JudgeHandler.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), JudgeHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def judge_rubric(tmp_path, url: str, sample: int | str = "null"):
    path = tmp_path / "judge.yaml"
    path.write_text(
        "checks:\n  judge:\n    enabled: true\n    provider: openai-compatible\n"
        f"    model: grader-1\n    base_url: {url}\n    sample: {sample}\n    concurrency: 2\n"
    )
    return load_rubric(path)


def test_the_judge_scores_each_record_and_keeps_the_rationale(tmp_path, judge_url: str) -> None:
    good, wrong = chat(answer=PROSE), chat(user="When was Kafka released?", answer="WRONG: in 1999.")
    result = validate_records([good, wrong], judge_rubric(tmp_path, judge_url))
    assert result.judge[good.id] == {"score": 5.0, "rationale": "Correct and complete.", "error": None}
    assert result.judge[wrong.id]["score"] == 2.0
    assert result.records[wrong.id] == ["judge_low_score"] and result.records[good.id] == []
    assert result.scores["accuracy"] == round(((5 + 2) / 2 - 1) / 4 * 100, 1)
    assert result.accuracy["status"] == "assessed"
    sent = JudgeHandler.seen[0]
    assert sent["model"] == "grader-1" and sent["temperature"] == 0.0
    assert sent["messages"][0]["role"] == "system" and "Score 1-5" in sent["messages"][0]["content"]


def test_unreadable_replies_are_errors_not_scores(tmp_path, judge_url: str) -> None:
    result = validate_records([chat(answer="GARBLED answer here.")], judge_rubric(tmp_path, judge_url))
    assert result.scores["accuracy"] is None
    assert result.accuracy["status"] == "not assessed"
    assert "scored no record" in result.accuracy["not_assessed"][0]


def test_the_sample_is_bounded_and_stable(tmp_path, judge_url: str) -> None:
    records = [chat(answer=f"{PROSE} {i}") for i in range(6)]
    result = validate_records(records, judge_rubric(tmp_path, judge_url, sample=2))
    assert sorted(result.judge) == sorted(r.id for r in records)[:2]


def test_without_a_key_accuracy_is_not_assessed(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CURATE_TEST_MISSING_KEY", raising=False)
    path = tmp_path / "r.yaml"
    path.write_text("checks:\n  judge:\n    enabled: true\n    provider: openai\n    api_key_env: CURATE_TEST_MISSING_KEY\n")
    result = validate_records([chat()], load_rubric(path))
    assert result.scores["accuracy"] is None
    assert "CURATE_TEST_MISSING_KEY" in result.accuracy["not_assessed"][0]


def test_without_judge_or_reviews_accuracy_is_null() -> None:
    result = validate_records([chat()])
    assert result.scores["accuracy"] is None and result.accuracy["status"] == "not assessed"


def test_human_review_is_the_other_source() -> None:
    result = validate_records([chat()], reviews={"approved": 3, "rejected": 1, "pending": 5})
    assert result.scores["accuracy"] == 75.0
    assert result.accuracy["sources"]["review"] == {"approved": 3, "rejected": 1, "pending": 5}


def test_prompt_building_and_reply_parsing() -> None:
    text = render_conversation(chat(user="What is a topic?", answer="A named log.", system="Be brief."))
    assert text.index("[system]") < text.index("[user]") < text.index("Answer to grade:\nA named log.")
    assert parse_judge_reply('Sure. {"score": 3, "rationale": "Vague."}') == (3.0, "Vague.")
    with pytest.raises(ValueError, match="outside 1-5"):
        parse_judge_reply('{"score": 9}')
    with pytest.raises(ValueError, match="no score"):
        parse_judge_reply("I cannot grade this.")
