"""Credentials for the iotcomms API: a static bearer token or self-signed RS256 JWTs.

Credential objects deliberately refuse to be pickled or copied: Pulumi pickles
dynamic providers into the state file, and a credential captured by accident
would end up there in clear text.  Create them at runtime from configuration.
"""

from __future__ import annotations

import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from .errors import ConfigurationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["Credentials", "PrivateKeyAuth", "TokenAuth"]

_TOKEN_KEY = "iotcomms:token"
_PRIVATE_KEY_KEY = "iotcomms:privateKey"
# A token is renewed when fewer than this many seconds of validity remain, so
# that one minted just before a slow request cannot expire in flight.
_RENEW_BEFORE_S = 60
_MIN_RSA_BITS = 2048


class Credentials(ABC):
    """Something that can produce an ``Authorization`` header value; never picklable."""

    @abstractmethod
    def authorization_header(self) -> str:
        """Return the full ``Authorization`` header value, e.g. ``"Bearer ..."``."""

    def __reduce__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} holds a secret and cannot be pickled or copied")

    def __getstate__(self) -> NoReturn:
        raise TypeError(f"{type(self).__name__} holds a secret and cannot be pickled or copied")


class TokenAuth(Credentials):
    """A static bearer token.

    Args:
        token: The API token; a leading ``"Bearer "`` and surrounding whitespace are ignored.
    """

    def __init__(self, token: str) -> None:
        if not isinstance(token, str):
            raise ConfigurationError("the API token must be a string", key=_TOKEN_KEY)
        value = token.strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        if not value:
            raise ConfigurationError("the API token is empty", key=_TOKEN_KEY)
        # Whitespace or control characters would corrupt (or inject into) the header.
        if any(ch.isspace() or not ch.isprintable() for ch in value):
            raise ConfigurationError("the API token contains whitespace or control characters", key=_TOKEN_KEY)
        self._header = f"Bearer {value}"

    def authorization_header(self) -> str:
        """Return ``"Bearer <token>"``."""
        return self._header

    def __repr__(self) -> str:
        return "TokenAuth(token=<redacted>)"


class PrivateKeyAuth(Credentials):
    """Short-lived RS256 JWTs signed with a private key, cached and renewed automatically.

    Thread-safe: the provider host calls it from several worker threads.

    Args:
        private_key_pem: Unencrypted PEM-encoded RSA private key (>= 2048 bits).
        domain: Optional iotcomms domain, sent as the ``domain`` claim.
        lifetime_s: Validity of each minted token in seconds; must exceed 60.
        clock: Wall-clock source (epoch seconds); injectable for tests.
    """

    def __init__(
        self,
        private_key_pem: str,
        *,
        domain: str | None = None,
        lifetime_s: int = 300,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if lifetime_s <= _RENEW_BEFORE_S:
            raise ValueError(f"lifetime_s must be greater than {_RENEW_BEFORE_S}, got {lifetime_s}")
        self._key = _load_rsa_key(private_key_pem)
        self._domain = domain
        self._lifetime_s = int(lifetime_s)
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def authorization_header(self) -> str:
        """Return ``"Bearer <jwt>"``, minting a new JWT when the cached one is near expiry."""
        with self._lock:
            now = self._clock()
            if self._token is None or self._expires_at - now < _RENEW_BEFORE_S:
                self._token, self._expires_at = self._mint(now)
            return f"Bearer {self._token}"

    def _mint(self, now: float) -> tuple[str, float]:
        iat = int(now)
        exp = iat + self._lifetime_s
        claims: dict[str, Any] = {"iat": iat, "exp": exp, "jti": uuid.uuid4().hex}
        if self._domain is not None:
            claims["domain"] = self._domain
        import jwt  # only key-based auth needs it; token-only hosts start faster without it

        return jwt.encode(claims, self._key, algorithm="RS256"), float(exp)

    def __repr__(self) -> str:
        return (
            f"PrivateKeyAuth(domain={self._domain!r}, lifetime_s={self._lifetime_s}, "
            f"key=<redacted RSA-{self._key.key_size}>)"
        )


def _load_rsa_key(pem: str) -> rsa.RSAPrivateKey:
    # Imported here so that hosts using a token never load cryptography.
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    if not isinstance(pem, str) or not pem.strip():
        raise ConfigurationError("the private key is empty", key=_PRIVATE_KEY_KEY)
    try:
        key = serialization.load_pem_private_key(pem.strip().encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # `from None`: the parser's exception text is not guaranteed to be free of key material.
        raise ConfigurationError(
            "the private key is not a valid unencrypted PEM private key", key=_PRIVATE_KEY_KEY
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError("the private key must be an RSA key (RS256)", key=_PRIVATE_KEY_KEY)
    if key.key_size < _MIN_RSA_BITS:
        raise ConfigurationError(
            f"the RSA private key is {key.key_size} bits; at least {_MIN_RSA_BITS} are required",
            key=_PRIVATE_KEY_KEY,
        )
    return key
