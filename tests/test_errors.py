"""The status -> error table, message format, redaction and picklability of errors."""

from __future__ import annotations

import inspect
import pickle
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from pulumi_iotcomms import errors
from pulumi_iotcomms._auth import TokenAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.errors import (
    ApiError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    DeadlineExceededError,
    ForbiddenError,
    InputError,
    IotcommsError,
    NotFoundError,
    PayloadTooLargeError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
    error_for_deadline,
    error_for_malformed_body,
    error_for_no_response,
    error_for_response,
    redact_secrets,
)
from tests._http_server import Received, Reply, ScriptedServer

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpYXQiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (413, PayloadTooLargeError),
        (422, BadRequestError),
        (429, RateLimitedError),
        (500, ServerError),
        (502, ServerError),
        (503, ServerError),
        (504, ServerError),
        (599, ServerError),
        (418, ApiError),
        (302, ApiError),
    ],
)
def test_status_maps_to_exactly_one_class(status: int, cls: type[ApiError]) -> None:
    err = error_for_response("GET", "/x", status, {"success": False, "reason": "nope"})
    assert type(err) is cls
    assert err.status == status
    assert err.reason == "nope"
    assert err.method == "GET"
    assert err.path == "/x"


def test_message_format_matches_the_documented_example() -> None:
    reason = r"deviceId: must match ^[a-zA-Z0-9\-\._:~+]+$"
    err = error_for_response("patch", "/device/acme.example/dev-1", 400, {"success": False, "reason": reason})
    assert str(err) == f"PATCH /device/acme.example/dev-1 failed: 400 Bad Request: {reason}"


def test_success_false_in_a_2xx_body_is_a_plain_api_error() -> None:
    err = error_for_response("POST", "/trunk/d/t", 200, {"success": False, "reason": "quota reached"})
    assert type(err) is ApiError
    assert str(err) == "POST /trunk/d/t failed: the API reported success=false (HTTP 200): quota reached"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"success": False, "reason": "bad"}, "bad"),
        ({"message": "from message"}, "from message"),
        ({"reason": {"field": "x"}}, '{"field": "x"}'),
        ("plain text\n  error", "plain text error"),
        ("", None),
        (None, None),
        ({"success": False}, None),
    ],
)
def test_reason_extraction(body: object, reason: str | None) -> None:
    assert error_for_response("GET", "/x", 404, body).reason == reason


def test_message_extras_request_id_retry_after_attempts_and_hints() -> None:
    err = error_for_response("POST", "/x", 429, None, request_id="req-1", retry_after=2.5, attempts=3)
    assert isinstance(err, RateLimitedError)
    assert err.retry_after == 2.5
    assert str(err) == (
        "POST /x failed: 429 Too Many Requests; retry after 2.5 s (request id req-1) [gave up after 3 attempts]"
    )
    assert "iotcomms:token" in str(error_for_response("GET", "/x", 401, None))


def test_long_reasons_are_truncated() -> None:
    err = error_for_response("GET", "/x", 502, "<html>" + "x" * 5000)
    assert err.reason is not None
    assert len(err.reason) == 500


def test_hierarchy() -> None:
    for cls in (ConfigurationError, InputError, ApiError):
        assert issubclass(cls, IotcommsError)
    for cls in (BadRequestError, PayloadTooLargeError, UnauthorizedError, ForbiddenError, NotFoundError):
        assert issubclass(cls, ApiError)
    for api_cls in (ConflictError, RateLimitedError, ServerError, TransportError, DeadlineExceededError):
        assert issubclass(api_cls, ApiError)
    # Handlers that reconcile a TransportError ("may have landed") must not catch a spent deadline.
    assert not issubclass(DeadlineExceededError, TransportError)
    assert errors.__all__ == sorted(errors.__all__)


