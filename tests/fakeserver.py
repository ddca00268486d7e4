"""A real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions and Anthropic
messages wire formats, scriptable per test: latency, 429/500/529, quota, timeouts,
connection resets, malformed bodies, answers outside the requested structure, answers
with an unreadable ``usage``, and an address that refuses connections (``closed_port``)."""

from __future__ import annotations

import hashlib
import json
import socket
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

PLANTED_KEY = "sk-test-PLANTED-SECRET-123"  # a fake key tests plant to prove it never leaks
_KEEP = object()  # Action.usage: keep the envelope's real usage


def prompt_key(text: str) -> str:
    """The server's key for a request: a hash of its last user message."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Action:
    """What the server does with one request."""

    kind: str = "ok"  # ok status quota reset hang malformed unstructured wrong echo_auth reject_key
    delay: float = 0.0
    status: int = 200
    error_type: str = "api_error"
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    usage: Any = _KEEP  # what the answer's "usage" holds (bad_usage); dropped when MISSING

    # constructors -------------------------------------------------------------------
    @classmethod
    def ok(cls, delay: float = 0.0, text: str | None = None) -> Action:
        return cls("ok", delay=delay, text=text)

    @classmethod
    def error(cls, status: int, error_type: str = "api_error", **headers: str) -> Action:
        return cls("status", status=status, error_type=error_type, headers=dict(headers))

    @classmethod
    def rate_limited(
        cls, retry_after: float | None = None, retry_after_ms: int | None = None
    ) -> Action:
        headers = {}
        if retry_after is not None:
            headers["retry-after"] = str(retry_after)
        if retry_after_ms is not None:
            headers["retry-after-ms"] = str(retry_after_ms)
        return cls("status", status=429, error_type="rate_limit_error", headers=headers)

    @classmethod
    def overloaded(cls) -> Action:
        return cls("status", status=529, error_type="overloaded_error")

    @classmethod
    def quota(cls) -> Action:
        return cls("quota")

    @classmethod
    def reset(cls) -> Action:
        return cls("reset")

    @classmethod
    def hang(cls, seconds: float = 5.0) -> Action:
        return cls("hang", delay=seconds)

    @classmethod
    def malformed(cls) -> Action:
        return cls("malformed")

    @classmethod
    def unstructured(cls) -> Action:
        return cls("unstructured")

    @classmethod
    def wrong_structure(cls) -> Action:
        return cls("wrong")

    @classmethod
    def bad_usage(cls, usage: Any) -> Action:
        """A good answer whose ``usage`` is ``usage`` (a string count, a list, ...);
        ``Action.MISSING`` leaves the key out."""
        return cls("ok", usage=usage)

    MISSING: ClassVar[Any] = object()

    @classmethod
    def body(cls, payload: Any) -> Action:
        """A 200 whose JSON body is ``payload`` as given (an envelope of an unforeseen shape)."""
        return cls("body", usage=payload)

    @classmethod
    def echo_auth(cls) -> Action:
        """An answer whose text repeats the API key the client sent."""
        return cls("echo_auth")

    @classmethod
    def reject_key(cls) -> Action:
        """A 401 whose message repeats the API key the client sent (as some servers do)."""
        return cls("reject_key", status=401)


@dataclass
class Seen:
    """One request as the server saw it."""

    api: str
    key: str
    model: str
    prompt: str
    action: str
    at: float
    body: dict[str, Any]


class FakeServer:
    """``with FakeServer() as s:``; point SDKs at ``s.openai_url`` or ``s.anthropic_url``.

    ``script(*actions)`` queues actions for the next requests in arrival order; ``rule``
    decides per request (return None to fall through); otherwise ``default`` (an ok answer
    after ``latency`` seconds) is used.
    """

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.queue: deque[Action] = deque()
        self.rule: Callable[[Seen], Action | None] | None = None
        self.seen: list[Seen] = []
        self.auth_values: set[str] = set()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.gate = threading.Event()  # answers wait while it is clear (hold / release)
        self.gate.set()
        self.counter = 0
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # lifecycle ----------------------------------------------------------------------
    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        return self.url + "/v1"

    @property
    def anthropic_url(self) -> str:
        return self.url

    # scripting and inspection -------------------------------------------------------
    def script(self, *actions: Action) -> None:
        with self.lock:
            self.queue.extend(actions)

    def hold(self) -> None:
        """Keep every answer waiting (requests are still received and logged) until release."""
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def counts(self) -> Counter[str]:
        with self.lock:
            return Counter(s.key for s in self.seen)

    def reset_log(self) -> None:
        with self.lock:
            self.seen.clear()

    @property
    def total(self) -> int:
        with self.lock:
            return len(self.seen)

    def _next_action(self, seen: Seen) -> Action:
        with self.lock:
            self.seen.append(seen)
            self.counter += 1
            if self.queue:
                return self.queue.popleft()
        if self.rule is not None:
            action = self.rule(seen)
            if action is not None:
                return action
        return Action.ok(delay=self.latency)

    def next_id(self) -> int:
        with self.lock:
            return self.counter


@contextmanager
def closed_port() -> Iterator[str]:
    """``with closed_port() as url:`` an address on 127.0.0.1 where nothing listens: every
    connection is refused (the port stays bound, so no other server takes it meanwhile)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        sock.close()


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connection attempts when many clients connect at
    # once, and each dropped SYN costs the client a one-second retransmit.
    request_queue_size = 128


