"""The tenants of our tests, and the client tests use to talk to the emulator directly (API calls and admin
controls): the testing kit's, with our default tenant."""

from __future__ import annotations

from pulumi_iotcomms import testing

DOMAIN = "acme.example"
TOKEN = "test-token-acme"
OTHER_DOMAIN = "other.example"
OTHER_TOKEN = "test-token-other"


class EmulatorClient(testing.EmulatorClient):
    """The testing kit's client (:class:`pulumi_iotcomms.testing.EmulatorClient`), as ``DOMAIN`` by default."""

    def __init__(self, url: str, token: str = TOKEN, domain: str = DOMAIN) -> None:
        super().__init__(url, token, domain)