def _documented_tree() -> dict[str, str | None]:
    """Each class in the module docstring's tree, mapped to the class it is drawn under."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        words = line.replace("├──", " ").replace("└──", " ").replace("│", " ").split()
        if not words or not words[0].endswith("Error") or not words[0].isidentifier():
            continue
        column = line.index(words[0])
        while stack and stack[-1][0] >= column:
            stack.pop()
        parents[words[0]] = stack[-1][1] if stack else None
        stack.append((column, words[0]))
    return parents


def test_the_docstring_tree_is_the_class_hierarchy() -> None:
    classes = {
        name: cls
        for name, cls in vars(errors).items()
        if inspect.isclass(cls) and issubclass(cls, Exception) and cls.__module__ == errors.__name__
    }
    actual = {name: None if cls is IotcommsError else cls.__mro__[1].__name__ for name, cls in classes.items()}
    assert _documented_tree() == actual
    assert set(classes) <= set(errors.__all__)


def test_errors_import_without_pulumi() -> None:
    code = (
        "import sys; sys.modules['pulumi'] = None\n"
        "from pulumi_iotcomms.errors import *\n"
        "from pulumi_iotcomms import errors\n"
        "assert not any(m == 'pulumi' or m.startswith('pulumi.') for m in sys.modules if sys.modules[m])\n"
        "print(len(errors.__all__))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == len(errors.__all__)


def test_no_response_messages_say_what_happened_and_are_redacted() -> None:
    refused = error_for_no_response("post", "/x", httpx.ConnectError("refused"), kind="connect", attempts=3)
    assert type(refused) is TransportError
    assert (refused.method, refused.status, refused.attempts) == ("POST", None, 3)
    assert str(refused) == "POST /x failed: could not connect to the API: refused [gave up after 3 attempts]"
    dropped = error_for_no_response("POST", "/x", httpx.ReadError(""), kind="dropped", idempotent=False)
    assert str(dropped) == (
        "POST /x failed: the connection was dropped: ReadError; "
        "POST is not idempotent, so it was not retried and may have been applied"
    )
    echoed = error_for_no_response("GET", "/x", httpx.LocalProtocolError(f"Bearer {JWT}"), kind="other")
    assert str(echoed) == "GET /x failed: LocalProtocolError: Bearer <redacted>"


def test_deadline_messages_name_the_budget_and_the_last_error() -> None:
    last = error_for_response("GET", "/x", 503, {"reason": "busy"}, attempts=2)
    err = error_for_deadline("GET", "/x", timeout_seconds=30, attempts=2, last_error=last, wait=12.34)
    assert (err.status, err.attempts, err.timeout_seconds, err.last_error) == (503, 2, 30, last)
    assert str(err) == (
        "GET /x failed: deadline of 30 s exceeded after 2 attempts (the next retry would have waited 12.3 s); "
        "last error: GET /x failed: 503 Service Unavailable: busy [gave up after 2 attempts]; "
        "increase iotcomms:timeoutSeconds if the API is slow"
    )
    hung = error_for_deadline("PUT", "/x", timeout_seconds=1.5, attempts=1, timed_out=True)
    assert (hung.status, hung.last_error) == (None, None)
    assert str(hung) == (
        "PUT /x failed: deadline of 1.5 s exceeded after 1 attempt; the last attempt got no response in time; "
        "increase iotcomms:timeoutSeconds if the API is slow"
    )


def test_malformed_body_is_a_plain_api_error() -> None:
    err = error_for_malformed_body("get", "/x", 200, "not valid JSON", request_id="r1")
    assert type(err) is ApiError
    assert (err.method, err.status, err.request_id, err.reason) == ("GET", 200, "r1", None)
    assert str(err) == "GET /x failed: not valid JSON"


def test_configuration_and_input_error_messages() -> None:
    err = ConfigurationError("no credentials configured", key="iotcomms:token")
    assert err.key == "iotcomms:token"
    assert str(err) == "no credentials configured (set the `iotcomms:token` configuration value)"
    inp = InputError(
        "must be between 30 and 3600",
        path="service_data.alarm_bridge.heartbeat_interval",
        allowed="30..3600 seconds",
    )
    assert inp.path == "service_data.alarm_bridge.heartbeat_interval"
    assert str(inp) == (
        "invalid input service_data.alarm_bridge.heartbeat_interval: must be between 30 and 3600"
        " (allowed: 30..3600 seconds)"
    )


@pytest.mark.parametrize(
    "err",
    [
        ConfigurationError("m", key="iotcomms:token"),
        InputError("m", path="a.b", allowed="x"),
        error_for_response("GET", "/x", 429, None, retry_after=1.0),
        DeadlineExceededError("m", timeout_seconds=1.0, method="GET", path="/x"),
    ],
)
def test_errors_survive_pickling(err: IotcommsError) -> None:
    clone = pickle.loads(pickle.dumps(err))
    assert type(clone) is type(err)
    assert str(clone) == str(err)
    assert clone.__dict__ == err.__dict__


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {JWT}",
        '{"headers": {"Authorization": "s3cr3t-token"}}',
        "authorization=s3cr3t-token",
        f"bearer {JWT}",
        f"token was {JWT}",
    ],
)
def test_redact_secrets(text: str) -> None:
    redacted = redact_secrets(text)
    assert JWT not in redacted
    assert "s3cr3t-token" not in redacted
    assert "redacted" in redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: token expired", "Authorization: token expired"),
        ("Authorization: missing bearer token", "Authorization: missing bearer token"),
        ("Authorization: invalid token", "Authorization: invalid token"),
        ("Authorization: Bearer tok", "Authorization: Bearer <redacted>"),
        ("Authorization: Bearer token-123", "Authorization: Bearer <redacted>"),
        ('{"Authorization": "Invalid9"}', '{"Authorization": "<redacted>"}'),
        ("bearer expired", "bearer expired"),
    ],
)
def test_redaction_keeps_the_servers_prose(text: str, expected: str) -> None:
    # Only the words servers use to explain an auth failure are spared; any other value is redacted.
    assert redact_secrets(text) == expected


def test_error_reason_is_redacted() -> None:
    err = error_for_response("GET", "/x", 400, {"reason": f"bad header Authorization: Bearer {JWT}"})
    assert JWT not in str(err)
    assert JWT not in repr(err)
    assert err.reason is not None
    assert JWT not in err.reason


# -- end to end: what the server echoes never reaches the user ----------------


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


def _echo_everything(status: int) -> object:
    def reply(req: Received) -> Reply:
        echoed = f"{req.headers} raw token={req.headers['authorization'][7:]}"
        return Reply(status=status, json={"success": False, "reason": echoed})

    return reply


@pytest.mark.parametrize("status", [200, 400, 401, 500])
def test_authorization_header_and_body_never_in_error(server: ScriptedServer, status: int) -> None:
    token = "tok-ABCdef0123456789"
    server.default = _echo_everything(status)  # type: ignore[assignment]
    with Transport(server.url, TokenAuth(token), max_retries=0) as transport, pytest.raises(ApiError) as info:
        transport.request_json("POST", "/device/{domain}", {"domain": "acme.example"}, json={"password": "hunter2"})
    err = info.value
    assert server.requests[0].headers["authorization"] == f"Bearer {token}"
    for text in (str(err), repr(err), err.reason or ""):
        assert token not in text
    assert err.path == "/device/acme.example"
    assert str(err).startswith("POST /device/acme.example failed:")
