"""An OpenAI fine-tuning job for an export: upload once, create once, follow, record, cancel.

The run manifest (``run_manifest.json`` in the output directory) ties the job to the export:
the export's manifest sha256 and folder, the uploaded file ids (with the sha256 of what was
uploaded), the job id, model, hyperparameters, suffix, the estimated and reported trained
tokens, the status and, once it succeeds, the ``ft:`` model id. The API key is never stored,
only its fingerprint. The run key (a hash of export manifest, model, hyperparameters and
suffix) is stored in the manifest and in the job's ``metadata``, so a re-run, or ``--resume``,
re-attaches to the same job (found in the manifest, else by listing jobs filtered by that
metadata) instead of creating a second one, and never uploads a file whose id is recorded.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curate.errors import CurateError, UsageError, require
from curate.providers.keys import fingerprint, mask_url, resolve_key, scrub
from curate.records import now_iso
from train.files import read_json, sha256_file, write_json_atomic

MANIFEST = "run_manifest.json"
TERMINAL = ("succeeded", "failed", "cancelled")
RUN_KEY = "curate_run"
EXPORT_KEY = "curate_export"
PURPOSE = "fine-tune"
TOOL = "curate-ft"


class JobFailed(CurateError):
    """The job ended failed or cancelled at OpenAI (exit 1)."""

    exit_code = 1


class OpenAIUnreachable(CurateError):
    """No answer from the endpoint (exit 2): the address is masked."""


class OpenAIRefused(CurateError):
    """OpenAI answered a request with an error status."""

    exit_code = 1


@dataclass(frozen=True)
class JobSpec:
    """What identifies a run: the export, the model, the hyperparameters given and the suffix."""

    export_dir: str
    manifest_sha256: str
    model: str
    hyperparameters: dict[str, Any]
    suffix: str | None = None

    @property
    def run_key(self) -> str:
        blob = json.dumps(
            {
                "export": self.manifest_sha256,
                "model": self.model,
                "hyperparameters": self.hyperparameters,
                "suffix": self.suffix,
            },
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def method(self) -> dict[str, Any]:
        """The SDK's ``method`` argument: supervised, with the hyperparameters given."""
        return {"type": "supervised", "supervised": {"hyperparameters": dict(self.hyperparameters)}}


class Client:
    """The official SDK's client, with every failure turned into one sentence."""

    def __init__(self, base_url: str | None = None, timeout: float = 60.0, retries: int = 2):
        sdk = require("openai", "llm")
        key = resolve_key("openai")
        self.sdk = sdk
        self.key_fingerprint = fingerprint(key)
        kwargs: dict[str, Any] = {"api_key": key, "timeout": timeout, "max_retries": retries}
        if base_url:
            kwargs["base_url"] = base_url
        self.api = sdk.OpenAI(**kwargs)
        self.address = mask_url(str(self.api.base_url)) or ""

    @contextmanager
    def calls(self, what: str) -> Iterator[None]:
        sdk = self.sdk
        try:
            yield
        except (sdk.APIConnectionError, sdk.APITimeoutError) as exc:
            raise OpenAIUnreachable(
                f"Could not reach the OpenAI API at {self.address} to {what} "
                f"({type(exc).__name__}).",
                "Check the network, --base-url or OPENAI_BASE_URL; a re-run re-attaches to "
                "the job.",
            ) from None
        except sdk.APIStatusError as exc:
            message = _error_message(exc)
            error = OpenAIRefused(
                f"OpenAI refused to {what} (HTTP {exc.status_code}): {message}",
                "Check OPENAI_API_KEY." if exc.status_code in (401, 403) else None,
            )
            error.exit_code = 2 if exc.status_code in (401, 403) else 1
            raise error from None


def _error_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return scrub(str(inner["message"]), key_like=True) or ""
    return scrub(str(exc), key_like=True) or ""


# --- the run manifest -------------------------------------------------------------------


def read_manifest(output_dir: Path) -> dict[str, Any] | None:
    path = Path(output_dir) / MANIFEST
    if not path.is_file():
        return None
    try:
        data = read_json(path)
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path} cannot be read ({exc}).") from None
    return data if isinstance(data, dict) else None


def write_manifest(output_dir: Path, manifest: dict[str, Any]) -> None:
    manifest["updated_at"] = now_iso()
    write_json_atomic(Path(output_dir) / MANIFEST, manifest)


