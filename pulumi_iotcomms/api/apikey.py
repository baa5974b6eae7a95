"""API keys: ``/provisioning/apiKey/{domain}`` -- registered RS256 public keys and generated bearer tokens."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field

from pulumi_iotcomms._transport import Transport, render_path
from pulumi_iotcomms.errors import NotFoundError, error_for_malformed_body

from ._ops import Doc, paginate
from ._schema import COMPUTED, Behaviour, WireModel
from .contract import route

__all__ = ["MIN_RSA_BITS", "ApiKey", "ApiKeyApi", "RsaPublicKeyPem"]

MIN_RSA_BITS = 2048
"""The smallest RSA key registered: the provider signs only with keys of at least this size (``_auth.py``)."""


def _check_public_key(value: str) -> str:
    # The messages never quote the value (a private key given here by mistake must not reach a log), nor
    # say "key" in lower case: the resource's messages name the wire field "key" as ``public_key``.
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    if "PRIVATE KEY" in value:
        raise ValueError("holds a PRIVATE KEY: give the public half (and keep the private one secret)")
    try:
        key = load_pem_public_key(value.strip().encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ValueError("must be PEM-encoded, as -----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----") from None
    if not isinstance(key, RSAPublicKey):
        raise ValueError("must be an RSA public half (RS256)")
    if key.key_size < MIN_RSA_BITS:
        raise ValueError(f"the RSA modulus has {key.key_size} bits; at least {MIN_RSA_BITS} are required")
    return value


RsaPublicKeyPem = Annotated[str, AfterValidator(_check_public_key)]
"""A PEM-encoded RSA public key of at least :data:`MIN_RSA_BITS` bits."""


class ApiKey(WireModel):
    """An API key of a domain: ``POST /apiKey/{domain}`` takes ``key``; ``GET`` lists ``sk``, ``type`` and
    ``createdAt`` (contract.DECISIONS "apikey.create")."""

    # Write-only: the listing never shows the key, so it is kept as given.
    public_key: Annotated[RsaPublicKeyPem | None, Field(alias="key"), Behaviour(replace=True, write_only=True)] = None
    """RS256 public key (PEM) to register; without it the service generates a bearer token (``token``)."""
    key_id: Annotated[str | None, Field(alias="sk"), COMPUTED] = None
    """The key's id, chosen by the service (``sk`` in the API)."""
    type: Annotated[str | None, COMPUTED] = None
    """``RS256`` for a registered public key, ``token`` for a generated token."""
    created_at: Annotated[int | None, COMPUTED] = None
    """When the key was created, unix milliseconds."""


class ApiKeyApi:
    """List, create and delete the API keys of a domain (there is no read of one key: it is found in the list)."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def list(self, domain: str) -> list[Doc]:
        """Every key of the domain (``sk``, ``type``, ``createdAt``), across pages."""
        r = route("apikey.list")
        return list(paginate(self.transport, r.path, {"domain": domain}, items_key="keys"))

    def get(self, domain: str, key_id: str) -> Doc | None:
        """The listed key ``key_id``, or None."""
        return next((doc for doc in self.list(domain) if doc.get("sk") == key_id), None)

    def create(self, domain: str, public_key: str | None) -> Doc:
        """Register ``public_key``, or generate a token when it is None; the answer (``sk``, and ``token``
        once for a generated token: a secret)."""
        r = route("apikey.create")
        params = {"domain": domain}
        body: Any = self.transport.request_json(r.method, r.path, params, json={"key": public_key or ""})
        if not isinstance(body, dict) or not isinstance(body.get("sk"), str) or not body["sk"]:
            # Never quote the body: it may hold the generated token.
            problem = "unexpected answer: sk: the id of the new key is missing"
            raise error_for_malformed_body(r.method, render_path(r.path, params), 200, problem)
        return dict(body)

    def delete(self, domain: str, key_id: str) -> bool:
        """Delete the key; False when it did not exist."""
        r = route("apikey.delete")
        try:
            self.transport.request_json(r.method, r.path, {"domain": domain, "keyId": key_id})
        except NotFoundError:
            return False
        return True
