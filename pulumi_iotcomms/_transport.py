"""The one HTTP client of pulumi_iotcomms: auth, retries, deadlines and error translation.

Every request to the iotcomms API goes through :class:`Transport`, so the retry
policy (:func:`_retry_reason`), the backoff (:func:`_retry_delay`) and the
status -> error mapping (:func:`pulumi_iotcomms.errors.error_for_response`)
each live in exactly one place.

Retry decision table (``RetryMode.AUTO``; ``ALWAYS`` treats every method as
idempotent, ``NEVER`` disables retries entirely):

=============================================  ==========  ==============
failure                                        idempotent  POST / PATCH
=============================================  ==========  ==============
ConnectError / ConnectTimeout / PoolTimeout    retry       retry (never sent)
429 Too Many Requests (honours Retry-After)    retry       retry (not applied)
500 / 502 / 503 / 504                          retry       fail
ReadError / WriteError / RemoteProtocolError   retry       fail (may have applied)
ReadTimeout / WriteTimeout                     fail: DeadlineExceededError (budget spent)
any other 4xx (incl. 401 / 403)                fail        fail
=============================================  ==========  ==============

Idempotent methods: GET, HEAD, OPTIONS, PUT, DELETE.
"""

from __future__ import annotations

import email.utils
import enum
import json as jsonlib
import logging
import random
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from types import TracebackType
from typing import Any, NoReturn, TypeAlias
from urllib.parse import quote

import httpx

from ._auth import Credentials
from .errors import (
    ApiError,
    ConfigurationError,
    DeadlineExceededError,
    InputError,
    TransportError,
    error_for_response,
    redact_secrets,
)

__all__ = ["RetryMode", "Transport", "TransportStats", "paginate"]

QueryValue: TypeAlias = str | int | float | bool | None

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
# Exceptions raised before any byte of the request reached the server.
_NOT_SENT_ERRORS: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# The connection broke mid-exchange: the server may or may not have applied the request.
_AMBIGUOUS_ERRORS: tuple[type[Exception], ...] = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.CloseError,
    httpx.RemoteProtocolError,
)
# Keeps one unreachable host from eating the whole budget on a single connect.
_CONNECT_TIMEOUT_S = 10.0
_MAX_PARAM_CHARS = 256
_PARAM_ALLOWED = "1-256 characters; no '/', '\\', '..', control characters or percent-encoded dots/slashes"
# A value like "%2e%2e" is sent as the literal "%252e%252e"; it is still rejected
# because a backend that decodes twice would turn it into a traversal.
_ENCODED_SEPARATOR = re.compile(r"%(?:2e|2f|5c)", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_REQUEST_ID_HEADERS = ("x-request-id", "x-amzn-requestid", "apigw-requestid")

log = logging.getLogger("pulumi_iotcomms.transport")


class _RedactingFilter(logging.Filter):
    """Scrub anything token-like from this logger's records, whatever code produced the text."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


log.addFilter(_RedactingFilter())


class RetryMode(enum.Enum):
    """How a request may be retried after an ambiguous failure (5xx, dropped connection)."""

    AUTO = "auto"
    """Retry only idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE)."""
    ALWAYS = "always"
    """The caller knows the operation is idempotent, whatever its method."""
    NEVER = "never"
    """Never retry, not even connection errors or 429."""


@dataclass
class TransportStats:
    """Counters of one :class:`Transport`, read by tests and reliability reports.

    Attributes:
        operations: Logical operations (calls to ``request``).
        requests: HTTP attempts actually started, retries included.
        retries: Attempts that were retries.
        failures: Operations that ended with an error.
        deadline_exceeded: Operations that ran out of time.
        retries_by_reason: Retries per reason, e.g. ``{"status_503": 2, "rate_limited": 1}``.
    """

    operations: int = 0
    requests: int = 0
    retries: int = 0
    failures: int = 0
    deadline_exceeded: int = 0
    retries_by_reason: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _add(self, name: str, reason: str | None = None) -> None:
        with self._lock:
            setattr(self, name, getattr(self, name) + 1)
            if reason is not None:
                self.retries_by_reason[reason] += 1

    def as_dict(self) -> dict[str, Any]:
        """Return a consistent snapshot of all counters."""
        with self._lock:
            return {
                "operations": self.operations,
                "requests": self.requests,
                "retries": self.retries,
                "failures": self.failures,
                "deadline_exceeded": self.deadline_exceeded,
                "retries_by_reason": dict(self.retries_by_reason),
            }


def _retry_reason(method: str, mode: RetryMode, *, status: int | None, exc: Exception | None) -> str | None:
    """Decide whether a failed attempt may be retried -- the whole retry policy.

    Returns the reason (a stats key) when a retry is allowed, else ``None``.
    """
    if mode is RetryMode.NEVER:
        return None
    may_repeat = mode is RetryMode.ALWAYS or method in _IDEMPOTENT_METHODS
    if exc is not None:
        if isinstance(exc, _NOT_SENT_ERRORS):
            return "connect_error"
        if isinstance(exc, _AMBIGUOUS_ERRORS) and may_repeat:
            return "connection_dropped"
        return None
    if status == 429:
        # Rate-limited requests were rejected before being applied: safe for any method.
        return "rate_limited"
    if status in _RETRYABLE_STATUSES and may_repeat:
        return f"status_{status}"
    return None


def _parse_retry_after(value: str | None, now: float) -> float | None:
    """Parse ``Retry-After`` (delta-seconds or HTTP-date) into seconds from ``now`` (epoch)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive one is malformed.
            return None
        seconds = when.timestamp() - now
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _retry_delay(attempt: int, base_s: float, max_s: float, retry_after: float | None) -> float:
    """Seconds to wait before retry number ``attempt + 1``: the server's wish, else full jitter."""
    if retry_after is not None:
        return retry_after
    return random.uniform(0.0, min(max_s, base_s * 2.0**attempt))


