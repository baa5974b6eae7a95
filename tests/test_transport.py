"""Transport against a real HTTP server: retries, deadlines, encoding, keep-alive, threads."""

from __future__ import annotations

import copy
import email.utils
import logging
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from pulumi_iotcomms._auth import TokenAuth
from pulumi_iotcomms._transport import Transport, _parse_retry_after, _retry_reason
from pulumi_iotcomms.errors import (
    ApiError,
    ConfigurationError,
    DeadlineExceededError,
    ForbiddenError,
    InputError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnauthorizedError,
)
from tests._http_server import Reply, ScriptedServer, free_port

TOKEN = "tok-0123456789abcdef"
DEVICE = "/provisioning/device/{domain}/{deviceId}"
OK = Reply(json={"success": True})


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv
        assert srv.errors == []


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_transport(sleeps: list[float]) -> Iterator[Callable[..., Transport]]:
    created: list[Transport] = []

    def make(base_url: str, **kwargs: Any) -> Transport:
        kwargs.setdefault("sleep", sleeps.append)
        transport = Transport(base_url, TokenAuth(TOKEN), **kwargs)
        created.append(transport)
        return transport

    yield make
    for transport in created:
        transport.close()


@pytest.fixture
def transport(server: ScriptedServer, make_transport: Callable[..., Transport]) -> Transport:
    return make_transport(server.url)


def _device(device_id: str = "dev-1") -> dict[str, str]:
    return {"domain": "acme.example", "deviceId": device_id}


# -- the decision table, exhaustively -------------------------------------------------

_REQ = httpx.Request("GET", "http://x")


@pytest.mark.parametrize(
    ("method", "status", "exc", "expected"),
    [
        ("POST", None, httpx.ConnectError("x"), "connect_error"),
        ("PATCH", None, httpx.ConnectTimeout("x"), "connect_error"),
        ("POST", None, httpx.PoolTimeout("x"), "connect_error"),
        ("POST", 429, None, "rate_limited"),
        ("GET", 429, None, "rate_limited"),
        ("GET", 503, None, "status_503"),
        ("PUT", 500, None, "status_500"),
        ("DELETE", 504, None, "status_504"),
        ("POST", 502, None, None),
        ("PATCH", 503, None, None),
        ("GET", 501, None, None),
        ("PUT", None, httpx.RemoteProtocolError("x"), "connection_dropped"),
        ("GET", None, httpx.ReadError("x"), "connection_dropped"),
        ("POST", None, httpx.RemoteProtocolError("x"), None),
        ("GET", None, httpx.LocalProtocolError("x"), None),
        ("GET", 401, None, None),
        ("GET", 403, None, None),
        ("GET", 409, None, None),
    ],
)
def test_retry_decision_table(method: str, status: int | None, exc: Exception | None, expected: str | None) -> None:
    assert _retry_reason(method, status=status, exc=exc) == expected


def test_parse_retry_after() -> None:
    now = time.time()
    assert _parse_retry_after("1", now) == 1.0
    assert _parse_retry_after(" 2.5 ", now) == 2.5
    assert _parse_retry_after("-3", now) == 0.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    parsed = _parse_retry_after(date, now)
    assert parsed is not None
    assert 28 <= parsed <= 31
    assert _parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0.0
    for junk in (None, "", "soon", "nan"):
        assert _parse_retry_after(junk, now) is None


# -- path parameters -------------------------------------------------------------------


def test_path_params_are_percent_encoded(server: ScriptedServer, transport: Transport) -> None:
    transport.request("GET", DEVICE, {"domain": "acme.example", "deviceId": "a b:c+d@e?f#g&h=ü~"})
    assert server.requests[0].path == "/provisioning/device/acme.example/a%20b%3Ac%2Bd%40e%3Ff%23g%26h%3D%C3%BC~"


