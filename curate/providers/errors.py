"""The provider errors, and the translation of an HTTP failure or an SDK exception into the
right one: retryable, quota, or final."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Any

from curate.errors import CurateError
from curate.providers.keys import scrub


class ProviderError(CurateError):
    """A request to an LLM provider failed; ``status`` is the HTTP status when there was one."""

    exit_code = 1
    retryable = False

    def __init__(
        self,
        message: str,
        fix: str | None = None,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message, fix)
        self.status = status
        self.request_id = request_id
        self.retry_after = retry_after
        self.body = body


class TransientError(ProviderError):
    """A failure that can succeed on retry: connection errors, timeouts, 408/409/429/5xx/529."""

    retryable = True


class ConnectFailed(TransientError):
    """No connection could be made (refused, unresolvable name): ``address`` is masked."""

    exit_code = 2  # before any answer it is a wrong address, a usage error

    def __init__(self, message: str, fix: str | None = None, *, address: str = "") -> None:
        super().__init__(message, fix)
        self.address = address


class NonRetryableError(ProviderError):
    """A failure that a retry cannot fix (a 4xx other than 408/409/429)."""


class MalformedResponse(NonRetryableError):
    """The provider answered (and charged) but the body is not the expected JSON envelope."""

    def __init__(self, message: str, raw_text: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.raw_text = raw_text


class QuotaExhausted(ProviderError):
    """The account's quota or credit is spent: no request can succeed until it is topped up."""


class MissingApiKey(ProviderError):
    """No API key was found for the provider."""

    exit_code = 2


RETRYABLE_STATUS = frozenset({408, 409, 429})
QUOTA_MARKERS = (
    "insufficient_quota",
    "exceeded your current quota",
    "credit balance",
    "billing_error",
    "out of credits",
)
MAX_BODY = 2000


def is_retryable_status(status: int) -> bool:
    """408, 409, 429 and every 5xx (529 overloaded included) can succeed on retry."""
    return status in RETRYABLE_STATUS or status >= 500


def is_quota_body(body: str | None) -> bool:
    """Whether an error body says the account's quota or credit is spent."""
    text = (body or "").lower()
    return any(marker in text for marker in QUOTA_MARKERS)


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if not headers:
        return None
    value = headers.get("retry-after-ms")
    if value is not None:
        try:
            return max(0.0, float(value) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_tz(value)
        if parsed is None:
            return None
        return max(0.0, float(email.utils.mktime_tz(parsed) - time.time()))
    except (TypeError, ValueError, OverflowError):
        return None


def body_text(body: Any) -> str:
    """An error body as short, scrubbed text."""
    if body is None:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str):
        import orjson

        try:
            body = orjson.dumps(body).decode()
        except TypeError:
            body = str(body)
    return scrub(body[:MAX_BODY], key_like=True) or ""


def error_from_status(
    provider: str,
    status: int,
    body: Any,
    headers: Mapping[str, str] | None,
    request_id: str | None,
) -> ProviderError:
    """The ProviderError for an HTTP error status from ``provider``."""
    text = body_text(body)
    where = f"{provider} answered HTTP {status}"
    if is_quota_body(text) and status in (400, 402, 403, 429):
        return QuotaExhausted(
            f"The {provider} account's quota or credit is spent ({where}); the run stopped.",
            "Add credit or raise the quota, then re-run the same command to resume.",
            status=status,
            request_id=request_id,
            body=text,
        )
    if is_retryable_status(status):
        return TransientError(
            f"{where}.",
            status=status,
            request_id=request_id,
            retry_after=retry_after(headers),
            body=text,
        )
    fix = {
        401: "Check that the API key is valid for this provider.",
        403: "Check that the key may use this model.",
        404: "Check the model name and the base URL.",
    }.get(status)
    return NonRetryableError(
        f"{where}: {_short(text)}", fix, status=status, request_id=request_id, body=text
    )


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def connect_failure(exc: BaseException) -> str | None:
    """Why no connection could be made, when ``exc`` (or what caused it) says so, else None.

    An SDK's connection error wraps the HTTP client's ``ConnectError`` (httpx or httpx2),
    which wraps the socket error: a refused connection or a name that does not resolve.
    A connection that was made and then broke (a reset, a timeout) is not one of these.
    """
    import socket

    seen: set[int] = set()
    current: BaseException | None = exc
    found = False
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(current, ConnectionRefusedError):
            return "connection refused"
        if type(current).__name__ == "ConnectError":
            found = True
        text = str(current).lower()
        if "connection refused" in text or "connect call failed" in text:
            return "connection refused"
        if "name or service not known" in text or "nodename nor servname" in text:
            return "the host name does not resolve"
        if "temporary failure in name resolution" in text or "getaddrinfo failed" in text:
            return "the host name does not resolve"
        current = current.__cause__ or current.__context__
    return "no connection could be made" if found else None


def from_sdk_error(exc: BaseException, provider: str, address: str) -> ProviderError:
    """The ProviderError for an ``APIStatusError`` or ``APIConnectionError`` of the anthropic
    or openai SDK (anything else is a final error naming it).

    Both SDKs are built on httpx and share their exception family: ``APIStatusError`` carries
    ``status_code``, the httpx ``response`` and ``request_id``; ``APITimeoutError`` is an
    ``APIConnectionError``, which has a ``request`` but no response. The classes are told
    apart by those attributes and names, so no SDK is imported here.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    status, response = getattr(exc, "status_code", None), getattr(exc, "response", None)
    if isinstance(status, int) and response is not None:
        return error_from_status(
            provider, status, _sdk_body(exc), response.headers, getattr(exc, "request_id", None)
        )
    if "APITimeoutError" in names:
        return TransientError(f"The request to {provider} timed out.")
    if "APIConnectionError" in names:
        why = connect_failure(exc)
        if why is not None:
            return ConnectFailed(
                f"Could not connect to {provider} at {address} ({why}).",
                "Check --base-url (or base_url in curate.toml) and that the server is up.",
                address=address,
            )
        return TransientError(f"The connection to {provider} failed.")
    return NonRetryableError(f"The request to {provider} failed: {_short(scrub(str(exc)) or '')}")


def _sdk_body(exc: BaseException) -> Any:
    try:
        return exc.response.text  # type: ignore[attr-defined]
    except Exception:  # the body may be unread or undecodable
        return getattr(exc, "body", None)