def _render_path(template: str, path_params: Mapping[str, str] | None) -> str:
    params = dict(path_params or {})
    names = _PLACEHOLDER.findall(template)
    if not template.startswith("/"):
        raise ValueError(f"path template must start with '/': {template!r}")
    missing = [name for name in names if name not in params]
    unused = sorted(set(params) - set(names))
    if missing or unused:
        raise ValueError(f"path template {template!r}: missing params {missing}, unexpected params {unused}")
    for name in names:
        _validate_path_param(name, params[name])
    # safe="": every reserved character, '/' included, is escaped inside a segment.
    return _PLACEHOLDER.sub(lambda m: quote(params[m.group(1)], safe=""), template)


def _validate_path_param(name: str, value: object) -> None:
    def reject(problem: str) -> NoReturn:
        raise InputError(problem, path=name, allowed=_PARAM_ALLOWED)

    if not isinstance(value, str):
        reject(f"must be a string, got {type(value).__name__}")
    if not value:
        reject("must not be empty")
    if len(value) > _MAX_PARAM_CHARS:
        reject(f"is {len(value)} characters long")
    if "/" in value or "\\" in value:
        reject(f"{value!r} contains a path separator")
    if ".." in value or value == ".":
        reject(f"{value!r} contains a dot segment")
    if _ENCODED_SEPARATOR.search(value):
        reject(f"{value!r} contains a percent-encoded dot or slash")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        reject("contains control characters")


def _default_user_agent() -> str:
    try:
        version = metadata.version("pulumi-iotcomms")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    return f"pulumi-iotcomms/{version} httpx/{httpx.__version__}"


def _decode_body(text: str) -> object:
    if not text.strip():
        return None
    try:
        return jsonlib.loads(text)
    except ValueError:
        return text