@pytest.mark.parametrize(
    "bad",
    ["../x", "a/b", "a\\b", "..", ".", "x..y", "", "x" * 257, "a\nb", "a\x7fb", "%2e%2e", "%2F", "a%5Cb", 5],
)
def test_bad_path_params_are_rejected_before_sending(server: ScriptedServer, transport: Transport, bad: object) -> None:
    with pytest.raises(InputError) as info:
        transport.request("DELETE", DEVICE, {"domain": "acme.example", "deviceId": bad})  # type: ignore[dict-item]
    assert info.value.path == "deviceId"
    assert "deviceId" in str(info.value)
    assert server.requests == []


def test_256_character_param_is_fine(server: ScriptedServer, transport: Transport) -> None:
    transport.request("GET", DEVICE, _device("x" * 256))
    assert server.requests[0].path.endswith("/" + "x" * 256)


def test_template_and_params_must_match(transport: Transport) -> None:
    with pytest.raises(ValueError, match="missing"):
        transport.request("GET", DEVICE, {"domain": "acme.example"})
    with pytest.raises(ValueError, match="unexpected"):
        transport.request("GET", "/x", {"extra": "1"})


# -- retries ---------------------------------------------------------------------------


def test_get_retried_on_503_then_succeeds(server: ScriptedServer, transport: Transport, sleeps: list[float]) -> None:
    server.script(Reply(503), Reply(503), Reply(json={"success": True, "id": 7}))
    assert transport.request_json("GET", DEVICE, _device()) == {"success": True, "id": 7}
    assert len(server.requests) == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.25
    assert 0 <= sleeps[1] <= 0.5


def test_retry_after_is_honoured_on_503_too(server: ScriptedServer, transport: Transport, sleeps: list[float]) -> None:
    server.script(Reply(503, headers={"Retry-After": "0.5"}), OK)
    transport.request("GET", "/x")
    assert sleeps == [0.5]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_writes_not_retried_on_502(server: ScriptedServer, transport: Transport, method: str) -> None:
    server.script(Reply(502, json={"success": False, "reason": "upstream"}), OK)
    with pytest.raises(ServerError) as info:
        transport.request(method, DEVICE, _device(), json={"a": 1})
    assert len(server.requests) == 1
    assert info.value.status == 502
    assert info.value.attempts == 1
    assert str(info.value) == f"{method} /provisioning/device/acme.example/dev-1 failed: 502 Bad Gateway: upstream"


def test_post_retried_on_429_honouring_retry_after(
    server: ScriptedServer, transport: Transport, sleeps: list[float]
) -> None:
    server.script(Reply(429, headers={"Retry-After": "1"}), OK)
    transport.request("POST", DEVICE, _device(), json={"a": 1})
    assert sleeps == [1.0]
    assert [r.method for r in server.requests] == ["POST", "POST"]
    assert server.requests[0].body == server.requests[1].body == b'{"a":1}'


def test_retry_after_beyond_the_deadline_fails_fast(
    server: ScriptedServer, make_transport: Callable[..., Transport], sleeps: list[float]
) -> None:
    transport = make_transport(server.url, timeout_seconds=5)
    server.script(Reply(429, headers={"Retry-After": "120"}, json={"success": False, "reason": "slow down"}))
    with pytest.raises(DeadlineExceededError) as info:
        transport.request("GET", "/x")
    assert sleeps == []
    assert isinstance(info.value.last_error, RateLimitedError)
    assert info.value.last_error.retry_after == 120
    assert "120.0 s" in str(info.value)
    assert "slow down" in str(info.value)


@pytest.mark.parametrize(("status", "cls"), [(401, UnauthorizedError), (403, ForbiddenError), (404, NotFoundError)])
def test_client_errors_are_not_retried(
    server: ScriptedServer, transport: Transport, sleeps: list[float], status: int, cls: type[ApiError]
) -> None:
    server.script(Reply(status, json={"success": False, "reason": "no"}), OK)
    with pytest.raises(cls):
        transport.request("GET", "/x")
    assert len(server.requests) == 1
    assert sleeps == []


