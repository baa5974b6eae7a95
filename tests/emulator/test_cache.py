"""Cache: ``/cache/{domain}/ivrfallback`` (configuration with expiry) and ``/siprecfallback`` (status)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pulumi_iotcomms.api.cache import EXPIRATION_PERIODS
from tests.emulator.samples import IVR, IVR_FALLBACK_SAMPLE, SIPREC
from tests.emulator_client import OTHER_DOMAIN, OTHER_TOKEN, EmulatorClient

SAMPLE = {k: v for k, v in IVR_FALLBACK_SAMPLE.items() if k != "expiration"}
"""The docs' sample without its expiration, so the documented default applies."""


@pytest.mark.parametrize("expiration", [None, *EXPIRATION_PERIODS])
def test_ivr_fallback_expires_after_each_period(emulator: EmulatorClient, expiration: str | None) -> None:
    body = SAMPLE if expiration is None else {**SAMPLE, "expiration": expiration}
    assert emulator.ok("PUT", f"{IVR}/4612345", json=body) == {"success": True}
    got = emulator.ok("GET", f"{IVR}/4612345")
    assert set(got) == {"data", "success"}
    assert got["data"] == {**SAMPLE, "ttl": got["data"]["ttl"]}
    days = EXPIRATION_PERIODS[expiration or "HALF-YEAR"]  # HALF-YEAR is the documented default
    assert abs(got["data"]["ttl"] - (time.time() + days * 86400)) < 5


def test_ivr_fallback_with_a_null_expiration_takes_the_default(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", f"{IVR}/1", json={**SAMPLE, "expiration": None})
    got = emulator.ok("GET", f"{IVR}/1")["data"]
    assert abs(got["ttl"] - (time.time() + EXPIRATION_PERIODS["HALF-YEAR"] * 86400)) < 5
    assert emulator.ok("GET", IVR) == {"data": ["1"], "success": True}


def test_ivr_fallback_with_a_unix_timestamp(emulator: EmulatorClient) -> None:
    at = int(time.time()) + 3600
    emulator.ok("PUT", f"{IVR}/1", json={**SAMPLE, "expiration": at})
    assert emulator.ok("GET", f"{IVR}/1")["data"]["ttl"] == at


def test_expired_fallback_is_gone(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", f"{IVR}/1", json={**SAMPLE, "expiration": int(time.time()) - 1})
    emulator.ok("PUT", f"{IVR}/2", json=SAMPLE)
    assert emulator.ok("GET", IVR) == {"data": ["2"], "success": True}
    emulator.fail("GET", f"{IVR}/1", 404, "number")


def test_the_admin_clock_ages_entries_without_waiting(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", f"{IVR}/1", json={**SAMPLE, "expiration": "DAY"})
    emulator.ok("PUT", f"{IVR}/2", json={**SAMPLE, "expiration": "WEEK"})
    ttl = emulator.ok("GET", f"{IVR}/2")["data"]["ttl"]
    now = emulator.set_clock_offset(2 * 86400)
    assert abs(now - (time.time() + 2 * 86400)) < 5
    assert emulator.ok("GET", IVR)["data"] == ["2"]
    emulator.fail("GET", f"{IVR}/1", 404, "number")
    assert emulator.ok("GET", f"{IVR}/2")["data"]["ttl"] == ttl
    emulator.ok("PUT", f"{IVR}/3", json={**SAMPLE, "expiration": "DAY"})  # a period runs from the shifted now
    assert abs(emulator.ok("GET", f"{IVR}/3")["data"]["ttl"] - (now + 86400)) < 5
    assert emulator.call("GET", IVR).status_code == 200  # tokens keep the wall clock
    emulator.reset()
    assert emulator.http.get("/_emulator/clock").json()["offsetSeconds"] == 0


@pytest.mark.parametrize("body", [{}, {"offsetSeconds": "1"}, {"offsetSeconds": True}, {"offset": 1}, [1]])
def test_the_admin_clock_refuses_anything_but_seconds(emulator: EmulatorClient, body: Any) -> None:
    resp = emulator.http.put("/_emulator/clock", json=body)
    assert resp.status_code == 400
    assert resp.json()["reason"].startswith("offsetSeconds:")


def test_a_ttl_sent_by_a_client_is_ignored(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", f"{IVR}/1", json={**SAMPLE, "expiration": 4_102_444_800, "ttl": 5})
    assert emulator.ok("GET", f"{IVR}/1")["data"]["ttl"] == 4_102_444_800


def test_list_put_overwrite_and_delete(emulator: EmulatorClient) -> None:
    assert emulator.ok("GET", IVR) == {"data": [], "success": True}
    for number in ("200", "100"):
        emulator.ok("PUT", f"{IVR}/{number}", json=SAMPLE)
    emulator.ok("PUT", f"{IVR}/100", json={"mode": "always"})
    assert emulator.ok("GET", f"{IVR}/100")["data"]["mode"] == "always"
    assert emulator.ok("GET", IVR)["data"] == ["100", "200"]
    assert emulator.ok("GET", f"/cache/{OTHER_DOMAIN}/ivrfallback", token=OTHER_TOKEN)["data"] == []
    assert emulator.ok("DELETE", f"{IVR}/100") == {"success": True}
    emulator.fail("DELETE", f"{IVR}/100", 404, "number")
    assert emulator.ok("GET", IVR)["data"] == ["200"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"mode": "never"}, "mode"),
        ({"expiration": "FORTNIGHT"}, "expiration"),
        ({"expiration": -1}, "expiration"),
        ({"expiration": 1.5}, "expiration"),
        ({"command": "hangup"}, "command"),
        ({"command": {"action": {"maxRingTime": "10"}}}, "command.action.maxRingTime"),
        ({"command": {"phrases": {}}}, "command.phrases"),
        ([SAMPLE], "(body)"),
    ],
)
def test_ivr_fallback_is_validated(emulator: EmulatorClient, body: Any, field: str) -> None:
    emulator.fail("PUT", f"{IVR}/1", 400, field, json=body)
    assert emulator.ok("GET", IVR)["data"] == []


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("PUT", SAMPLE), ("DELETE", None)])
def test_number_is_at_most_64_characters(emulator: EmulatorClient, method: str, body: Any) -> None:
    emulator.fail(method, f"{IVR}/{'9' * 65}", 400, "number", json=body)


def test_siprec_fallback_status_and_delete(emulator: EmulatorClient) -> None:
    assert emulator.ok("GET", f"{SIPREC}/4612345") == {"inCache": False}
    emulator.seed_siprec("4612345")
    assert emulator.ok("GET", f"{SIPREC}/4612345") == {"inCache": True}
    assert emulator.ok("GET", f"/cache/{OTHER_DOMAIN}/siprecfallback/4612345", token=OTHER_TOKEN) == {"inCache": False}
    assert emulator.ok("DELETE", f"{SIPREC}/4612345") == {"deleted": True}
    assert emulator.ok("DELETE", f"{SIPREC}/4612345") == {"deleted": False}
    assert emulator.ok("GET", f"{SIPREC}/4612345") == {"inCache": False}