class Transport:
    """The single, shared HTTP client for one iotcomms endpoint.

    Thread-safe; the underlying ``httpx.Client`` (and its keep-alive pool) is
    created on first use and reused.  Refuses to be pickled because it holds
    credentials.

    Args:
        base_url: API root, e.g. ``"https://api.iotcomms.io"``.
        auth: Credentials that produce the ``Authorization`` header.
        max_retries: Retries after the first attempt (0 disables retrying).
        timeout_seconds: Total deadline per logical operation, retries and waits included.
        backoff_base_s: First backoff ceiling; doubles per retry (full jitter).
        backoff_max_s: Upper bound of any computed backoff.
        sleep: Sleep function; injectable for tests.
        clock: Monotonic clock used for the deadline; injectable for tests.
        user_agent: ``User-Agent`` header; defaults to ``pulumi-iotcomms/<version> httpx/<version>``.
    """

    def __init__(
        self,
        base_url: str,
        auth: Credentials,
        *,
        max_retries: int = 4,
        timeout_seconds: float = 30.0,
        backoff_base_s: float = 0.25,
        backoff_max_s: float = 8.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        user_agent: str | None = None,
    ) -> None:
        url = httpx.URL(base_url) if isinstance(base_url, str) else None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise ConfigurationError(f"invalid API base URL {base_url!r}", key="iotcomms:endpoint")
        if url.query or url.userinfo:
            # Credentials in the URL would leak into logs and error messages.
            raise ConfigurationError(
                "the API base URL must not contain credentials or a query string", key="iotcomms:endpoint"
            )
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if not timeout_seconds > 0:
            raise ConfigurationError("timeoutSeconds must be positive", key="iotcomms:timeoutSeconds")
        self._base_url = url
        self._auth = auth
        self.max_retries = max_retries
        self.timeout_seconds = float(timeout_seconds)
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self._sleep = sleep
        self._clock = clock
        self._user_agent = user_agent or _default_user_agent()
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()
        self._closed = False
        self.stats = TransportStats()

    # -- lifecycle ---------------------------------------------------------

    def _get_client(self) -> httpx.Client:
        client = self._client
        if client is not None:
            return client
        with self._client_lock:
            if self._closed:
                raise RuntimeError("Transport is closed")
            if self._client is None:
                self._client = httpx.Client(
                    base_url=self._base_url,
                    headers={"Accept": "application/json", "User-Agent": self._user_agent},
                    # Redirects could forward the Authorization header elsewhere.
                    follow_redirects=False,
                    limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
                    timeout=self.timeout_seconds,
                )
            return self._client

    def close(self) -> None:
        """Close the connection pool; later requests raise ``RuntimeError``."""
        with self._client_lock:
            self._closed = True
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __reduce__(self) -> NoReturn:
        raise TypeError("Transport holds credentials and cannot be pickled or copied")

    def __getstate__(self) -> NoReturn:
        raise TypeError("Transport holds credentials and cannot be pickled or copied")

    def __repr__(self) -> str:
        return f"Transport(base_url={str(self._base_url)!r}, auth={self._auth!r})"

    # -- requests ----------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        /,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        content_type: str | None = None,
        retry: RetryMode | None = None,
    ) -> httpx.Response:
        """Send one logical request, retrying per policy within the total deadline.

        Args:
            method: HTTP method.
            path: Path template such as ``"/provisioning/device/{domain}/{deviceId}"``.
            path_params: Values for the template; validated and percent-encoded.
            params: Query parameters; ``None`` values are dropped.
            json: JSON-serialisable body (mutually exclusive with ``content``).
            content: Raw body.
            content_type: ``Content-Type`` for ``content``.
            retry: Retry mode; ``None`` means :attr:`RetryMode.AUTO`.

        Returns:
            The 2xx response, body already read.

        Raises:
            InputError: A path parameter is invalid (nothing was sent).
            ApiError: The typed error for the failure (see :mod:`pulumi_iotcomms.errors`).
        """
        method = method.upper()
        rendered = _render_path(path, path_params)
        if json is not None and content is not None:
            raise ValueError("pass either json or content, not both")
        headers: dict[str, str] = {}
        body: bytes | None = None
        if json is not None:
            body = jsonlib.dumps(json, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif content is not None:
            body = content.encode("utf-8") if isinstance(content, str) else content
            if content_type is None:
                is_text = isinstance(content, str)
                content_type = "text/plain; charset=utf-8" if is_text else "application/octet-stream"
            headers["Content-Type"] = content_type
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return self._send(method, rendered, headers, body, query, retry or RetryMode.AUTO)

    def _path_of(self, response: httpx.Response) -> str:
        # The request path relative to base_url, percent-encoded, without the query string.
        raw = response.request.url.raw_path.decode("ascii").partition("?")[0]
        prefix = self._base_url.raw_path.decode("ascii").rstrip("/")
        return raw[len(prefix) :] if prefix and raw.startswith(prefix + "/") else raw

    def request_json(
        self,
        method: str,
        path: str,
        /,
        path_params: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, QueryValue] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        content_type: str | None = None,
        retry: RetryMode | None = None,
    ) -> Any:
        """Like :meth:`request`, but return the parsed JSON body (``{}`` when empty).

        A 2xx body of ``{"success": false, ...}`` is raised as an :class:`ApiError` too.
        """
        response = self.request(
            method,
            path,
            path_params,
            params=params,
            json=json,
            content=content,
            content_type=content_type,
            retry=retry,
        )
        rendered = self._path_of(response)
        if not response.content.strip():
            return {}
        try:
            data = jsonlib.loads(response.content)
        except ValueError:
            self.stats._add("failures")
            raise ApiError(
                f"{method.upper()} {rendered} failed: the API returned a {response.status_code} "
                "response that is not valid JSON",
                method=method.upper(),
                path=rendered,
                status=response.status_code,
                request_id=_request_id(response),
            ) from None
        if isinstance(data, dict) and data.get("success") is False:
            self.stats._add("failures")
            raise _response_error(method.upper(), rendered, response)
        return data

    def _send(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes | None,
        query: Mapping[str, QueryValue],
        mode: RetryMode,
    ) -> httpx.Response:
        client = self._get_client()
        self.stats._add("operations")
        started = self._clock()
        deadline = started + self.timeout_seconds
        attempt = 0
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._deadline_error(method, path, attempt, None)
            auth_header = self._auth.authorization_header()
            self.stats._add("requests")
            attempt_started = self._clock()
            status: int | None = None
            response: httpx.Response | None = None
            failure: Exception | None = None
            try:
                response = client.request(
                    method,
                    path,
                    params=query,
                    content=body,
                    headers={**headers, "Authorization": auth_header},
                    timeout=httpx.Timeout(remaining, connect=min(remaining, _CONNECT_TIMEOUT_S)),
                )
                status = response.status_code
            except (httpx.ReadTimeout, httpx.WriteTimeout) as exc:
                # The per-attempt timeout is the whole remaining budget, so it is spent.
                self._log(method, path, "timeout", attempt, attempt_started)
                raise self._deadline_error(method, path, attempt + 1, exc) from None
            except httpx.RequestError as exc:
                failure = exc
            outcome = status if status is not None else type(failure).__name__
            self._log(method, path, outcome, attempt, attempt_started)
            if response is not None and response.is_success:
                return response

            reason = _retry_reason(method, mode, status=status, exc=failure)
            retry_after = (
                _parse_retry_after(response.headers.get("retry-after"), time.time()) if response is not None else None
            )
            if reason is None or attempt >= self.max_retries:
                self.stats._add("failures")
                raise self._final_error(method, path, response, failure, attempt + 1, mode)
            delay = _retry_delay(attempt, self.backoff_base_s, self.backoff_max_s, retry_after)
            if delay >= deadline - self._clock():
                # Waiting would exhaust the budget anyway: fail now rather than sleep to fail.
                last = self._final_error(method, path, response, failure, attempt + 1, mode)
                raise self._deadline_error(method, path, attempt + 1, last, wait=delay)
            self.stats._add("retries", reason)
            log.debug("retrying %s %s in %.3fs (%s)", method, path, delay, reason)
            self._sleep(delay)
            attempt += 1

    def _log(self, method: str, path: str, outcome: object, attempt: int, started: float) -> None:
        log.debug("%s %s -> %s (attempt %d, %.3fs)", method, path, outcome, attempt + 1, self._clock() - started)

    def _final_error(
        self,
        method: str,
        path: str,
        response: httpx.Response | None,
        failure: Exception | None,
        attempts: int,
        mode: RetryMode,
    ) -> ApiError:
        if response is not None:
            return _response_error(method, path, response, attempts=attempts)
        detail = redact_secrets(str(failure)) or type(failure).__name__
        if isinstance(failure, _NOT_SENT_ERRORS):
            message = f"{method} {path} failed: could not connect to the API: {detail}"
        elif isinstance(failure, _AMBIGUOUS_ERRORS):
            message = f"{method} {path} failed: the connection was dropped: {detail}"
            if mode is RetryMode.AUTO and method not in _IDEMPOTENT_METHODS:
                message += f"; {method} is not idempotent, so it was not retried and may have been applied"
        else:
            message = f"{method} {path} failed: {type(failure).__name__}: {detail}"
        if attempts > 1:
            message += f" [gave up after {attempts} attempts]"
        return TransportError(message, method=method, path=path, attempts=attempts)

    def _deadline_error(
        self,
        method: str,
        path: str,
        attempts: int,
        last: ApiError | Exception | None,
        *,
        wait: float | None = None,
    ) -> DeadlineExceededError:
        self.stats._add("failures")
        self.stats._add("deadline_exceeded")
        message = (
            f"{method} {path} failed: deadline of {self.timeout_seconds:g} s exceeded "
            f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        )
        if wait is not None:
            message += f" (the next retry would have waited {wait:.1f} s)"
        if isinstance(last, ApiError):
            message += f"; last error: {last}"
        elif isinstance(last, httpx.TimeoutException):
            message += "; the last attempt got no response in time"
        message += "; increase iotcomms:timeoutSeconds if the API is slow"
        return DeadlineExceededError(
            message,
            timeout_seconds=self.timeout_seconds,
            last_error=last if isinstance(last, ApiError) else None,
            method=method,
            path=path,
            status=last.status if isinstance(last, ApiError) else None,
            attempts=attempts,
        )