def test_gives_up_after_max_retries(
    server: ScriptedServer, make_transport: Callable[..., Transport], sleeps: list[float]
) -> None:
    transport = make_transport(server.url, max_retries=2)
    server.default = Reply(503, json={"success": False, "reason": "maintenance"}, headers={"X-Request-Id": "r9"})
    with pytest.raises(ServerError) as info:
        transport.request("GET", "/x")
    assert len(server.requests) == 3
    assert info.value.attempts == 3
    assert info.value.request_id == "r9"
    assert str(info.value) == (
        "GET /x failed: 503 Service Unavailable: maintenance (request id r9) [gave up after 3 attempts]"
    )
    assert len(sleeps) == 2


def test_dropped_connection_retried_for_put(server: ScriptedServer, transport: Transport) -> None:
    server.script(Reply(drop=True), OK)
    transport.request("PUT", DEVICE, _device(), json={"a": 1})
    assert len(server.requests) == 2


def test_dropped_connection_not_retried_for_post(server: ScriptedServer, transport: Transport) -> None:
    server.script(Reply(drop=True), OK)
    with pytest.raises(TransportError) as info:
        transport.request("POST", DEVICE, _device(), json={"a": 1})
    assert type(info.value) is TransportError
    assert info.value.status is None
    assert len(server.requests) == 1
    assert "may have been applied" in str(info.value)


def test_connection_refused_is_retried_even_for_post(
    make_transport: Callable[..., Transport], sleeps: list[float]
) -> None:
    transport = make_transport(f"http://127.0.0.1:{free_port()}", max_retries=2)
    with pytest.raises(TransportError) as info:
        transport.request("POST", "/x", json={})
    assert len(sleeps) == 2
    assert "could not connect" in str(info.value)
    assert info.value.attempts == 3


# -- deadlines -------------------------------------------------------------------------


def test_slow_server_hits_the_total_deadline(server: ScriptedServer, make_transport: Callable[..., Transport]) -> None:
    transport = make_transport(server.url, timeout_seconds=1)
    server.script(Reply(delay=5))
    started = time.monotonic()
    with pytest.raises(DeadlineExceededError) as info:
        transport.request("GET", "/slow")
    assert time.monotonic() - started < 2
    message = str(info.value)
    assert "deadline of 1 s exceeded after 1 attempt" in message
    assert "iotcomms:timeoutSeconds" in message
    assert "the last attempt got no response in time" in message
    assert info.value.last_error is None
    assert not isinstance(info.value, TransportError)


def test_deadline_covers_all_retries_and_waits(server: ScriptedServer) -> None:
    now = [1000.0]

    def fake_sleep(seconds: float) -> None:
        now[0] += seconds

    server.default = Reply(503)
    transport = Transport(
        server.url,
        TokenAuth(TOKEN),
        max_retries=1000,
        timeout_seconds=10,
        backoff_base_s=1,
        sleep=fake_sleep,
        clock=lambda: now[0],
    )
    with transport, pytest.raises(DeadlineExceededError) as info:
        transport.request("GET", "/x")
    assert now[0] - 1000 < 10
    assert 2 <= info.value.attempts == len(server.requests) < 1000
    assert isinstance(info.value.last_error, ServerError)
    assert f"after {info.value.attempts} attempts" in str(info.value)


# -- responses -------------------------------------------------------------------------


def test_request_json_variants(server: ScriptedServer, transport: Transport) -> None:
    server.script(Reply(204), Reply(200, body="not json"), Reply(200, json={"success": False, "reason": "x"}))
    assert transport.request_json("DELETE", "/x") == {}
    with pytest.raises(ApiError, match="not valid JSON"):
        transport.request_json("GET", "/x")
    with pytest.raises(ApiError) as info:
        transport.request_json("POST", "/y", json={})
    assert type(info.value) is ApiError
    assert info.value.status == 200
    assert info.value.reason == "x"


def test_request_headers_query_and_bodies(server: ScriptedServer, transport: Transport) -> None:
    transport.request("POST", "/x", params={"a": "1", "skip": None, "n": 2}, json={"k": "ü"})
    transport.request("PUT", "/y", content="<xml/>", content_type="application/xml")
    transport.request("PUT", "/z", content=b"\x00\x01")
    first, second, third = server.requests
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert first.headers["accept"] == "application/json"
    assert first.headers["user-agent"].startswith("pulumi-iotcomms/")
    assert first.headers["content-type"] == "application/json"
    assert first.query == {"a": "1", "n": "2"}
    assert first.body == '{"k":"ü"}'.encode()
    assert (second.headers["content-type"], second.body) == ("application/xml", b"<xml/>")
    assert third.headers["content-type"] == "application/octet-stream"
    with pytest.raises(ValueError, match="either json or content"):
        transport.request("PUT", "/z", json={}, content=b"x")