def new_manifest(spec: JobSpec, client: Client, preflight: dict[str, Any]) -> dict[str, Any]:
    return {
        "tool": TOOL,
        "kind": "openai-fine-tune",
        "run_key": spec.run_key,
        "export": {
            "dir": spec.export_dir,
            "manifest_sha256": spec.manifest_sha256,
            "files": {
                s: {"path": c["path"], "sha256": c["sha256"], "rows": c["rows"]}
                for s, c in preflight["splits"].items()
            },
        },
        "model": spec.model,
        "method": "supervised",
        "hyperparameters": spec.hyperparameters,
        "suffix": spec.suffix,
        "base_url": client.address,
        "key_fingerprint": client.key_fingerprint,
        "estimated_trained_tokens": preflight["estimated_trained_tokens"],
        "estimated_epochs": preflight["epochs"],
        "estimated_cost": preflight["estimated_cost"],
        "files": {},
        "job_id": None,
        "status": "not_started",
        "fine_tuned_model": None,
        "trained_tokens": None,
        "error": None,
        "created_at": now_iso(),
    }


# --- start or attach --------------------------------------------------------------------


def start_or_attach(
    client: Client,
    spec: JobSpec,
    output_dir: Path,
    preflight: dict[str, Any],
    *,
    resume: bool = False,
    restart: bool = False,
    say: Callable[[str], None] = lambda _: None,
) -> tuple[dict[str, Any], Any]:
    """The run manifest and the job: the recorded or listed one, else a new one (uploads once)."""
    output_dir = Path(output_dir)
    manifest = read_manifest(output_dir)
    if manifest is not None and manifest.get("run_key") != spec.run_key:
        raise UsageError(
            f"{output_dir} holds the run of another export, model, hyperparameters or suffix "
            f"(job {manifest.get('job_id')}).",
            "Give another --output-dir, or the same settings to re-attach to that job.",
        )
    jobs = client.api.fine_tuning.jobs
    if manifest is not None and manifest.get("job_id") and not restart:
        with client.calls("read the fine-tuning job"):
            job = jobs.retrieve(manifest["job_id"])
        say(f"re-attached to {job.id} ({job.status}), recorded in {output_dir / MANIFEST}")
        return manifest, job
    if not restart:
        found = _listed(client, spec, say)
        live = [j for j in found if j.status not in ("failed", "cancelled")] or found
        if live:
            job = live[0]
            manifest = manifest or new_manifest(spec, client, preflight)
            _record(manifest, job)
            manifest["files"] = manifest.get("files") or _files_of(job)
            write_manifest(output_dir, manifest)
            say(f"re-attached to {job.id} ({job.status}), found at OpenAI by its run key")
            return manifest, job
    if resume and not restart:
        raise UsageError(
            f"There is no job to resume for this export and these settings in {output_dir} "
            "or at OpenAI.",
            "Run without --resume to start one.",
        )
    manifest = manifest or new_manifest(spec, client, preflight)
    manifest["base_url"] = client.address
    manifest["key_fingerprint"] = client.key_fingerprint
    file_ids = _upload(client, spec, output_dir, manifest, say)
    params: dict[str, Any] = {
        "model": spec.model,
        "training_file": file_ids["train"],
        "method": spec.method(),
        "metadata": {RUN_KEY: spec.run_key, EXPORT_KEY: spec.manifest_sha256},
    }
    if file_ids.get("validation"):
        params["validation_file"] = file_ids["validation"]
    if spec.suffix:
        params["suffix"] = spec.suffix
    with client.calls("create the fine-tuning job"):
        job = jobs.create(**params)
    _record(manifest, job)
    write_manifest(output_dir, manifest)
    say(f"created {job.id} ({job.status})")
    return manifest, job


def _listed(client: Client, spec: JobSpec, say: Callable[[str], None]) -> list[Any]:
    """This run's jobs at OpenAI, newest first, by the run key in their metadata.

    The lookup is best effort: a server that refuses the metadata filter (some OpenAI-compatible
    ones) leaves the run manifest as the only record; one that ignores it is filtered here.
    """
    try:
        with client.calls("list fine-tuning jobs"):
            listed = client.api.fine_tuning.jobs.list(metadata={RUN_KEY: spec.run_key}, limit=20)
    except OpenAIRefused as exc:
        say(f"note: jobs could not be listed ({exc.message}); relying on the run manifest")
        return []
    return [j for j in listed.data if (j.metadata or {}).get(RUN_KEY) == spec.run_key]


def _files_of(job: Any) -> dict[str, Any]:
    out = {"train": {"id": job.training_file}}
    if job.validation_file:
        out["validation"] = {"id": job.validation_file}
    return out


