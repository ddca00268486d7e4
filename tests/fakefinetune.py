"""A real HTTP server on 127.0.0.1 speaking OpenAI's files and fine-tuning jobs wire formats.

``/v1/files`` (multipart upload), ``/v1/fine_tuning/jobs`` (create, list with ``metadata[k]=v``
and ``after``), ``/v1/fine_tuning/jobs/{id}`` (retrieve), ``.../cancel`` and ``.../events``
(newest first, as OpenAI lists them). A job moves one step each time it is retrieved, so a
client that polls sees it through ``validating_files``, ``queued``, ``running`` (one metrics
event per step) to its ``outcome``: ``succeeded``, ``failed`` (a validation error, as OpenAI
reports a bad training file) or ``hold`` (running until cancelled).
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

VALIDATION_ERROR = (
    "The job failed due to an invalid training file. Invalid file format. Example 3, message 1: "
    "'content' is a required property."
)


class FakeFineTuning:
    """``with FakeFineTuning(outcome="succeeded", steps=3) as s:``; point the SDK at ``s.url``."""

    def __init__(self, outcome: str = "succeeded", steps: int = 3) -> None:
        self.outcome = outcome
        self.steps = steps
        self.list_status: int | None = None  # answer GET /fine_tuning/jobs with this error
        self.files: dict[str, dict[str, Any]] = {}
        self.contents: dict[str, bytes] = {}
        self.jobs: dict[str, dict[str, Any]] = {}
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.phase: dict[str, int] = {}
        self.requests: list[tuple[str, str]] = []
        self.auth_values: set[str] = set()
        self.lock = threading.Lock()
        self.n = 0
        handler = type("Handler", (_Handler,), {"fake": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeFineTuning:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def count(self, method: str, path: str) -> int:
        """How many requests were ``method`` to exactly ``path`` (query left out)."""
        with self.lock:
            return Counter(self.requests)[(method, path)]

    # state ---------------------------------------------------------------------------
    def _id(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n:08d}"

    def _event(self, job_id: str, message: str, kind: str = "message", data: Any = None,
               level: str = "info") -> None:
        self.events[job_id].append(
            {
                "id": self._id("ftevent"),
                "object": "fine_tuning.job.event",
                "created_at": int(time.time()),
                "level": level,
                "message": message,
                "type": kind,
                "data": data or {},
            }
        )

    def upload(self, filename: str, purpose: str, data: bytes) -> dict[str, Any]:
        with self.lock:
            fid = self._id("file")
            self.files[fid] = {
                "id": fid,
                "object": "file",
                "bytes": len(data),
                "created_at": int(time.time()),
                "filename": filename,
                "purpose": purpose,
                "status": "processed",
            }
            self.contents[fid] = data
            return self.files[fid]

    def create(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            for key in ("training_file", "validation_file"):
                fid = body.get(key)
                if fid is not None and fid not in self.files:
                    return 400, _error(f"File '{fid}' not found.", "invalid_request_error", key)
            jid = self._id("ftjob")
            hp = ((body.get("method") or {}).get("supervised") or {}).get("hyperparameters") or {}
            job = {
                "id": jid,
                "object": "fine_tuning.job",
                "created_at": int(time.time()),
                "error": None,
                "fine_tuned_model": None,
                "finished_at": None,
                "hyperparameters": {
                    "n_epochs": hp.get("n_epochs", 3),
                    "batch_size": hp.get("batch_size", 1),
                    "learning_rate_multiplier": hp.get("learning_rate_multiplier", 1.8),
                },
                "model": body["model"],
                "organization_id": "org-fake",
                "result_files": [],
                "seed": 42,
                "status": "validating_files",
                "trained_tokens": None,
                "training_file": body["training_file"],
                "validation_file": body.get("validation_file"),
                "metadata": body.get("metadata"),
                "method": body.get("method") or {"type": "supervised"},
                "suffix": body.get("suffix"),
            }
            self.jobs[jid] = job
            self.events[jid] = []
            self.phase[jid] = 0
            self._event(jid, f"Created fine-tuning job: {jid}")
            self._event(jid, f"Validating training file: {body['training_file']}")
            return 200, _public(job)

    def advance(self, jid: str) -> None:
        """One step of the job's life (called on each retrieve)."""
        job = self.jobs[jid]
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return
        self.phase[jid] += 1
        phase = self.phase[jid]
        if phase == 1 and self.outcome == "failed":
            job["status"] = "failed"
            job["finished_at"] = int(time.time())
            job["error"] = {"code": "invalid_training_file", "message": VALIDATION_ERROR,
                            "param": "training_file"}
            self._event(jid, VALIDATION_ERROR, level="error")
        elif phase == 1:
            job["status"] = "queued"
            self._event(jid, "Files validated, moving job to queued state")
        elif phase == 2:
            job["status"] = "running"
            self._event(jid, "Fine-tuning job started")
        elif phase - 2 <= self.steps:
            step = phase - 2
            self._event(
                jid,
                f"Step {step}/{self.steps}: training loss={1.0 / step:.3f}",
                "metrics",
                {"step": step, "total_steps": self.steps, "train_loss": 1.0 / step,
                 "train_mean_token_accuracy": 0.5 + step / (4 * self.steps)},
            )
        elif self.outcome == "succeeded":
            job["status"] = "succeeded"
            job["finished_at"] = int(time.time())
            suffix = job.get("suffix") or "custom"
            job["fine_tuned_model"] = f"ft:{job['model']}:fake-org:{suffix}:{jid[-8:]}"
            job["trained_tokens"] = 3 * len(self.contents[job["training_file"]]) // 4
            job["result_files"] = [self._id("file")]
            self._event(jid, f"New fine-tuned model created: {job['fine_tuned_model']}")
            self._event(jid, "The job has successfully completed")

    def cancel(self, jid: str) -> dict[str, Any]:
        job = self.jobs[jid]
        if job["status"] not in ("succeeded", "failed", "cancelled"):
            job["status"] = "cancelled"
            job["finished_at"] = int(time.time())
            self._event(jid, "Fine-tuning job cancelled")
        return _public(job)


