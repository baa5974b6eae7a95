"""The one HTTP client of pulumi_iotcomms: auth, retries, deadlines and error translation.

Every request to the iotcomms API goes through :class:`Transport`, so the retry
policy (:func:`_retry_reason`) and the backoff (:func:`_retry_delay`) live in
exactly one place.  The transport classifies failures; the errors themselves are
built in :mod:`pulumi_iotcomms.errors` (:func:`~pulumi_iotcomms.errors.error_for_response`
and its siblings).

Retry decision table:

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

import atexit
import email.utils
import json as jsonlib
import logging
import random
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from importlib import metadata
from types import TracebackType
from typing import Any, Literal, NoReturn, TypeAlias
from urllib.parse import quote

import httpx

from ._auth import Credentials
from .errors import (
    ApiError,
    ConfigurationError,
    DeadlineExceededError,
    InputError,
    error_for_deadline,
    error_for_malformed_body,
    error_for_no_response,
    error_for_response,
    redact_secrets,
)

__all__ = ["QueryValue", "Transport", "TransportPool", "render_path"]

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


def _retry_reason(method: str, *, status: int | None, exc: Exception | None) -> str | None:
    """Decide whether a failed attempt may be retried -- the whole retry policy.

    Returns the reason (logged) when a retry is allowed, else ``None``.
    """
    may_repeat = method in _IDEMPOTENT_METHODS
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


def render_path(template: str, path_params: Mapping[str, str] | None) -> str:
    """The request path for ``template``: each parameter validated, then percent-encoded as one segment.

    Raises:
        InputError: A parameter value is unsafe in a path (nothing is sent).
        ValueError: The parameters do not match the template's placeholders.
    """
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
        headers: Further headers sent with every request (e.g. an ``x-api-key``). Their values are
            treated as secrets: never in ``repr`` and scrubbed from error text.
        endpoint_key: The configuration key named when ``base_url`` is invalid.
        timeout_key: The configuration key of ``timeout_seconds``, named when it is invalid or ran out.
        error_hints: Per HTTP status, the hint appended to the error message instead of the default
            one (which names the ``iotcomms:*`` credentials), for APIs configured under other keys.
        media_type: The JSON media type sent as ``Accept`` and as the ``Content-Type`` of JSON bodies
            (e.g. a vendor type such as ``application/vnd.proformatique.provd+json``).
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
        headers: Mapping[str, str] | None = None,
        endpoint_key: str = "iotcomms:endpoint",
        timeout_key: str = "iotcomms:timeoutSeconds",
        error_hints: Mapping[int, str] | None = None,
        media_type: str = "application/json",
    ) -> None:
        url = httpx.URL(base_url) if isinstance(base_url, str) else None
        if url is None or url.scheme not in ("http", "https") or not url.host:
            raise ConfigurationError(f"invalid API base URL {base_url!r}", key=endpoint_key)
        if url.query or url.userinfo:
            # Credentials in the URL would leak into logs and error messages.
            raise ConfigurationError(
                "the API base URL must not contain credentials or a query string", key=endpoint_key
            )
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if not timeout_seconds > 0:
            raise ConfigurationError(f"{timeout_key} must be positive", key=timeout_key)
        self._base_url = url
        self._auth = auth
        self._headers = dict(headers or {})
        self._error_hints = dict(error_hints or {})
        self._timeout_key = timeout_key
        self.media_type = media_type
        self.max_retries = max_retries
        self.timeout_seconds = float(timeout_seconds)
        self.backoff_base_s = backoff_base_s
        self.backoff_max_s = backoff_max_s
        self._sleep = sleep
        self._clock = clock
        self._user_agent = _default_user_agent()
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()
        self._closed = False

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
                    headers={"Accept": self.media_type, "User-Agent": self._user_agent},
                    # Redirects could forward the Authorization header elsewhere.
                    follow_redirects=False,
                    limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
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
        self._auth.close()

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

        Returns:
            The 2xx response, body already read.

        Raises:
            InputError: A path parameter is invalid (nothing was sent).
            ApiError: The typed error for the failure (see :mod:`pulumi_iotcomms.errors`).
        """
        method = method.upper()
        rendered = render_path(path, path_params)
        if json is not None and content is not None:
            raise ValueError("pass either json or content, not both")
        headers: dict[str, str] = {}
        body: bytes | None = None
        if json is not None:
            body = jsonlib.dumps(json, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = self.media_type
        elif content is not None:
            body = content.encode("utf-8") if isinstance(content, str) else content
            if content_type is None:
                is_text = isinstance(content, str)
                content_type = "text/plain; charset=utf-8" if is_text else "application/octet-stream"
            headers["Content-Type"] = content_type
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return self._send(method, rendered, headers, body, query)

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
    ) -> Any:
        """Like :meth:`request`, but return the parsed JSON body (``{}`` when empty).

        A 2xx body of ``{"success": false, ...}`` is raised as an :class:`ApiError` too.
        """
        response = self.request(
            method, path, path_params, params=params, json=json, content=content, content_type=content_type
        )
        if not response.content.strip():
            return {}
        method, rendered = method.upper(), self._path_of(response)
        try:
            data = jsonlib.loads(response.content)
        except ValueError:
            problem = f"the API returned a {response.status_code} response that is not valid JSON"
            raise error_for_malformed_body(
                method, rendered, response.status_code, problem, request_id=_request_id(response)
            ) from None
        if isinstance(data, dict) and data.get("success") is False:
            raise _response_error(method, rendered, response)
        return data

    def _send(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes | None,
        query: Mapping[str, QueryValue],
    ) -> httpx.Response:
        client = self._get_client()
        started = self._clock()
        deadline = started + self.timeout_seconds
        attempt = 0
        refreshed = challenged = False
        # The request target as sent (base path and query included): what an HTTP digest signs.
        target = client.build_request(method, path, params=query).url.raw_path.decode("ascii")
        while True:
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._deadline_error(method, path, attempt)
            auth_header = self._auth.header_for(method, target) or ""
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
                    headers={**self._headers, **headers, **({"Authorization": auth_header} if auth_header else {})},
                    timeout=httpx.Timeout(remaining, connect=min(remaining, _CONNECT_TIMEOUT_S)),
                )
                status = response.status_code
            except (httpx.ReadTimeout, httpx.WriteTimeout):
                # The per-attempt timeout is the whole remaining budget, so it is spent.
                self._log(method, path, "timeout", attempt, attempt_started)
                raise self._deadline_error(method, path, attempt + 1, timed_out=True) from None
            except httpx.RequestError as exc:
                failure = exc
            outcome = status if status is not None else type(failure).__name__
            self._log(method, path, outcome, attempt, attempt_started)
            if response is not None and response.is_success:
                return response
            if (
                status == 401
                and response is not None
                and not challenged
                and self._auth.answer_challenge(response.headers.get("www-authenticate", ""))
            ):
                # Challenge-response schemes (HTTP digest/basic): the 401 named what to send; it applied
                # nothing, so the request goes once more, not counted as a retry.
                challenged = True
                continue
            if status == 401 and not refreshed and self._auth.refresh_after_rejection(auth_header):
                # An expired or revoked token: the request was not applied, so send it once more
                # with a fresh one, without counting it as a retry.
                refreshed = True
                log.debug("%s %s: credentials rejected, retrying once with fresh ones", method, path)
                continue

            reason = _retry_reason(method, status=status, exc=failure)
            retry_after = (
                _parse_retry_after(response.headers.get("retry-after"), time.time()) if response is not None else None
            )
            if reason is None or attempt >= self.max_retries:
                raise self._final_error(method, path, response, failure, attempt + 1)
            delay = _retry_delay(attempt, self.backoff_base_s, self.backoff_max_s, retry_after)
            if delay >= deadline - self._clock():
                # Waiting would exhaust the budget anyway: fail now rather than sleep to fail.
                last = self._final_error(method, path, response, failure, attempt + 1)
                raise self._deadline_error(method, path, attempt + 1, last, wait=delay)
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
    ) -> ApiError:
        if response is not None:
            return _response_error(
                method,
                path,
                response,
                attempts=attempts,
                secrets=self._headers.values(),
                hint=self._error_hints.get(response.status_code),
            )
        assert failure is not None  # no response means the attempt raised
        kind: Literal["connect", "dropped", "other"] = "other"
        if isinstance(failure, _NOT_SENT_ERRORS):
            kind = "connect"
        elif isinstance(failure, _AMBIGUOUS_ERRORS):
            kind = "dropped"
        idempotent = method in _IDEMPOTENT_METHODS
        return error_for_no_response(method, path, failure, kind=kind, idempotent=idempotent, attempts=attempts)

    def _deadline_error(
        self,
        method: str,
        path: str,
        attempts: int,
        last: ApiError | None = None,
        *,
        timed_out: bool = False,
        wait: float | None = None,
    ) -> DeadlineExceededError:
        return error_for_deadline(
            method,
            path,
            timeout_seconds=self.timeout_seconds,
            attempts=attempts,
            last_error=last,
            timed_out=timed_out,
            wait=wait,
            timeout_key=self._timeout_key,
        )


