"""Credentials for the iotcomms API: a static bearer token or self-signed RS256 JWTs.

Credential objects deliberately refuse to be pickled or copied: Pulumi pickles
dynamic providers into the state file, and a credential captured by accident
would end up there in clear text.  Create them at runtime from configuration.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlencode, urlsplit

from .errors import ConfigurationError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import rsa

__all__ = ["Credentials", "NoAuth", "OAuth2ClientCredentials", "PasswordAuth", "PrivateKeyAuth", "TokenAuth"]

_TOKEN_KEY = "iotcomms:token"
_PRIVATE_KEY_KEY = "iotcomms:privateKey"
# A token is renewed when fewer than this many seconds of validity remain, so
# that one minted just before a slow request cannot expire in flight.
_RENEW_BEFORE_S = 60
_MIN_RSA_BITS = 2048
# An OAuth2 token answer without expires_in (RFC 6749 only recommends it) is trusted this long.
_DEFAULT_TOKEN_LIFETIME_S = 300


class Credentials(ABC):
    """Something that can produce an ``Authorization`` header value; never picklable."""

    @abstractmethod
    def authorization_header(self) -> str:
        """Return the full ``Authorization`` header value, e.g. ``"Bearer ..."``."""

    def refresh_after_rejection(self, header: str) -> bool:
        """The server answered 401 to ``header``: drop it if cached and say whether a new one may succeed.

        The transport then sends the request once more with a fresh header (a 401 was not applied, so
        that is safe for any method). Static credentials have nothing to refresh.
        """
        del header
        return False

    def close(self) -> None:  # noqa: B027 -- optional: most credentials hold nothing open
        """Release what the credentials hold open (a token endpoint's connections); the transport using
        them calls it when it closes."""

    def header_for(self, method: str, target: str) -> str | None:
        """The ``Authorization`` header for one request (``target``: its path and query as sent), or None
        to send none; by default :meth:`authorization_header`, whatever the request."""
        del method, target
        return self.authorization_header()

    def answer_challenge(self, challenge: str) -> bool:
        """The server answered 401 with ``WWW-Authenticate: challenge``: learn from it and say whether
        the request is worth sending once more (HTTP digest and basic auth learn their scheme, realm and
        nonce this way). Credentials that do not take challenges ignore it."""
        del challenge
        return False

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


class _ClientSecretBasic(Credentials):
    """HTTP Basic client authentication at an OAuth2 token endpoint (RFC 6749 section 2.3.1)."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        from urllib.parse import quote

        # RFC 6749 2.3.1: each part is form-urlencoded before the Basic encoding.
        raw = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()
        self._header = "Basic " + base64.b64encode(raw).decode("ascii")

    def authorization_header(self) -> str:
        return self._header

    def __repr__(self) -> str:
        return "_ClientSecretBasic(<redacted>)"


class OAuth2ClientCredentials(Credentials):
    """Bearer tokens from an OAuth2 token endpoint (client-credentials grant, RFC 6749 section 4.4).

    A token is cached until shortly before its ``expires_in`` runs out, and fetched again when the API
    rejects it (:meth:`refresh_after_rejection`). The token request goes through its own
    :class:`~pulumi_iotcomms._transport.Transport` (retries, deadline, typed errors), the client
    authenticating with HTTP Basic. Thread-safe: one token request at a time.

    Args:
        token_url: The token endpoint, e.g. ``https://id.example.com/oauth2/access_token``.
        client_id: The OAuth2 client id.
        client_secret: The OAuth2 client secret.
        scope: The scope to request (space-separated), or None for the client's default.
        config_prefix: The configuration namespace named in errors (``<prefix>:clientSecret``, ...).
        max_retries: Retries of a token request.
        timeout_seconds: Deadline of one token request, retries included.
        clock: Wall-clock source (epoch seconds); injectable for tests.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scope: str | None = None,
        config_prefix: str = "oauth2",
        max_retries: int = 2,
        timeout_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        from ._transport import Transport  # the transport imports this module

        for name, value in (("clientId", client_id), ("clientSecret", client_secret)):
            if not isinstance(value, str) or not value.strip():
                raise ConfigurationError(f"the OAuth2 {name} is empty", key=f"{config_prefix}:{name}")
            if any(not ch.isprintable() for ch in value):
                raise ConfigurationError(
                    f"the OAuth2 {name} contains control characters", key=f"{config_prefix}:{name}"
                )
        parts = urlsplit(token_url) if isinstance(token_url, str) else None
        if parts is None or not parts.path.strip("/") or parts.query or parts.fragment or "{" in parts.path:
            raise ConfigurationError(
                f"invalid OAuth2 token URL {token_url!r}: expected https://host/path", key=f"{config_prefix}:tokenUrl"
            )
        base = f"{parts.scheme}://{parts.netloc}"
        self._path = parts.path
        self._client_id = client_id
        self._scope = scope
        self._prefix = config_prefix
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0
        self._transport = Transport(
            base,
            _ClientSecretBasic(client_id, client_secret),
            max_retries=max_retries,
            timeout_seconds=timeout_seconds,
            endpoint_key=f"{config_prefix}:tokenUrl",
            timeout_key=f"{config_prefix}:timeoutSeconds",
            error_hints={
                401: f"the token endpoint refused the client: check {config_prefix}:clientId and "
                f"{config_prefix}:clientSecret",
                403: f"the token endpoint refused the client: check {config_prefix}:clientId and "
                f"{config_prefix}:clientSecret",
            },
        )

    def authorization_header(self) -> str:
        """Return ``"Bearer <access token>"``, fetching a token when none is cached or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._token, self._renew_at = self._fetch()
            return f"Bearer {self._token}"

    def refresh_after_rejection(self, header: str) -> bool:
        """Forget the rejected token (unless another thread already replaced it); a new one may succeed."""
        with self._lock:
            if self._token is not None and header == f"Bearer {self._token}":
                self._token = None
        return True

    def _fetch(self) -> tuple[str, float]:
        from .errors import error_for_malformed_body

        form = {"grant_type": "client_credentials", **({"scope": self._scope} if self._scope else {})}
        started = self._clock()
        body = self._transport.request_json(
            "POST",
            self._path,
            content=urlencode(form),
            content_type="application/x-www-form-urlencoded",
        )
        token = body.get("access_token") if isinstance(body, dict) else None
        kind = body.get("token_type", "Bearer") if isinstance(body, dict) else None
        lifetime = body.get("expires_in", _DEFAULT_TOKEN_LIFETIME_S) if isinstance(body, dict) else None
        if (
            not isinstance(token, str)
            or not token
            or any(ch.isspace() or not ch.isprintable() for ch in token)
            or not isinstance(kind, str)
            or kind.lower() != "bearer"
            or isinstance(lifetime, bool)
            or not isinstance(lifetime, int | float)
            or lifetime <= 0
        ):
            problem = (
                "the token endpoint's answer is not an OAuth2 bearer token "
                "(access_token, token_type Bearer, expires_in > 0)"
            )
            raise error_for_malformed_body("POST", self._path, 200, problem)
        # Renew a little before the end, so that a token fetched just before a slow request cannot
        # expire in flight; a tenth of the lifetime for short-lived tokens.
        return token, started + lifetime - min(_RENEW_BEFORE_S, lifetime / 10)

    def close(self) -> None:
        """Close the token endpoint's connection pool."""
        self._transport.close()

    def __repr__(self) -> str:
        return (
            f"OAuth2ClientCredentials(client_id={self._client_id!r}, scope={self._scope!r}, client_secret=<redacted>)"
        )


class NoAuth(Credentials):
    """No credentials: requests carry no ``Authorization`` header (a server that requires none)."""

    def authorization_header(self) -> str:
        """Return ``""``: there is nothing to send."""
        return ""

    def header_for(self, method: str, target: str) -> str | None:
        """Return None: no header."""
        del method, target
        return None

    def __repr__(self) -> str:
        return "NoAuth()"


_CHALLENGE_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))')
_DIGEST_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


