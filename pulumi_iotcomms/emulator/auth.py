"""Bearer authentication as the service does it: opaque tokens and RS256 JWTs, both per domain.

Keys live in the store's ``apikey`` collection (so they persist with ``--state``); tokens are kept
only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from ._http import Problem
from .store import Store

__all__ = ["Authenticator", "Caller"]

KEYS = "apikey"


@dataclass(frozen=True)
class Caller:
    """Who made the request: the domain their credential belongs to."""

    domain: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Authenticator:
    """Checks ``Authorization: Bearer ...`` against the keys registered per domain."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._pem_cache: dict[str, RSAPublicKey] = {}
        self._index_version = -1
        self._tokens: dict[str, str] = {}
        self._keys: list[tuple[str, str]] = []

    def _index(self) -> tuple[dict[str, str], list[tuple[str, str]]]:
        # Rebuilt only when the key collection changed, so a request costs one dict lookup.
        with self._lock:
            version = self._store.version(KEYS)
            if version != self._index_version:
                tokens: dict[str, str] = {}
                keys: list[tuple[str, str]] = []
                for _coll, domain, _key, doc in self._store.scan(KEYS):
                    if doc.get("type") == "token":
                        tokens[doc["tokenHash"]] = domain
                    elif doc.get("type") == "RS256":
                        keys.append((domain, doc["publicKey"]))
                self._tokens, self._keys, self._index_version = tokens, keys, version
            return self._tokens, self._keys

    def has_keys(self) -> bool:
        """Whether any token or public key is registered (start-up ones, or kept by ``--state``)."""
        tokens, keys = self._index()
        return bool(tokens or keys)

    # -- registration --------------------------------------------------------------------------

    def add_token(self, domain: str, token: str, *, source: str = "api") -> str:
        """Register an opaque token for ``domain``; returns its key id (``sk``)."""
        digest = _hash(token)
        sk = f"tok-{digest[:16]}"
        doc = {"sk": sk, "type": "token", "tokenHash": digest, "createdAt": _now_ms(), "source": source}
        self._store.put(KEYS, domain, sk, doc)
        return sk

    def forget_source(self, source: str) -> None:
        """Remove every key registered with ``source`` (start-up keys are not kept across restarts)."""
        for _coll, domain, key, doc in list(self._store.scan(KEYS)):
            if doc.get("source") == source:
                self._store.delete(KEYS, domain, key)

    def generate_token(self, domain: str) -> tuple[str, str]:
        """Create a random token for ``domain``; returns ``(sk, token)``. The token is not stored."""
        token = secrets.token_urlsafe(32)
        return self.add_token(domain, token), token

    def add_public_key(self, domain: str, pem: str, *, source: str = "api") -> str:
        """Register an RS256 public key (PEM) for ``domain``; returns its key id."""
        try:
            key = load_pem_public_key(pem.encode())
        except (ValueError, TypeError):
            raise Problem(400, "key: not a PEM-encoded public key") from None
        if not isinstance(key, RSAPublicKey):
            raise Problem(400, "key: must be an RSA public key (RS256)")
        sk = f"key-{hashlib.sha256(pem.strip().encode()).hexdigest()[:16]}"
        if self._store.get(KEYS, domain, sk) is not None:
            return sk  # registered already: the same id answers and nothing changes
        self._store.put(
            KEYS, domain, sk, {"sk": sk, "type": "RS256", "publicKey": pem, "createdAt": _now_ms(), "source": source}
        )
        return sk

    # -- checking ------------------------------------------------------------------------------

    def authenticate(self, header: str | None, domain: str | None) -> Caller:
        """Return the caller for a request to ``domain`` (None = any domain), or raise 401/403."""
        scheme, _, token = (header or "").strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:  # the scheme is case-insensitive (RFC 9110)
            raise Problem(401, "Authorization: missing bearer token")
        wanted = domain
        if token.count(".") == 2 and domain is None:
            # A route without a domain (the current user's profile) acts for the domain the JWT claims.
            wanted = _claimed_domain(token)
        owner = self._jwt_owner(token, wanted) if token.count(".") == 2 else self._token_owner(token)
        if owner is None:
            raise Problem(401, "Authorization: invalid token")
        if wanted is not None and owner != wanted:
            raise Problem(403, f"Authorization: token is not valid for domain {wanted}")
        return Caller(owner)

    def _token_owner(self, token: str) -> str | None:
        return self._index()[0].get(_hash(token))

    def _jwt_owner(self, token: str, wanted: str | None) -> str | None:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return None
        if header.get("alg") != "RS256":
            return None
        expired = False
        # The requested domain's keys first: a key registered for several domains must work for each.
        for domain, pem in sorted(self._index()[1], key=lambda item: item[0] != wanted):
            try:
                jwt.decode(
                    token,
                    self._public_key(pem),
                    algorithms=["RS256"],
                    options={"require": ["exp"], "verify_aud": False},
                )
            except jwt.ExpiredSignatureError:
                expired = True
                continue
            except jwt.PyJWTError:
                continue
            return domain
        if expired:
            raise Problem(401, "Authorization: token expired")
        return None

    def _public_key(self, pem: str) -> Any:
        with self._lock:
            key = self._pem_cache.get(pem)
            if key is None:
                loaded = load_pem_public_key(pem.encode())
                assert isinstance(loaded, RSAPublicKey)
                key = self._pem_cache[pem] = loaded
            return key


def _claimed_domain(token: str) -> str | None:
    """The ``domain`` claim of a JWT, unverified (the signature is checked against that domain's keys)."""
    try:
        claim = jwt.decode(token, options={"verify_signature": False}).get("domain")
    except jwt.PyJWTError:
        return None
    return claim if isinstance(claim, str) and claim else None


def _now_ms() -> int:
    return int(time.time() * 1000)