def _response_error(
    method: str,
    path: str,
    response: httpx.Response,
    *,
    attempts: int = 1,
    secrets: Iterable[str] = (),
    hint: str | None = None,
) -> ApiError:
    text = response.text
    # Scrub the exact credentials too, in case the server echoes one without a "Bearer" prefix.
    for secret in (response.request.headers.get("authorization", "").partition(" ")[2], *secrets):
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
        hint=hint,
    )


def _request_id(response: httpx.Response) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return str(value)
    return None


class TransportPool:
    """Process-wide transports, one per configuration key, so every resource type's provider in a process
    shares one keep-alive pool and one credential cache; closed at interpreter exit.

    Args:
        close_at_exit: register :meth:`close` with ``atexit`` (tests pass False for a throw-away pool).
    """

    def __init__(self, *, close_at_exit: bool = True) -> None:
        self._lock = threading.Lock()
        self.transports: dict[Any, Transport] = {}
        """The open transports by key (read it, do not change it)."""
        if close_at_exit:
            atexit.register(self.close)

    def get(self, key: Any, make: Callable[[], Transport]) -> Transport:
        """The transport for ``key``, made by ``make`` on first use (once, also under concurrent callers; a
        ``make`` that raises caches nothing)."""
        with self._lock:
            transport = self.transports.get(key)
            if transport is None:
                transport = self.transports[key] = make()
            return transport

    def close(self) -> None:
        """Close every transport (their keep-alive connections) and forget them."""
        with self._lock:
            transports = list(self.transports.values())
            self.transports.clear()
        for transport in transports:
            transport.close()