class PasswordAuth(Credentials):
    """A user name and password sent by HTTP digest (RFC 7616, ``qop=auth``, MD5 or SHA-256) or basic
    auth (RFC 7617), whichever the server's 401 ``WWW-Authenticate`` asks for (digest when it offers
    both). The first request goes without credentials; the challenge it gets back picks the scheme,
    and later requests answer it directly (digest: the same nonce, counting up, until the server calls
    it stale). Thread-safe.

    Args:
        username: The user name (no ``:`` or control characters).
        password: The password.
        config_prefix: The configuration namespace named in errors (``<prefix>:username``, ...).
    """

    def __init__(self, username: str, password: str, *, config_prefix: str = "http") -> None:
        for name, value in (("username", username), ("password", password)):
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"the {name} is empty", key=f"{config_prefix}:{name}")
            if any(not ch.isprintable() for ch in value):
                raise ConfigurationError(f"the {name} contains control characters", key=f"{config_prefix}:{name}")
        if ":" in username:
            raise ConfigurationError("the username must not contain ':'", key=f"{config_prefix}:username")
        self._username = username
        self._password = password
        self._lock = threading.Lock()
        self._scheme: str | None = None
        self._params: dict[str, str] = {}
        self._count = 0

    def authorization_header(self) -> str:
        """The header of a ``GET /`` (see :meth:`header_for`); ``""`` before any challenge."""
        return self.header_for("GET", "/") or ""

    def header_for(self, method: str, target: str) -> str | None:
        """The ``Authorization`` header for ``method target``; None before the server asked for any."""
        with self._lock:
            if self._scheme == "basic":
                raw = f"{self._username}:{self._password}".encode()
                return "Basic " + base64.b64encode(raw).decode("ascii")
            if self._scheme == "digest":
                self._count += 1
                return self._digest(method, target, self._count)
            return None

    def _digest(self, method: str, target: str, count: int) -> str:
        p = self._params
        algorithm = p.get("algorithm", "MD5").upper()
        digest = _DIGEST_HASHES[algorithm]

        def h(text: str) -> str:
            return digest(text.encode("utf-8")).hexdigest()

        realm, nonce = p.get("realm", ""), p.get("nonce", "")
        ha1 = h(f"{self._username}:{realm}:{self._password}")
        ha2 = h(f"{method.upper()}:{target}")
        fields = [
            f'username="{_quoted(self._username)}"',
            f'realm="{_quoted(realm)}"',
            f'nonce="{_quoted(nonce)}"',
            f'uri="{_quoted(target)}"',
            f"algorithm={algorithm}",
        ]
        qops = [q.strip() for q in p.get("qop", "").split(",") if q.strip()]
        if "auth" in qops:
            nc, cnonce = f"{count:08x}", secrets.token_hex(8)
            response = h(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
            fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
        else:  # RFC 2069 compatibility: no qop offered
            response = h(f"{ha1}:{nonce}:{ha2}")
        fields.append(f'response="{response}"')
        if "opaque" in p:
            fields.append(f'opaque="{_quoted(p["opaque"])}"')
        return "Digest " + ", ".join(fields)

    def answer_challenge(self, challenge: str) -> bool:
        """Take the scheme (and a digest's realm and nonce) from a 401's ``WWW-Authenticate``; True when
        sending again can succeed: the first challenge, a new or stale nonce. A second refusal of the
        same credentials is final (they are wrong)."""
        scheme, params = _parse_challenge(challenge)
        if scheme is None:
            return False
        with self._lock:
            if scheme == "basic":
                retry = self._scheme != "basic"
            else:
                stale = params.get("stale", "").lower() == "true"
                retry = self._scheme != "digest" or stale or params.get("nonce") != self._params.get("nonce")
                self._params, self._count = params, 0
            self._scheme = scheme
            return retry

    def __repr__(self) -> str:
        return f"PasswordAuth(username={self._username!r}, password=<redacted>, scheme={self._scheme!r})"


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _parse_challenge(header: str) -> tuple[str | None, dict[str, str]]:
    """``("digest", params)`` or ``("basic", params)`` from a ``WWW-Authenticate`` value (digest preferred
    when both are offered; a digest with an algorithm we do not know counts as absent)."""
    found: dict[str, dict[str, str]] = {}
    # Challenges are separated where a new scheme token starts: "<Scheme> k=v, k=v, <Scheme> ...".
    for match in re.finditer(r"(?:^|,)\s*([A-Za-z][A-Za-z0-9_-]*)(?=\s+[A-Za-z0-9_-]+\s*=|\s*(?:,|$))", header):
        scheme = match.group(1).lower()
        if scheme not in ("digest", "basic") or scheme in found:
            continue
        rest = header[match.end() :]
        params: dict[str, str] = {}
        for param in _CHALLENGE_PARAM.finditer(rest):
            key = param.group(1).lower()
            if key in ("digest", "basic") or key in params:
                break
            quoted = param.group(2)
            params[key] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else param.group(3)
        found[scheme] = params
    digest = found.get("digest")
    if digest is not None and digest.get("nonce") and digest.get("algorithm", "MD5").upper() in _DIGEST_HASHES:
        return "digest", digest
    if "basic" in found:
        return "basic", found["basic"]
    return None, {}
