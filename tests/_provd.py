"""An emulator serving the provd API behind HTTP auth (its own server, with a provd user), for the provd
tests: import the fixtures ``provd_server`` and ``provd`` into a test module."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_iotcomms.emulator import Emulator, EmulatorServer
from pulumi_iotcomms.testing.harness import Secret
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient

USER = "provd-admin"
PASSWORD = "provd-pass-7c41e9"
INSTALL = "/provd/pg_mgr/install"
#: A fast pace for operations in progress, so an install takes about 0.1 s.
FAST = 0.02


class ProvdClient(EmulatorClient):
    """Raw (digest-authenticated) calls to the ``/provd`` routes, and the ``/_emulator/provd`` control."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.provd = httpx.Client(base_url=url, auth=httpx.DigestAuth(USER, PASSWORD), timeout=10)

    def get(self, path: str) -> Any:
        resp = self.provd.get(path)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def send(self, method: str, path: str, body: Any = None) -> httpx.Response:
        """A write with the provd media type."""
        headers = {"Content-Type": "application/vnd.proformatique.provd+json"}
        return self.provd.request(method, path, json=body, headers=headers)

    def param(self, param_id: str) -> Any:
        return self.get(f"/provd/configure/{param_id}")["param"]["value"]

    def set_param(self, param_id: str, value: Any) -> None:
        resp = self.send("PUT", f"/provd/configure/{param_id}", {"param": {"value": value}})
        assert resp.status_code == 204, resp.text

    def installed(self) -> dict[str, Any]:
        return dict(self.get(f"{INSTALL}/installed")["pkgs"])

    def installable(self) -> dict[str, Any]:
        return dict(self.get(f"{INSTALL}/installable")["pkgs"])

    def run(self, operation: str, body: Any) -> str:
        """Start an operation, wait until it ends, delete its monitor; its final status."""
        resp = self.send("POST", f"{INSTALL}/{operation}", body)
        assert resp.status_code == 201, resp.text
        monitor = resp.headers["location"]
        for _ in range(500):
            status = str(self.get(monitor)["status"])
            if status.partition("(")[0].partition(";")[0].endswith(("success", "fail")):
                self.provd.delete(monitor)
                return status
            time.sleep(0.01)
        raise AssertionError(f"{monitor} did not end")

    def uninstall(self, package_id: str) -> None:
        resp = self.send("POST", f"{INSTALL}/uninstall", {"id": package_id})
        assert resp.status_code == 204, resp.text

    def control(self, **settings: Any) -> dict[str, Any]:
        resp = self.http.put("/_emulator/provd", json=settings) if settings else self.http.get("/_emulator/provd")
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def snapshot(self) -> tuple[Any, ...]:
        """What "the server" is for the provd resources: installed packages and configuration."""
        state = self.control()
        return sorted(state["installed"]), state["config"]

    def provd_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests() if r["path"].startswith("/provd/")]

    def provd_writes(self) -> list[tuple[str, str, Any]]:
        """``(method, path, body)`` of every logged provd request that is not a GET."""
        return [(r["method"], r["path"], r["body"]) for r in self.provd_requests() if r["method"] != "GET"]

    def close(self) -> None:
        self.provd.close()
        super().close()


def provd_config(provd: ProvdClient, **extra: Any) -> dict[str, Any]:
    """Stack config aimed at the test emulator's provd routes, the password as a secret."""
    return {
        "provd:endpoint": provd.url,
        "provd:username": USER,
        "provd:password": Secret(PASSWORD),
        "provd:maxRetries": "2",
        "provd:timeoutSeconds": "20",
        **extra,
    }


def monitors(provd: ProvdClient) -> list[str]:
    """The monitors not deleted yet."""
    return list(provd.control()["monitors"])


@pytest.fixture(scope="session")
def provd_server() -> Iterator[EmulatorServer]:
    """An emulator with admin endpoints, one iotcomms tenant and a provd user."""
    emu = Emulator(admin=True, tokens=[(DOMAIN, TOKEN)], provd_users=[(USER, PASSWORD)])
    with EmulatorServer(emu) as server:
        yield server


@pytest.fixture
def provd(provd_server: EmulatorServer) -> Iterator[ProvdClient]:
    """A client of the provd emulator, reset first; operations in progress run fast unless a test says otherwise."""
    client = ProvdClient(provd_server.url)
    try:
        client.reset()
        client.control(stepSeconds=FAST)
        yield client
    finally:
        client.close()
