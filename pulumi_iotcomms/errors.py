"""Typed errors raised by pulumi_iotcomms.

Every failure a user can see is one of these classes, so callers can catch by
meaning instead of by HTTP status::

    IotcommsError                      base of everything below
    ├── ConfigurationError             bad/missing provider configuration (``key``)
    ├── InputError                     invalid resource input, caught before sending (``path``, ``allowed``)
    ├── ConflictingObjectError         create found the object already on the server (``adopt=True`` takes it over)
    ├── PartialFailureError            an operation did part of its work; the state records that part (``reasons``)
    └── ApiError                       a failed API operation (``method``, ``path``, ``status``, ``reason``)
        ├── BadRequestError            400/422 validation failed
        ├── PayloadTooLargeError       413
        ├── UnauthorizedError          401
        ├── ForbiddenError             403
        ├── NotFoundError              404
        ├── ConflictError              409
        ├── RateLimitedError           429 (``retry_after``)
        ├── ServerError                5xx
        ├── TransportError             no HTTP response: the request may or may not have been applied
        └── DeadlineExceededError      the operation's time budget ran out (``timeout_seconds``, ``last_error``)

:func:`error_for_response` is the single status -> error mapping table; the ``error_for_*``
functions beside it build every other error of an HTTP exchange, so the transport only classifies.

A deadline is not a :class:`TransportError`: that one means "the write may or may not have
landed, read the server to find out", a deadline means "the operation's time is up".

Messages are meant to be shown to users verbatim.  They never contain request
headers, request bodies or query strings, and any text taken from a response is
passed through :func:`redact_secrets` first, because servers and proxies
sometimes echo the ``Authorization`` header back in their error text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Literal

__all__ = [
    "ApiError",
    "BadRequestError",
    "ConfigurationError",
    "ConflictError",
    "ConflictingObjectError",
    "DeadlineExceededError",
    "ForbiddenError",
    "InputError",
    "IotcommsError",
    "NotFoundError",
    "PartialFailureError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "ServerError",
    "TransportError",
    "UnauthorizedError",
    "error_for_deadline",
    "error_for_malformed_body",
    "error_for_no_response",
    "error_for_response",
    "redact_secrets",
]

# Long HTML error pages from proxies would drown the useful part of a message.
_MAX_REASON_CHARS = 500

# Words servers put after "Authorization:" in their prose; redacting them would turn
# "Authorization: token expired" into nonsense. Anything else there is treated as a credential.
_PROSE = r"""(?!(?:missing|invalid|expired|token|required|empty|malformed|not|no|is|header|bearer)(?![^\s"',;}]))"""
_REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "Authorization: Bearer xyz", "authorization=xyz", '"Authorization": "xyz"'
    (
        re.compile(rf"""(?i)(authorization["']?\s*[:=]\s*["']?(?:bearer\s+)?){_PROSE}[^\s"',;}}]+"""),
        r"\1<redacted>",
    ),
    (re.compile(rf"(?i)\b(bearer\s+){_PROSE}[A-Za-z0-9\-._~+/]+=*"), r"\1<redacted>"),
    # Bare JWTs: header.payload.signature, the header always starts with '{"' -> "eyJ".
    (re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), "<redacted-jwt>"),
)


def redact_secrets(text: str) -> str:
    """Return ``text`` with bearer tokens, JWTs and Authorization values replaced."""
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _restore_error(cls: type[IotcommsError], args: tuple[Any, ...], state: dict[str, Any]) -> IotcommsError:
    error = Exception.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class IotcommsError(Exception):
    """Base class of every error raised by pulumi_iotcomms."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword-only constructor arguments, which the default
        # Exception pickling (cls(*args)) cannot reproduce; errors do cross
        # process boundaries (test workers, multiprocessing), so keep them picklable.
        return (_restore_error, (type(self), self.args, dict(self.__dict__)))


class ConfigurationError(IotcommsError):
    """The provider configuration is missing or invalid.

    Args:
        message: What is wrong, without any secret values.
        key: The Pulumi config key the user should set, e.g. ``"iotcomms:token"``.
    """

    def __init__(self, message: str, *, key: str | None = None) -> None:
        self.key = key
        self.message = message
        # The fix is said once: a message that already names the key is not told it again.
        told = key is None or key in message
        super().__init__(message if told else f"{message} (set the `{key}` configuration value)")


class InputError(IotcommsError):
    """A resource input is invalid; detected locally before any request was sent.

    Args:
        message: What is wrong with the value.
        path: Property path of the offending input, e.g.
            ``"service_data.alarm_bridge.heartbeat_interval"``.
        allowed: Human-readable description of the accepted values.
    """

    def __init__(self, message: str, *, path: str, allowed: str | None = None) -> None:
        self.path = path
        self.allowed = allowed
        self.message = message
        text = f"invalid input {path}: {message}"
        super().__init__(f"{text} (allowed: {allowed})" if allowed else text)


class ConflictingObjectError(IotcommsError):
    """``create`` found the object already on the server and the resource does not say ``adopt=True``.

    Nothing was written. The message names the object and the way out: ``aliases`` for a renamed
    resource, ``adopt=True`` (once) to take over an object this stack did not create.
    """


class PartialFailureError(IotcommsError):
    """An operation on many objects (a fleet's devices) applied part of its changes.

    Args:
        message: What was done and what failed.
        reasons: One line per object that failed, naming it and the server's reason.
    """

    def __init__(self, message: str, *, reasons: list[str]) -> None:
        self.reasons = list(reasons)
        super().__init__(message)


class ApiError(IotcommsError):
    """An HTTP exchange with the iotcomms API failed.

    Args:
        message: Complete user-facing message (see :func:`error_for_response`).
        method: HTTP method, e.g. ``"PATCH"``.
        path: Request path as sent, without query string.
        status: HTTP status, or ``None`` when no response was received.
        reason: The API's ``reason`` text (already redacted), if any.
        request_id: Server-assigned request id, useful for support tickets.
        attempts: How many HTTP attempts were made, retries included.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        path: str,
        status: int | None = None,
        reason: str | None = None,
        request_id: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.reason = reason
        self.request_id = request_id
        self.attempts = attempts
        super().__init__(message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(method={self.method!r}, path={self.path!r}, status={self.status!r})"


class BadRequestError(ApiError):
    """400/422: the API rejected the request as invalid (validation failed)."""


class PayloadTooLargeError(ApiError):
    """413: the request body exceeds the API's size limit."""


class UnauthorizedError(ApiError):
    """401: the credentials are missing, expired or invalid."""


class ForbiddenError(ApiError):
    """403: the credentials are valid but lack permission for this operation."""


class NotFoundError(ApiError):
    """404: the addressed object does not exist."""


class ConflictError(ApiError):
    """409: the object already exists or was changed concurrently."""


class RateLimitedError(ApiError):
    """429: too many requests.

    Args:
        retry_after: Seconds the server asked us to wait, if it said so.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class ServerError(ApiError):
    """5xx: the API failed internally; usually transient."""


class TransportError(ApiError):
    """No HTTP response was received (connection refused, dropped, protocol error)."""


class DeadlineExceededError(ApiError):
    """The total time budget of an operation ran out, retries included.

    Not a :class:`TransportError`: callers that reconcile an ambiguous write must not spend
    more time once the budget is gone.

    Args:
        timeout_seconds: The budget that was exhausted.
        last_error: The error of the last attempt, if there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        timeout_seconds: float,
        last_error: ApiError | None = None,
        **kwargs: Any,
    ) -> None:
        self.timeout_seconds = timeout_seconds
        self.last_error = last_error
        super().__init__(message, **kwargs)


_STATUS_ERRORS: Mapping[int, type[ApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: BadRequestError,
    429: RateLimitedError,
}

_HINTS: Mapping[type[ApiError], str] = {
    UnauthorizedError: "check the iotcomms:token or iotcomms:privateKey configuration",
    ForbiddenError: "the credentials are not allowed to perform this operation; check that the iotcomms:token or "
    "iotcomms:privateKey configuration belongs to this domain",
}


def _extract_reason(body: object) -> str | None:
    if body is None:
        return None
    if isinstance(body, Mapping):
        for key in ("reason", "message", "error"):
            value = body.get(key)
            if value is None or value == "":
                continue
            text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
            break
        else:
            text = ""
        # An ErrorResponse ({"message": ..., "errors": [{"message": ...}]}) says what was wrong in its errors.
        errors = body.get("errors")
        details = (
            [e["message"] for e in errors if isinstance(e, Mapping) and isinstance(e.get("message"), str)]
            if isinstance(errors, list)
            else []
        )
        if details:
            text = f"{text}: {'; '.join(details)}" if text else "; ".join(details)
        if not text:
            return None
    elif isinstance(body, bytes):
        text = body.decode("utf-8", errors="replace")
    elif isinstance(body, str):
        text = body
    else:
        text = json.dumps(body, default=str)
    text = " ".join(redact_secrets(text).split())
    if not text:
        return None
    if len(text) > _MAX_REASON_CHARS:
        text = text[: _MAX_REASON_CHARS - 1] + "…"
    return text


def _status_text(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def error_for_response(
    method: str,
    path: str,
    status: int,
    body: object,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
    attempts: int = 1,
    hint: str | None = None,
) -> ApiError:
    """Build the typed error for a failed response -- the one status -> class table.

    Args:
        method: HTTP method of the request.
        path: Request path as sent, without query string (never pass a full URL).
        status: HTTP status code.  A 2xx status means the body said ``"success": false``.
        body: Parsed JSON body, or the raw text when it was not JSON.
        request_id: Server request id, appended to the message when present.
        retry_after: Seconds from a ``Retry-After`` header (kept on :class:`RateLimitedError`).
        attempts: Number of HTTP attempts made, retries included.
        hint: What to check, instead of the default hint of the error class (for APIs whose
            credentials are not the ``iotcomms:*`` ones).

    Returns:
        e.g. ``PATCH /device/acme.example/dev-1 failed: 400 Bad Request: deviceId: must match ...``
    """
    method = method.upper()
    reason = _extract_reason(body)
    if 200 <= status < 300:
        cls: type[ApiError] = ApiError
        head = f"{method} {path} failed: the API reported success=false (HTTP {status})"
    else:
        cls = _STATUS_ERRORS.get(status) or (ServerError if status >= 500 else ApiError)
        head = f"{method} {path} failed: {_status_text(status)}"
    parts = [f"{head}: {reason}" if reason else head]
    hint = hint or _HINTS.get(cls)
    if hint:
        parts.append(f"; {hint}")
    if cls is RateLimitedError and retry_after is not None:
        parts.append(f"; retry after {retry_after:g} s")
    if request_id:
        parts.append(f" (request id {request_id})")
    if attempts > 1:
        parts.append(f" [gave up after {attempts} attempts]")
    kwargs: dict[str, Any] = {
        "method": method,
        "path": path,
        "status": status,
        "reason": reason,
        "request_id": request_id,
        "attempts": attempts,
    }
    if cls is RateLimitedError:
        kwargs["retry_after"] = retry_after
    return cls("".join(parts), **kwargs)


def error_for_malformed_body(
    method: str, path: str, status: int, problem: str, *, request_id: str | None = None
) -> ApiError:
    """Build the error for a 2xx response whose body is not what the operation expects.

    Args:
        problem: What is wrong, e.g. ``"the API returned a 200 response that is not valid JSON"``.
    """
    method = method.upper()
    return ApiError(
        f"{method} {path} failed: {problem}", method=method, path=path, status=status, request_id=request_id
    )


def error_for_no_response(
    method: str,
    path: str,
    failure: Exception,
    *,
    kind: Literal["connect", "dropped", "other"],
    idempotent: bool = True,
    attempts: int = 1,
) -> TransportError:
    """Build the error for an exchange that got no HTTP response.

    Args:
        failure: The last attempt's exception; its text is redacted.
        kind: ``"connect"``: nothing reached the server; ``"dropped"``: the connection broke
            mid-exchange, so the server may have applied the request; ``"other"``: anything else.
        idempotent: Whether the method may be repeated; a dropped non-idempotent request was
            not retried, and the message says it may have been applied.
        attempts: Number of HTTP attempts made, retries included.
    """
    method = method.upper()
    detail = redact_secrets(str(failure)) or type(failure).__name__
    if kind == "connect":
        message = f"{method} {path} failed: could not connect to the API: {detail}"
    elif kind == "dropped":
        message = f"{method} {path} failed: the connection was dropped: {detail}"
        if not idempotent:
            message += f"; {method} is not idempotent, so it was not retried and may have been applied"
    else:
        message = f"{method} {path} failed: {type(failure).__name__}: {detail}"
    if attempts > 1:
        message += f" [gave up after {attempts} attempts]"
    return TransportError(message, method=method, path=path, attempts=attempts)


def error_for_deadline(
    method: str,
    path: str,
    *,
    timeout_seconds: float,
    attempts: int,
    last_error: ApiError | None = None,
    timed_out: bool = False,
    wait: float | None = None,
    timeout_key: str = "iotcomms:timeoutSeconds",
) -> DeadlineExceededError:
    """Build the error for an operation whose total time budget ran out.

    Args:
        timeout_seconds: The budget, named in the message with the setting that raises it.
        attempts: Number of HTTP attempts made, retries included.
        last_error: The last attempt's error, if it got one.
        timed_out: The last attempt itself got no response in time.
        wait: Seconds the next retry would have waited, when that wait is what ran out the budget.
        timeout_key: The setting that raises the budget, named in the message.
    """
    method = method.upper()
    message = (
        f"{method} {path} failed: deadline of {timeout_seconds:g} s exceeded "
        f"after {attempts} attempt{'s' if attempts != 1 else ''}"
    )
    if wait is not None:
        message += f" (the next retry would have waited {wait:.1f} s)"
    if last_error is not None:
        message += f"; last error: {last_error}"
    elif timed_out:
        message += "; the last attempt got no response in time"
    message += f"; increase {timeout_key} if the API is slow"
    return DeadlineExceededError(
        message,
        timeout_seconds=timeout_seconds,
        last_error=last_error,
        method=method,
        path=path,
        status=last_error.status if last_error is not None else None,
        attempts=attempts,
    )