def _response_error(method: str, path: str, response: httpx.Response, *, attempts: int = 1) -> ApiError:
    text = response.text
    # Scrub the exact credential too, in case the server echoes it without a "Bearer" prefix.
    secret = response.request.headers.get("authorization", "").partition(" ")[2]
    if secret:
        text = text.replace(secret, "<redacted>")
    return error_for_response(
        method,
        path,
        response.status_code,
        _decode_body(text),
        request_id=_request_id(response),
        retry_after=_parse_retry_after(response.headers.get("retry-after"), time.time()),
        attempts=attempts,
    )


def _request_id(response: httpx.Response) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return str(value)
    return None


def paginate(
    transport: Transport,
    path: str,
    path_params: Mapping[str, str] | None = None,
    *,
    items_key: str,
    params: Mapping[str, QueryValue] | None = None,
    limit: int = 100,
) -> Iterator[dict[str, Any]]:
    """Yield every item of a ``nextToken``-paginated GET listing.

    Args:
        transport: The transport to use.
        path: Path template of the listing.
        path_params: Values for the template.
        items_key: Response field holding the page's items.
        params: Extra query parameters.
        limit: Page size requested via the ``limit`` query parameter.

    Raises:
        ApiError: A page is malformed, or the server repeats a ``nextToken`` (would loop forever).
    """
    seen: set[str] = set()
    token: str | None = None
    while True:
        query: dict[str, QueryValue] = {**(params or {}), "limit": limit}
        if token:
            query["nextToken"] = token
        page = transport.request_json("GET", path, path_params, params=query)
        rendered = _render_path(path, path_params)
        items = page.get(items_key) if isinstance(page, dict) else None
        if not isinstance(page, dict) or not isinstance(items, list | None):
            raise ApiError(
                f"GET {rendered} failed: expected a JSON object with a list in {items_key!r}",
                method="GET",
                path=rendered,
                status=200,
            )
        for item in items or ():
            if not isinstance(item, dict):
                raise ApiError(
                    f"GET {rendered} failed: {items_key!r} contains a non-object item",
                    method="GET",
                    path=rendered,
                    status=200,
                )
            yield item
        next_token = page.get("nextToken")
        if not next_token:
            return
        if not isinstance(next_token, str) or next_token in seen:
            problem = "the same nextToken twice" if isinstance(next_token, str) else "a non-string nextToken"
            raise ApiError(
                f"GET {rendered} failed: the API returned {problem}; stopping to avoid an endless pagination loop",
                method="GET",
                path=rendered,
                status=200,
            )
        seen.add(next_token)
        token = next_token