def _public(job: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in job.items() if k != "suffix"}


def _error(message: str, kind: str, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": None}}


def _page(items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
    after = query.get("after")
    if after:
        ids = [i["id"] for i in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    limit = int(query.get("limit") or 20)
    return {"object": "list", "data": items[:limit], "has_more": len(items) > limit}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeFineTuning

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _begin(self, method: str) -> tuple[str, dict[str, str], bytes]:
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        auth = self.headers.get("authorization") or ""
        with self.fake.lock:
            self.fake.requests.append((method, parts.path))
            self.fake.auth_values.add(auth.removeprefix("Bearer "))
        return parts.path, dict(parse_qsl(parts.query)), raw

    def do_GET(self) -> None:
        path, query, _ = self._begin("GET")
        fake = self.fake
        if path == "/v1/fine_tuning/jobs" and fake.list_status:
            self._send(fake.list_status, _error("Unknown parameter: 'metadata'.", "invalid_request_error"))
            return
        if path == "/v1/fine_tuning/jobs":
            wanted = {k[9:-1]: v for k, v in query.items() if k.startswith("metadata[")}
            with fake.lock:
                jobs = [
                    _public(j)
                    for j in reversed(list(fake.jobs.values()))
                    if all((j.get("metadata") or {}).get(k) == v for k, v in wanted.items())
                ]
            self._send(200, _page(jobs, query))
            return
        rest = path.removeprefix("/v1/fine_tuning/jobs/")
        jid, _, sub = rest.partition("/")
        if jid not in fake.jobs:
            self._send(404, _error(f"Job '{jid}' not found.", "invalid_request_error"))
        elif sub == "events":
            with fake.lock:
                events = list(reversed(fake.events[jid]))
            self._send(200, _page(events, query))
        elif sub == "":
            with fake.lock:
                fake.advance(jid)
                job = _public(fake.jobs[jid])
            self._send(200, job)
        else:
            self._send(404, _error("not found", "not_found"))

    def do_POST(self) -> None:
        path, _, raw = self._begin("POST")
        fake = self.fake
        if path == "/v1/files":
            fields = _multipart(self.headers.get("content-type", ""), raw)
            if "file" not in fields or fields.get("purpose", (None, b""))[1] != b"fine-tune":
                self._send(400, _error("A file and purpose fine-tune are needed.", "invalid_request_error"))
                return
            name, data = fields["file"]
            self._send(200, fake.upload(name or "upload.jsonl", "fine-tune", data))
        elif path == "/v1/fine_tuning/jobs":
            status, body = fake.create(json.loads(raw or b"{}"))
            self._send(status, body)
        elif path.endswith("/cancel"):
            jid = path.removeprefix("/v1/fine_tuning/jobs/").removesuffix("/cancel")
            if jid not in fake.jobs:
                self._send(404, _error(f"Job '{jid}' not found.", "invalid_request_error"))
                return
            with fake.lock:
                body = fake.cancel(jid)
            self._send(200, body)
        else:
            self._send(404, _error("not found", "not_found"))

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _multipart(content_type: str, raw: bytes) -> dict[str, tuple[str | None, bytes]]:
    """The fields of a multipart/form-data body: name -> (filename, bytes)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    out = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            out[name] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return out
