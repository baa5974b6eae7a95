"""Provider configuration: stack config keys with environment fallbacks, and the shared transport.

Read in ``ResourceProvider.configure`` inside the provider host, never pickled. One
:class:`~pulumi_iotcomms._transport.Transport` per distinct configuration per process, shared by every
resource type's provider (so all of them reuse one keep-alive pool and one JWT signer).
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pulumi_iotcomms._auth import Credentials, PrivateKeyAuth, TokenAuth
from pulumi_iotcomms._transport import Transport, TransportPool
from pulumi_iotcomms.api.device import DeviceApi
from pulumi_iotcomms.errors import ConfigurationError, ForbiddenError, UnauthorizedError

__all__ = [
    "CREDENTIALS_PROBE",
    "DEFAULT_REGION",
    "Settings",
    "close_transports",
    "config_number",
    "preflight",
    "transport_for",
]

#: The device id the credential check reads: a read-only, domain-scoped request that returns no
#: tenant data (404 when the credentials are accepted).
CREDENTIALS_PROBE = "pulumi-iotcomms.credentials-check"

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
        skip_credentials_validation: do not verify the credentials with a request during ``check``
            (``iotcomms:skipCredentialsValidation``).
    """

    endpoint: str
    region: str = DEFAULT_REGION
    domain: str | None = None
    token: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)
    max_retries: int = 4
    timeout_seconds: float = 30.0
    skip_credentials_validation: bool = False

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
            skip_credentials_validation=_flag(
                get("skipCredentialsValidation", "IOTCOMMS_SKIP_CREDENTIALS_VALIDATION"), "skipCredentialsValidation"
            ),
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


def _flag(raw: str | None, key: str) -> bool:
    if raw is None:
        return False
    value = raw.strip().lower()
    if value not in ("true", "false"):
        raise ConfigurationError(f"iotcomms:{key} must be true or false, got {raw!r}", key=f"iotcomms:{key}")
    return value == "true"


def config_number(namespace: str, raw: str | None, key: str, default: float) -> float:
    """A numeric config value of another system (``provd``, ``alvaria``): ``default`` when unset; a finite
    number >= 0, above 0 for a ``timeoutSeconds`` or ``...TimeoutSeconds`` key, whole for ``maxRetries``;
    else a :class:`ConfigurationError` naming ``<namespace>:<key>``."""
    if raw is None:
        return default
    name = f"{namespace}:{key}"
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}", key=name) from None
    if not math.isfinite(value) or value < 0 or (key.lower().endswith("timeoutseconds") and value == 0):
        raise ConfigurationError(f"{name} must be a positive number, got {raw!r}", key=name)
    if key == "maxRetries" and not value.is_integer():
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}", key=name)
    return value


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
_POOL = TransportPool()


def transport_for(settings: Settings) -> Transport:
    """The process-wide transport for ``settings``, created on first use."""
    return _POOL.get(
        settings.cache_key(),
        lambda: Transport(
            settings.endpoint,
            settings.credentials(),
            max_retries=settings.max_retries,
            timeout_seconds=settings.timeout_seconds,
        ),
    )


_verified: set[tuple[Any, ...]] = set()


def preflight(settings: Settings, domain: str | None) -> None:
    """Fail early, during a preview, on configuration that ``up`` would fail on.

    The credentials are built (missing ones, an unparsable private key: :class:`ConfigurationError`)
    and, once per process and domain, verified with one read-only request unless
    ``skip_credentials_validation``; rejected credentials raise :class:`ConfigurationError`.
    """
    transport = transport_for(settings)
    if settings.skip_credentials_validation or not domain:
        return
    key = (settings.cache_key(), domain)
    with _lock:
        if key in _verified:
            return
    try:
        DeviceApi(transport).get(domain, CREDENTIALS_PROBE)
    except (UnauthorizedError, ForbiddenError) as exc:
        config_key = "iotcomms:token" if settings.token else "iotcomms:privateKey"
        raise ConfigurationError(
            f"the iotcomms.io credentials were rejected for the domain {domain} ({exc.status}: {exc.reason}); "
            f"check {config_key} and the domain (iotcomms:skipCredentialsValidation=true skips this check)",
            key=config_key,
        ) from None
    with _lock:
        _verified.add(key)


def close_transports() -> None:
    """Close every shared transport (their keep-alive connections); runs at interpreter exit too."""
    _POOL.close()