def _upload(
    client: Client, spec: JobSpec, output_dir: Path, manifest: dict[str, Any], say: Callable
) -> dict[str, str]:
    """Upload the train and validation files not uploaded yet; each id is recorded at once."""
    ids = {}
    for split, entry in manifest["export"]["files"].items():
        path = Path(spec.export_dir) / entry["path"]
        digest = sha256_file(path)
        known = manifest["files"].get(split) or {}
        if known.get("id") and known.get("sha256") == digest:
            ids[split] = known["id"]
            say(f"{split} file already uploaded as {known['id']}")
            continue
        with client.calls(f"upload the {split} file"), open(path, "rb") as handle:
            uploaded = client.api.files.create(file=(path.name, handle), purpose=PURPOSE)
        manifest["files"][split] = {"id": uploaded.id, "sha256": digest, "bytes": uploaded.bytes}
        write_manifest(output_dir, manifest)
        ids[split] = uploaded.id
        say(f"uploaded {split} file {path.name} as {uploaded.id}")
    return ids


def _record(manifest: dict[str, Any], job: Any) -> None:
    manifest["job_id"] = job.id
    manifest["status"] = job.status
    manifest["fine_tuned_model"] = job.fine_tuned_model
    manifest["trained_tokens"] = job.trained_tokens
    manifest["error"] = (
        {"code": job.error.code, "message": job.error.message, "param": job.error.param}
        if job.error and job.error.message
        else None
    )
    hp = job.hyperparameters
    if hp is not None:
        manifest["reported_hyperparameters"] = {
            k: getattr(hp, k, None) for k in ("n_epochs", "batch_size", "learning_rate_multiplier")
        }


# --- follow and cancel ------------------------------------------------------------------


def follow(
    client: Client,
    job: Any,
    output_dir: Path,
    manifest: dict[str, Any],
    *,
    poll_interval: float = 10.0,
    on_event: Callable[[Any], None] = lambda _: None,
    on_status: Callable[[Any], None] = lambda _: None,
) -> Any:
    """Poll the job and its events until it succeeds, fails or is cancelled; record each change."""
    jobs = client.api.fine_tuning.jobs
    seen: set[str] = set()
    status = None
    while True:
        with client.calls("read the fine-tuning job's events"):
            events = jobs.list_events(job.id, limit=100).data
        for event in reversed(events):  # the API lists the newest first
            if event.id not in seen:
                seen.add(event.id)
                on_event(event)
        if job.status != status:
            status = job.status
            _record(manifest, job)
            write_manifest(output_dir, manifest)
            on_status(job)
        if job.status in TERMINAL:
            _record(manifest, job)
            write_manifest(output_dir, manifest)
            return job
        time.sleep(poll_interval)
        with client.calls("read the fine-tuning job"):
            job = jobs.retrieve(job.id)


def outcome(job: Any) -> None:
    """Raise JobFailed (one sentence quoting OpenAI) unless the job succeeded."""
    if job.status == "failed":
        message = (job.error.message if job.error else None) or "no reason given"
        raise JobFailed(
            f'OpenAI failed the fine-tuning job {job.id}: "{scrub(message, key_like=True)}"',
            "Fix the data or settings it names; a re-run re-attaches to this job, "
            "--restart creates a new one.",
        )
    if job.status == "cancelled":
        raise JobFailed(
            f"The fine-tuning job {job.id} was cancelled.",
            "Run again with --restart to create a new job (the uploaded files are reused).",
        )


def cancel(output_dir: Path, base_url: str | None = None) -> tuple[dict[str, Any], Any]:
    """Cancel the job recorded in ``output_dir``'s run manifest; record its new status."""
    manifest = read_manifest(Path(output_dir))
    if manifest is None or not manifest.get("job_id"):
        raise UsageError(
            f"{output_dir} records no OpenAI fine-tuning job ({MANIFEST} is missing or has no "
            "job id).",
            "Give the --output-dir of a `train openai` run.",
        )
    recorded = manifest.get("base_url") or ""
    client = Client(base_url or (recorded if "***" not in recorded else None) or None)
    jobs = client.api.fine_tuning.jobs
    with client.calls("read the fine-tuning job"):
        job = jobs.retrieve(manifest["job_id"])
    if job.status not in TERMINAL:
        with client.calls("cancel the fine-tuning job"):
            job = jobs.cancel(job.id)
    _record(manifest, job)
    write_manifest(Path(output_dir), manifest)
    return manifest, job
