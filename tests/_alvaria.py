"""An emulator serving the Alvaria AutoFacilitate API (its own server, with Alvaria credentials), for the
Alvaria tests: import the fixtures ``alvaria_server`` and ``alvaria`` into a test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pulumi_iotcomms.api.alvaria import EXECUTE_PATH, RESULT_PATH, TOKEN_PATH
from pulumi_iotcomms.emulator import Emulator, EmulatorServer
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient

ORG = "acme-contact"
CLIENT_ID = "pulumi-deployer"
CLIENT_SECRET = "alv-client-secret-5d1e8c"
API_KEY = "alv-api-key-93b7aa"
SERVICE = "ServerName"
SECRETS = (CLIENT_SECRET, API_KEY)


def execute_path(service: str = SERVICE, org: str = ORG) -> str:
    return EXECUTE_PATH.format(orgId=org, vsn=service)


def result_path(uuid: str, service: str = SERVICE, org: str = ORG) -> str:
    return RESULT_PATH.format(orgId=org, vsn=service, triggerUUID=uuid)


class AlvariaClient(EmulatorClient):
    """Raw calls to the Alvaria routes, and the ``/_emulator/alvaria`` control."""

    def access_token(self) -> str:
        resp = self.http.post(
            TOKEN_PATH,
            data={"grant_type": "client_credentials", "scope": "autofacilitateapi"},
            auth=(CLIENT_ID, CLIENT_SECRET),
        )
        assert resp.status_code == 200, resp.text
        return str(resp.json()["access_token"])

    def api(
        self, method: str, path: str, *, token: str | None = None, key: str | None = API_KEY, **kw: Any
    ) -> httpx.Response:
        headers = dict(kw.pop("headers", None) or {})
        if key is not None:
            headers["x-api-key"] = key
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, path, headers=headers, **kw)

    def control(self, **settings: Any) -> dict[str, Any]:
        resp = self.http.put("/_emulator/alvaria", json=settings) if settings else self.http.get("/_emulator/alvaria")
        assert resp.status_code == 200, resp.text
        return dict(resp.json())

    def alvaria_requests(self) -> list[dict[str, Any]]:
        """The logged requests to the Alvaria routes (token endpoint included)."""
        return [r for r in self.requests() if r["path"].startswith(("/via/", "/tokenservice/"))]


@pytest.fixture(scope="session")
def alvaria_server() -> Iterator[EmulatorServer]:
    """An emulator with admin endpoints, one iotcomms tenant and the Alvaria client and API key."""
    emu = Emulator(
        admin=True, tokens=[(DOMAIN, TOKEN)], alvaria_clients=[(CLIENT_ID, CLIENT_SECRET)], alvaria_api_keys=[API_KEY]
    )
    with EmulatorServer(emu) as server:
        yield server


@pytest.fixture
def alvaria(alvaria_server: EmulatorServer) -> Iterator[AlvariaClient]:
    """A client of the Alvaria emulator, reset first; results finish fast (0.2 s) unless a test says otherwise."""
    client = AlvariaClient(alvaria_server.url)
    try:
        client.reset()
        client.control(resultSeconds=0.2)
        yield client
    finally:
        client.close()
