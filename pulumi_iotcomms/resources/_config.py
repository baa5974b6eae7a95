"""Provider configuration: stack config keys with environment fallbacks, and the shared transport.

Read in ``ResourceProvider.configure`` inside the provider host, never pickled. One
:class:`~pulumi_iotcomms._transport.Transport` per distinct configuration per process, shared by every
resource type's provider (so all of them reuse one keep-alive pool and one JWT signer).
"""

from __future__ import annotations

import atexit
import hashlib
import math
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pulumi_iotcomms._auth import Credentials, PrivateKeyAuth, TokenAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.errors import ConfigurationError

__all__ = ["DEFAULT_REGION", "Settings", "close_transports", "transport_for"]

DEFAULT_REGION = "prod-eu-north-1"


class _ConfigLike(Protocol):
    def get(self, key: str) -> Any: ...


@dataclass(frozen=True)
class Settings:
    """Resolved provider configuration.

    Args:
        endpoint: API base URL (``iotcomms:endpoint`` / ``IOTCOMMS_ENDPOINT``).
        region: platform region (``iotcomms:region`` / ``IOTCOMMS_REGION``).
        domain: default tenant domain (``iotcomms:domain`` / ``IOTCOMMS_DOMAIN``).
        token: bearer token (``iotcomms:token`` / ``IOTCOMMS_TOKEN``), secret.
        private_key: RS256 private key PEM (``iotcomms:privateKey`` / ``IOTCOMMS_PRIVATE_KEY``), secret.
        max_retries: retries per request (``iotcomms:maxRetries``).
        timeout_seconds: total deadline per operation (``iotcomms:timeoutSeconds``).
    """

    endpoint: str
    region: str = DEFAULT_REGION
    domain: str | None = None
    token: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    max_retries: int = 4
    timeout_seconds: float = 30.0

    @classmethod
    def load(cls, config: _ConfigLike | None, env: Mapping[str, str] | None = None) -> Settings:
        """Resolve from stack config (``iotcomms:*``) falling back to ``IOTCOMMS_*`` environment variables."""
        env = os.environ if env is None else env

        def get(key: str, var: str) -> str | None:
            value = config.get(f"iotcomms:{key}") if config is not None else None
            value = value if value not in (None, "") else env.get(var)
            return None if value in (None, "") else str(value)

        region = get("region", "IOTCOMMS_REGION") or DEFAULT_REGION
        endpoint = get("endpoint", "IOTCOMMS_ENDPOINT") or f"https://api.{region}.iotcomms.io"
        return cls(
            endpoint=endpoint.rstrip("/"),
            region=region,
            domain=get("domain", "IOTCOMMS_DOMAIN"),
            token=get("token", "IOTCOMMS_TOKEN"),
            private_key=get("privateKey", "IOTCOMMS_PRIVATE_KEY"),
            max_retries=_number(get("maxRetries", "IOTCOMMS_MAX_RETRIES"), "maxRetries", int, 4),
            timeout_seconds=_number(get("timeoutSeconds", "IOTCOMMS_TIMEOUT_SECONDS"), "timeoutSeconds", float, 30.0),
        )

    def credentials(self) -> Credentials:
        """The configured credentials; :class:`ConfigurationError` naming the key to set when none are."""
        if self.token:
            return TokenAuth(self.token)
        if self.private_key:
            return PrivateKeyAuth(self.private_key, domain=self.domain)
        raise ConfigurationError(
            "no iotcomms.io credentials: set iotcomms:token (pulumi config set --secret iotcomms:token ...) "
            "or iotcomms:privateKey, or the IOTCOMMS_TOKEN / IOTCOMMS_PRIVATE_KEY environment variable",
            key="iotcomms:token",
        )

    def cache_key(self) -> tuple[Any, ...]:
        """Identifies configurations that may share one transport (credentials only as a digest)."""
        secret = hashlib.sha256(f"{self.token}\0{self.private_key}".encode()).hexdigest()
        return (self.endpoint, self.domain, secret, self.max_retries, self.timeout_seconds)


def _number(raw: str | None, key: str, kind: type[Any], default: Any) -> Any:
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigurationError(f"iotcomms:{key} must be a number, got {raw!r}", key=f"iotcomms:{key}") from None
    if not math.isfinite(value):
        raise ConfigurationError(f"iotcomms:{key} must be a finite number, got {raw!r}", key=f"iotcomms:{key}")
    if value < 0 or (key == "timeoutSeconds" and value == 0):
        raise ConfigurationError(f"iotcomms:{key} must be positive", key=f"iotcomms:{key}")
    return value


_lock = threading.Lock()
_transports: dict[tuple[Any, ...], Transport] = {}


def transport_for(settings: Settings) -> Transport:
    """The process-wide transport for ``settings``, created on first use."""
    key = settings.cache_key()
    with _lock:
        transport = _transports.get(key)
        if transport is None:
            transport = _transports[key] = Transport(
                settings.endpoint,
                settings.credentials(),
                max_retries=settings.max_retries,
                timeout_seconds=settings.timeout_seconds,
            )
        return transport


def close_transports() -> None:
    """Close every shared transport (their keep-alive connections); runs at interpreter exit."""
    with _lock:
        transports = list(_transports.values())
        _transports.clear()
    for transport in transports:
        transport.close()


atexit.register(close_transports)
