"""Provider configuration of the provd resources: ``provd:*`` stack config with ``PROVD_*`` environment
fallbacks, and one shared transport per configuration.

Read in ``ResourceProvider.configure`` inside the provider host, never pickled; the password is kept out
of every ``repr`` and only a digest of it keys the transport cache.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pulumi_iotcomms._auth import Credentials, NoAuth, PasswordAuth
from pulumi_iotcomms._transport import Transport, TransportPool
from pulumi_iotcomms.api.provd import MEDIA_TYPE
from pulumi_iotcomms.errors import ConfigurationError
from pulumi_iotcomms.resources._config import config_number

__all__ = ["ProvdSettings", "close_provd_transports", "provd_transport_for"]

_HINTS = {
    401: "check the provd:username and provd:password configuration",
    403: "the provd user is not allowed to do this; check provd:username",
}


class _ConfigLike(Protocol):
    def get(self, key: str) -> Any: ...


@dataclass(frozen=True)
class ProvdSettings:
    """Resolved provd configuration.

    Args:
        endpoint: the provd server's base URL (``provd:endpoint`` / ``PROVD_ENDPOINT``), e.g.
            ``https://xivo.example.com:8667``; the API paths (``/provd/...``) follow it.
        username: HTTP user (``provd:username`` / ``PROVD_USERNAME``); None: no authentication.
        password: its password (``provd:password`` / ``PROVD_PASSWORD``), secret.
        max_retries: retries per request (``provd:maxRetries``, default 4).
        timeout_seconds: deadline per request, retries included (``provd:timeoutSeconds``, default 30).
        operation_timeout_seconds: how long ``up`` waits for an operation in progress (an install, upgrade
            or update of the installable list) to end (``provd:operationTimeoutSeconds``, default 600).
    """

    endpoint: str | None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    max_retries: int = 4
    timeout_seconds: float = 30.0
    operation_timeout_seconds: float = 600.0

    @classmethod
    def load(cls, config: _ConfigLike | None, env: Mapping[str, str] | None = None) -> ProvdSettings:
        """Resolve from stack config (``provd:*``) falling back to ``PROVD_*`` environment variables."""
        env = os.environ if env is None else env

        def get(key: str, var: str) -> str | None:
            value = config.get(f"provd:{key}") if config is not None else None
            value = value if value not in (None, "") else env.get(var)
            return None if value in (None, "") else str(value)

        endpoint = get("endpoint", "PROVD_ENDPOINT")
        return cls(
            endpoint=endpoint.rstrip("/") if endpoint else None,
            username=get("username", "PROVD_USERNAME"),
            password=get("password", "PROVD_PASSWORD"),
            max_retries=int(config_number("provd", get("maxRetries", "PROVD_MAX_RETRIES"), "maxRetries", 4)),
            timeout_seconds=config_number(
                "provd", get("timeoutSeconds", "PROVD_TIMEOUT_SECONDS"), "timeoutSeconds", 30.0
            ),
            operation_timeout_seconds=config_number(
                "provd",
                get("operationTimeoutSeconds", "PROVD_OPERATION_TIMEOUT_SECONDS"),
                "operationTimeoutSeconds",
                600.0,
            ),
        )

    def credentials(self) -> Credentials:
        """Digest/basic credentials of ``username``; none without one. A password without a user (or the
        reverse) is a :class:`ConfigurationError` naming the key to set."""
        if self.username is None and self.password is None:
            return NoAuth()
        if self.username is None:
            raise ConfigurationError("provd:password is set but provd:username is not", key="provd:username")
        if self.password is None:
            raise ConfigurationError(
                "provd:username is set but provd:password is not (pulumi config set --secret provd:password ...)",
                key="provd:password",
            )
        return PasswordAuth(self.username, self.password, config_prefix="provd")

    def cache_key(self) -> tuple[Any, ...]:
        """Identifies configurations that may share one transport (the password only as a digest)."""
        secret = hashlib.sha256(f"{self.username}\0{self.password}".encode()).hexdigest()
        return (self.endpoint, secret, self.max_retries, self.timeout_seconds)  # the wait is not the transport's


_POOL = TransportPool()


def provd_transport_for(settings: ProvdSettings) -> Transport:
    """The process-wide provd transport for ``settings``, created on first use; a missing endpoint is a
    :class:`ConfigurationError` naming ``provd:endpoint``."""
    if not settings.endpoint:
        raise ConfigurationError(
            "no provd endpoint: set provd:endpoint (e.g. https://xivo.example.com:8667) or PROVD_ENDPOINT",
            key="provd:endpoint",
        )
    endpoint = settings.endpoint
    return _POOL.get(
        settings.cache_key(),
        lambda: Transport(
            endpoint,
            settings.credentials(),
            max_retries=settings.max_retries,
            timeout_seconds=settings.timeout_seconds,
            endpoint_key="provd:endpoint",
            error_hints=_HINTS,
            media_type=MEDIA_TYPE,
        ),
    )


def close_provd_transports() -> None:
    """Close every shared provd transport (their keep-alive connections); runs at interpreter exit too."""
    _POOL.close()