def serve(latency: float = 0.0) -> None:
    """Run a server until killed, printing its address (``python tests/fakeserver.py 0.2``)."""
    server = FakeServer(latency=latency).start()
    print(server.url, flush=True)
    server.thread.join()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate small writes
    fake: FakeServer

    def log_message(self, format: str, *args: Any) -> None:  # silence
        pass

    def do_GET(self) -> None:
        """``/_stats``: requests seen so far, for a server run in another process."""
        if self.path != "/_stats":
            self._send(404, {"error": {"message": "not found", "type": "not_found"}})
            return
        counts = self.fake.counts()
        self._send(200, {"total": sum(counts.values()), "distinct": len(counts)})

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length)
        if len(raw) < length:  # the client went away mid-request: nothing was asked
            self.close_connection = True
            return
        api = "anthropic" if self.path.rstrip("/").endswith("/messages") else "openai"
        if not self.path.rstrip("/").endswith(("/messages", "/chat/completions")):
            self._send(404, {"error": {"message": "not found", "type": "not_found"}})
            return
        auth = self.headers.get("authorization") or self.headers.get("x-api-key") or ""
        with self.fake.lock:
            self.fake.auth_values.add(auth.removeprefix("Bearer "))
        body = json.loads(raw or b"{}")
        prompt = _last_user_text(body)
        seen = Seen(api, prompt_key(prompt), body.get("model", ""), prompt, "", time.time(), body)
        action = self.fake._next_action(seen)
        seen.action = action.kind
        while not self.fake.gate.wait(0.05) and not self.fake.stopping.is_set():
            pass
        n = self.fake.next_id()
        if action.kind == "reset":
            self._reset()
            return
        if action.kind == "hang":
            self.fake.stopping.wait(action.delay)
            self.close_connection = True
            return
        if action.delay:
            self.fake.stopping.wait(action.delay)
        if action.kind == "status":
            self._send(action.status, _error_body(api, action.error_type), action.headers)
        elif action.kind == "reject_key":
            message = f"Incorrect API key provided: {auth.removeprefix('Bearer ')}."
            self._send(401, {"error": {"message": message, "type": "invalid_request_error"}})
        elif action.kind == "quota":
            status = 429 if api == "openai" else 400
            self._send(status, _quota_body(api))
        elif action.kind == "body":
            self._send_raw(200, json.dumps(action.usage).encode(), _id_header(api, n))
        elif action.kind == "malformed":
            self._send_raw(200, b'{"id": "x", "choices": [{"message": {"content": "trunc')
        else:
            text = _answer_text(action, body, seen.key, auth)
            envelope = _envelope(api, body, text, n)
            if action.usage is Action.MISSING:
                envelope.pop("usage")
            elif action.usage is not _KEEP:
                envelope["usage"] = action.usage
            self._send(200, envelope, _id_header(api, n))

    def _send(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._send_raw(status, json.dumps(payload).encode(), headers)

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _reset(self) -> None:
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass


def _last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                return "".join(part.get("text", "") for part in content if isinstance(part, dict))
            return str(content or "")
    return ""


def _schema_of(body: dict[str, Any]) -> dict[str, Any] | None:
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        return (fmt.get("json_schema") or {}).get("schema")
    out = (body.get("output_config") or {}).get("format") or {}
    if out.get("type") == "json_schema":
        return out.get("schema")
    return None


def structured_answer(schema: dict[str, Any], key: str) -> dict[str, Any]:
    """An object that fills ``schema``'s properties with text unique to ``key``."""
    result: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if "enum" in prop:
            result[name] = prop["enum"][0]
        elif prop.get("type") == "string":
            result[name] = _prose(name, key)
        elif prop.get("type") == "integer":
            result[name] = 1
        elif prop.get("type") == "array":
            result[name] = [_prose(name, key)]
        elif prop.get("type") == "object":
            result[name] = structured_answer(prop, key)
    return result


def _prose(name: str, key: str) -> str:
    if name in ("prompt", "question", "instruction"):
        return f"How should I handle the situation labelled {key} in a production cluster?"
    return (
        f"For case {key}, start by checking the current state, then apply the change in a "
        f"staging environment, and finally roll it out with monitoring in place ({name})."
    )


def _answer_text(action: Action, body: dict[str, Any], key: str, auth: str) -> str:
    if action.text is not None:
        return action.text
    if action.kind == "unstructured":
        return f"Sure! Here is a great example about {key}, written as plain prose."
    if action.kind == "wrong":
        return json.dumps({"unexpected": key})
    schema = _schema_of(body)
    answer = structured_answer(schema, key) if schema else {"text": _prose("text", key)}
    if action.kind == "echo_auth":
        for k in answer:
            if isinstance(answer[k], str):
                answer[k] += f" (your key is {auth.removeprefix('Bearer ')})"
    return json.dumps(answer) if schema else answer["text"]


def _envelope(api: str, body: dict[str, Any], text: str, n: int) -> dict[str, Any]:
    input_tokens = max(1, len(json.dumps(body.get("messages"))) // 4)
    output_tokens = max(1, len(text) // 4)
    model = body.get("model", "fake-model")
    if api == "anthropic":
        return {
            "id": f"msg_{n:06d}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }
    return {
        "id": f"chatcmpl-{n:06d}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": input_tokens,
            "completion_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        },
    }


def _id_header(api: str, n: int) -> dict[str, str]:
    return {"request-id" if api == "anthropic" else "x-request-id": f"req_{n:06d}"}


def _error_body(api: str, error_type: str) -> dict[str, Any]:
    message = f"Scripted failure: {error_type}."
    if api == "anthropic":
        return {"type": "error", "error": {"type": error_type, "message": message}}
    return {"error": {"message": message, "type": error_type, "param": None, "code": None}}


def _quota_body(api: str) -> dict[str, Any]:
    if api == "anthropic":
        return {
            "type": "error",
            "error": {
                "type": "invalid_request_error",
                "message": "Your credit balance is too low to access the Anthropic API.",
            },
        }
    return {
        "error": {
            "message": "You exceeded your current quota, please check your plan and billing details.",
            "type": "insufficient_quota",
            "param": None,
            "code": "insufficient_quota",
        }
    }


if __name__ == "__main__":
    import sys

    serve(float(sys.argv[1]) if len(sys.argv) > 1 else 0.0)
