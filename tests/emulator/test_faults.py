"""Seeded fault injection (``PUT /_emulator/faults``): errors, 429, drops, apply-then-fail, latency."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.emulator.samples import DEVICES
from tests.emulator_client import DOMAIN, EmulatorClient

DEVICE = {"deviceId": "d1", "authType": "deviceid"}


def outcome(client: EmulatorClient, method: str = "GET", path: str = DEVICES, **kw: Any) -> int | str:
    """The status of one request, or ``"drop"`` when the connection closed without an answer."""
    try:
        return client.call(method, path, **kw).status_code
    except httpx.TransportError:
        return "drop"


def test_errors_use_the_configured_statuses_and_the_error_body(emulator: EmulatorClient) -> None:
    emulator.faults(error_rate=1, error_statuses=[500, 503])
    answers = [emulator.call("GET", DEVICES) for _ in range(30)]
    assert {r.status_code for r in answers} == {500, 503}
    assert all(r.json()["success"] is False for r in answers)
    emulator.faults(error_rate=1, error_statuses=[504])
    assert "injected" in emulator.fail("PUT", DEVICES, 504, json=DEVICE)
    assert emulator.objects() == {}


def test_rate_limit_answers_429_with_retry_after(emulator: EmulatorClient) -> None:
    emulator.faults(rate_limit_rate=1, retry_after_s=2)
    resp = emulator.call("GET", DEVICES)
    assert (resp.status_code, resp.headers["retry-after"], resp.json()["success"]) == (429, "2", False)
    emulator.faults(rate_limit_rate=1, retry_after_s=0.5)
    assert emulator.call("GET", DEVICES).headers["retry-after"] == "0.5"


@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_dropped_connection_raises_a_transport_error(emulator: EmulatorClient, method: str) -> None:
    emulator.faults(drop_rate=1)
    with pytest.raises(httpx.TransportError):
        emulator.call(method, DEVICES, json=DEVICE)
    emulator.faults()
    assert emulator.ok("GET", DEVICES)["success"] is True  # the client reconnects
    assert [(r["status"], r["fault"]) for r in emulator.requests()] == [(0, "drop"), (200, None)]


def test_apply_then_fail_stores_the_write_but_answers_502(emulator: EmulatorClient) -> None:
    emulator.faults(apply_then_fail_rate=1)
    emulator.fail("PUT", DEVICES, 502, json=DEVICE)
    emulator.fail("PATCH", f"{DEVICES}/d1", 502, json=[{"op": "add", "path": "/description", "value": "x"}])
    assert emulator.ok("GET", f"{DEVICES}/d1")["description"] == "x"  # reads are not affected
    log = emulator.requests()
    assert [(r["method"], r["status"], r.get("applied_status")) for r in log] == [
        ("PUT", 502, 200),
        ("PATCH", 502, 200),
        ("GET", 200, None),
    ]
    emulator.faults()
    assert emulator.objects()["acme.example"]["device"]["d1"]["description"] == "x"


def test_latency_delays_answers(emulator: EmulatorClient) -> None:
    emulator.faults(latency_ms=150)
    start = time.perf_counter()
    emulator.ok("GET", DEVICES)
    assert time.perf_counter() - start >= 0.15
    emulator.faults(latency_ms=150, latency_rate=0)
    start = time.perf_counter()
    emulator.ok("GET", DEVICES)
    assert time.perf_counter() - start < 0.15


MIXED = {
    "error_rate": 0.2,
    "error_statuses": [503],
    "rate_limit_rate": 0.2,
    "drop_rate": 0.15,
    "apply_then_fail_rate": 0.2,
}


def _sequence(client: EmulatorClient, seed: int) -> tuple[list[int | str], dict[str, int]]:
    """Outcomes of 40 mixed requests, then of 5 GETs after reseeding; and what was injected in the 40."""
    client.reset()
    client.faults(seed=seed, **MIXED)
    out = [outcome(client, "PUT" if i % 2 else "GET", DEVICES, json={**DEVICE, "deviceId": f"d{i}"}) for i in range(40)]
    injected = dict(client.http.get("/_emulator/faults").json()["injected"])
    client.faults(seed=seed, **MIXED)  # reseeded: the same draws again from here
    return out + [outcome(client) for _ in range(5)], injected


def test_same_seed_gives_the_same_faults(emulator: EmulatorClient) -> None:
    first, injected = _sequence(emulator, 7)
    assert _sequence(emulator, 7) == (first, injected)
    assert {200, 429, 502, 503, "drop"} <= set(first)
    assert (injected["drop"], injected["rate_limit"], injected["error"]) == (
        first[:40].count("drop"),
        first[:40].count(429),
        first[:40].count(503),
    )
    # Reseeding replays the draws; GETs are not subject to apply-then-fail.
    assert first[40:] == [200 if o == 502 else o for o in first[:5]]
    assert _sequence(emulator, 8)[0] != first


def test_faults_never_apply_to_admin_or_preflight(emulator: EmulatorClient) -> None:
    emulator.faults(error_rate=1)
    assert emulator.http.options(DEVICES).status_code == 200
    assert emulator.objects() == {}
    assert emulator.faults(error_rate=1)["config"]["error_rate"] == 1
    emulator.reset()
    assert emulator.ok("GET", DEVICES)["success"] is True  # reset cleared the faults


@pytest.mark.parametrize(
    ("config", "field"),
    [
        ({"error_rate": 1.5}, "error_rate"),
        ({"error_rate": 0.6, "drop_rate": 0.6}, "error_rate"),
        ({"error_statuses": [404]}, "error_statuses"),
        ({"error_statuses": []}, "error_statuses"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"flakiness": 1}, "flakiness"),
    ],
)
def test_bad_fault_configuration_is_400(emulator: EmulatorClient, config: dict[str, Any], field: str) -> None:
    resp = emulator.http.put("/_emulator/faults", json=config)
    assert resp.status_code == 400, resp.text
    assert resp.json()["reason"].startswith(f"{field}:"), resp.text


def test_faults_can_be_limited_to_methods_and_skip_the_first_requests(emulator: EmulatorClient) -> None:
    emulator.faults(seed=3, error_rate=1.0, error_statuses=[503], methods=["GET"], skip=1)
    url = f"/provisioning/device/{DOMAIN}/x"
    assert emulator.call("GET", url).status_code == 404  # skipped
    assert emulator.call("GET", url).status_code == 503
    assert emulator.call("DELETE", url).status_code == 404  # not a faulted method
    assert emulator.http.get("/_emulator/faults").json()["injected"] == {"error": 1}


@pytest.mark.parametrize(("body", "field"), [({"methods": "GET"}, "methods"), ({"skip": -1}, "skip")])
def test_fault_method_and_skip_settings_are_validated(
    emulator: EmulatorClient, body: dict[str, Any], field: str
) -> None:
    resp = emulator.http.put("/_emulator/faults", json=body)
    assert resp.status_code == 400
    assert field in resp.text
