"""One way from a Problem to an answer: API, admin and unrouted requests fail alike."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from pulumi_iotcomms.emulator import Emulator, build_app
from pulumi_iotcomms.emulator._http import Problem
from tests.emulator.samples import DEVICES
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient

VARYING = {"date", "server", "content-length"}


def _headers(resp: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in resp.headers.items() if k not in VARYING}


def test_admin_api_and_unrouted_errors_have_the_same_shape(emulator: EmulatorClient) -> None:
    answers = [
        emulator.call("PUT", DEVICES, json=[]),
        emulator.http.put("/_emulator/faults", json={"nope": 1}),
        emulator.http.put(f"/_emulator/hosts/{DOMAIN}/s1/h1", json={}),
        emulator.http.get("/nowhere"),
    ]
    assert [r.status_code for r in answers] == [400, 400, 404, 404]
    assert all(set(r.json()) == {"success", "reason"} and r.json()["success"] is False for r in answers)
    assert len({tuple(sorted(_headers(r).items())) for r in answers}) == 1, [r.headers for r in answers]


def _fail(*args: Any, **kwargs: Any) -> Any:
    raise Problem(503, "busy: try again", {"Retry-After": "7"})


@pytest.mark.parametrize(
    ("method", "path", "patch"),
    [("GET", DEVICES, "authenticate"), ("POST", "/_emulator/reset", "reset")],
    ids=["api", "admin"],
)
def test_a_problems_headers_reach_the_answer(
    monkeypatch: pytest.MonkeyPatch, method: str, path: str, patch: str
) -> None:
    emu = Emulator(admin=True, tokens=[(DOMAIN, TOKEN)])
    monkeypatch.setattr(emu.auth if patch == "authenticate" else emu, patch, _fail)

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=build_app(emu))
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            return await client.request(method, path, headers={"Authorization": f"Bearer {TOKEN}"})

    resp = asyncio.run(call())
    assert resp.status_code == 503
    assert resp.json() == {"success": False, "reason": "busy: try again"}
    assert resp.headers["retry-after"] == "7"
    assert resp.headers["access-control-allow-origin"] == "*"
