"""Alvaria provider configuration: ``alvaria:*`` stack config with ``ALVARIA_*`` environment fallbacks, and
the shared transport (the patterns of :mod:`._config`).

Read in ``configure`` inside the provider host, never pickled; one transport (and so one cached OAuth2
token) per distinct configuration per process.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pulumi_iotcomms._transport import TransportPool
from pulumi_iotcomms.api.alvaria import AutoFacilitateApi, alvaria_transport, default_endpoint, default_token_url
from pulumi_iotcomms.errors import ConfigurationError
from pulumi_iotcomms.resources._config import config_number

__all__ = ["AlvariaSettings", "api_for", "close_transports"]

#: An organization id is a DNS label: it names the default endpoint's host.
_ORG_ID = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
_REGION = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class _ConfigLike(Protocol):
    def get(self, key: str) -> Any: ...


_VARS = {
    "orgId": "ALVARIA_ORG_ID",
    "region": "ALVARIA_REGION",
    "endpoint": "ALVARIA_ENDPOINT",
    "tokenUrl": "ALVARIA_TOKEN_URL",
    "clientId": "ALVARIA_CLIENT_ID",
    "clientSecret": "ALVARIA_CLIENT_SECRET",
    "apiKey": "ALVARIA_API_KEY",
    "maxRetries": "ALVARIA_MAX_RETRIES",
    "timeoutSeconds": "ALVARIA_TIMEOUT_SECONDS",
}


@dataclass(frozen=True)
class AlvariaSettings:
    """Resolved Alvaria configuration; :meth:`api` fails with :class:`ConfigurationError` naming the key to set.

    Args:
        org_id: the customer organization (``alvaria:orgId`` / ``ALVARIA_ORG_ID``).
        region: the region of the token endpoint (``alvaria:region`` / ``ALVARIA_REGION``).
        endpoint: API base URL (``alvaria:endpoint``); default ``https://<orgId>.via.aspect-cloud.net``.
        token_url: OAuth2 token endpoint (``alvaria:tokenUrl``); default built from the region.
        client_id: OAuth2 client id (``alvaria:clientId``).
        client_secret: OAuth2 client secret (``alvaria:clientSecret``), secret.
        api_key: the ``x-api-key`` value (``alvaria:apiKey``), secret.
        max_retries: retries per request (``alvaria:maxRetries``, default 4).
        timeout_seconds: deadline per request, retries included (``alvaria:timeoutSeconds``, default 30).
    """

    org_id: str | None = None
    region: str | None = None
    endpoint: str | None = None
    token_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    max_retries: int = 4
    timeout_seconds: float = 30.0

    @classmethod
    def load(cls, config: _ConfigLike | None, env: Mapping[str, str] | None = None) -> AlvariaSettings:
        """Resolve from stack config (``alvaria:*``), falling back to ``ALVARIA_*`` environment variables."""
        env = os.environ if env is None else env

        def get(key: str) -> str | None:
            value = config.get(f"alvaria:{key}") if config is not None else None
            value = value if value not in (None, "") else env.get(_VARS[key])
            return None if value in (None, "") else str(value).strip()

        return cls(
            org_id=get("orgId"),
            region=get("region"),
            endpoint=get("endpoint"),
            token_url=get("tokenUrl"),
            client_id=get("clientId"),
            client_secret=get("clientSecret"),
            api_key=get("apiKey"),
            max_retries=int(config_number("alvaria", get("maxRetries"), "maxRetries", 4)),
            timeout_seconds=config_number("alvaria", get("timeoutSeconds"), "timeoutSeconds", 30.0),
        )

    def resolved_endpoint(self) -> str:
        """The API base URL: ``alvaria:endpoint``, else the documented one of the organization."""
        org = self.require("orgId", self.org_id, "the customer organization the services run in")
        if not _ORG_ID.fullmatch(org):
            raise ConfigurationError(
                f"alvaria:orgId {org!r} must be 1-63 letters, digits or '-' (it names the API host)",
                key="alvaria:orgId",
            )
        return (self.endpoint or default_endpoint(org)).rstrip("/")

    def resolved_token_url(self) -> str:
        """The token endpoint: ``alvaria:tokenUrl``, else the documented one of ``alvaria:region``."""
        if self.token_url:
            return self.token_url
        if not self.region:
            raise ConfigurationError(
                "no Alvaria token endpoint: set alvaria:region (the token endpoint is then "
                "https://myaspect.<region>.id.aspect-cloud.net/tokenservice/oauth2/access_token) or alvaria:tokenUrl, "
                "or the ALVARIA_REGION / ALVARIA_TOKEN_URL environment variable",
                key="alvaria:region",
            )
        if not _REGION.fullmatch(self.region):
            raise ConfigurationError(
                f"alvaria:region {self.region!r} must be lower-case letters, digits and '-' (it names a host)",
                key="alvaria:region",
            )
        return default_token_url(self.region)

    def require(self, key: str, value: str | None, what: str, *, secret: bool = False) -> str:
        """``value``, or :class:`ConfigurationError` saying how to set ``alvaria:<key>``."""
        if value:
            return value
        flag = "--secret " if secret else ""
        raise ConfigurationError(
            f"alvaria:{key} is not set ({what}): pulumi config set {flag}alvaria:{key} ..., or the {_VARS[key]} "
            "environment variable",
            key=f"alvaria:{key}",
        )

    def cache_key(self) -> tuple[Any, ...]:
        """Identifies configurations that may share one transport (secrets only as a digest)."""
        digest = hashlib.sha256(f"{self.client_id}\0{self.client_secret}\0{self.api_key}".encode()).hexdigest()
        return (self.org_id, self.endpoint, self.region, self.token_url, digest, self.max_retries, self.timeout_seconds)

    def validate(self) -> None:
        """Every setting the API needs, checked without a request (what ``check`` runs during a preview)."""
        self.resolved_endpoint()
        self.resolved_token_url()
        self.require("clientId", self.client_id, "the OAuth2 client id")
        self.require("clientSecret", self.client_secret, "the OAuth2 client secret", secret=True)
        self.require("apiKey", self.api_key, "the x-api-key value Alvaria provided", secret=True)


_POOL = TransportPool()


def api_for(settings: AlvariaSettings) -> AutoFacilitateApi:
    """The AutoFacilitate operations of the configured organization, on the process-wide transport."""
    settings.validate()
    transport = _POOL.get(
        settings.cache_key(),
        lambda: alvaria_transport(
            settings.resolved_endpoint(),
            settings.resolved_token_url(),
            settings.client_id or "",  # validate() made sure of all three
            settings.client_secret or "",
            settings.api_key or "",
            max_retries=settings.max_retries,
            timeout_seconds=settings.timeout_seconds,
        ),
    )
    assert settings.org_id is not None
    return AutoFacilitateApi(transport, settings.org_id)


def close_transports() -> None:
    """Close every shared Alvaria transport; runs at interpreter exit too."""
    _POOL.close()