def test_base_url_with_path_prefix(server: ScriptedServer, make_transport: Callable[..., Transport]) -> None:
    transport = make_transport(server.url + "/api/v1")
    server.script(OK, Reply(200, json={"success": False, "reason": "r"}))
    transport.request("GET", DEVICE, _device())
    assert server.requests[0].path == "/api/v1/provisioning/device/acme.example/dev-1"
    with pytest.raises(ApiError) as info:
        transport.request_json("GET", DEVICE, _device("a b"), params={"q": "secret"})
    assert info.value.path == "/provisioning/device/acme.example/a%20b"


@pytest.mark.parametrize("url", ["ftp://x", "not a url", "http://user:pw@host", "https://h/?key=1", ""])
def test_invalid_base_url(url: str) -> None:
    with pytest.raises(ConfigurationError, match="iotcomms:endpoint"):
        Transport(url, TokenAuth(TOKEN))


# -- connection handling ---------------------------------------------------------------


def test_keep_alive_reuses_one_connection(server: ScriptedServer, transport: Transport) -> None:
    for i in range(20):
        transport.request("GET", DEVICE, _device(f"dev-{i}"))
    assert len(server.requests) == 20
    assert server.connections == 1


def test_post_after_server_closed_idle_connection(
    server: ScriptedServer, transport: Transport, sleeps: list[float]
) -> None:
    # A keep-alive connection the server has silently closed must not be reused:
    # a POST on it would fail ambiguously and could not be retried.
    server.script(Reply(json={"success": True}, close=True))
    transport.request("GET", "/x")
    time.sleep(0.05)  # let the FIN arrive
    transport.request("POST", "/x", json={})
    assert [r.connection for r in server.requests] == [1, 2]
    assert sleeps == []  # not retried


def test_four_threads_share_one_client(
    server: ScriptedServer, transport: Transport, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[httpx.Client] = []
    original = httpx.Client

    def counting_client(*args: Any, **kwargs: Any) -> httpx.Client:
        time.sleep(0.01)  # widen the race window of lazy creation
        client = original(*args, **kwargs)
        created.append(client)
        return client

    monkeypatch.setattr(httpx, "Client", counting_client)
    barrier = threading.Barrier(4)
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        barrier.wait()
        try:
            for i in range(50):
                transport.request_json("GET", DEVICE, _device(f"t{n}-{i}"))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(created) == 1
    assert len(server.requests) == 200
    assert server.connections <= 4


def test_close_and_context_manager(server: ScriptedServer) -> None:
    with Transport(server.url, TokenAuth(TOKEN)) as transport:
        transport.request("GET", "/x")
    with pytest.raises(RuntimeError, match="closed"):
        transport.request("GET", "/x")
    transport.close()  # idempotent


def test_transport_refuses_pickling(transport: Transport) -> None:
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(transport)
    with pytest.raises(TypeError):
        copy.deepcopy(transport)
    assert TOKEN not in repr(transport)


def test_debug_logs_never_contain_secrets(
    server: ScriptedServer, transport: Transport, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="pulumi_iotcomms.transport")
    server.script(Reply(503), OK)
    transport.request("PUT", DEVICE, _device(), json={"password": "hunter2"})
    logging.getLogger("pulumi_iotcomms.transport").debug("echo %s", f"Authorization: Bearer {TOKEN}")
    messages = [record.getMessage() for record in caplog.records]
    assert any("PUT /provisioning/device/acme.example/dev-1 -> 503 (attempt 1" in m for m in messages)
    assert any("-> 200 (attempt 2" in m for m in messages)
    assert all(TOKEN not in m and "hunter2" not in m for m in messages)
