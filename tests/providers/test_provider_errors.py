"""One translation of both SDKs' exceptions, and provider modules that import without a cycle."""

from __future__ import annotations

import subprocess
import sys

import httpx2
import pytest

from curate.providers.errors import (
    ConnectFailed,
    NonRetryableError,
    QuotaExhausted,
    TransientError,
    from_sdk_error,
)

anthropic = pytest.importorskip("anthropic")
openai = pytest.importorskip("openai")
SDKS = [anthropic, openai]
MODULES = [
    "curate.providers",
    "curate.providers.anthropic",
    "curate.providers.base",
    "curate.providers.errors",
    "curate.providers.keys",
    "curate.providers.openai",
    "curate.providers.pricing",
    "curate.providers.ratelimit",
    "curate.providers.retry",
]
REQUEST = httpx2.Request("POST", "https://api.example.test/v1/chat")


def status_error(sdk, status: int, body: str, headers: dict[str, str] | None = None):
    response = httpx2.Response(status, headers=headers, text=body, request=REQUEST)
    return sdk.APIStatusError("failed", response=response, body=None)


@pytest.mark.parametrize("module", MODULES)
def test_each_provider_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    code = f"import importlib; importlib.import_module({module!r})"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("sdk", SDKS, ids=lambda s: s.__name__)
def test_status_errors_translate_alike(sdk) -> None:
    busy = from_sdk_error(status_error(sdk, 429, "slow down", {"retry-after": "7"}), "p", "")
    assert type(busy) is TransientError and busy.status == 429 and busy.retry_after == 7.0
    spent = from_sdk_error(status_error(sdk, 429, '{"error": "insufficient_quota"}'), "p", "")
    assert type(spent) is QuotaExhausted
    final = from_sdk_error(status_error(sdk, 404, "no such model"), "p", "")
    assert type(final) is NonRetryableError and "no such model" in final.message


@pytest.mark.parametrize("sdk", SDKS, ids=lambda s: s.__name__)
def test_connection_errors_translate_alike(sdk) -> None:
    timeout = from_sdk_error(sdk.APITimeoutError(request=REQUEST), "p", "")
    assert type(timeout) is TransientError and timeout.message == "The request to p timed out."
    refused = sdk.APIConnectionError(request=REQUEST)
    refused.__cause__ = ConnectionRefusedError("connection refused")
    failed = from_sdk_error(refused, "p", "https://api.example.test")
    assert type(failed) is ConnectFailed and "connection refused" in failed.message
    assert failed.address == "https://api.example.test"
    broken = from_sdk_error(sdk.APIConnectionError(request=REQUEST), "p", "")
    assert type(broken) is TransientError and broken.message == "The connection to p failed."
