"""Credentials: static tokens and self-signed RS256 JWTs."""

from __future__ import annotations

import copy
import pickle
import threading
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pulumi_iotcomms._auth import PrivateKeyAuth, TokenAuth
from pulumi_iotcomms.errors import ConfigurationError


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, password: bytes | None = None) -> str:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def pem(rsa_key: rsa.RSAPrivateKey) -> str:
    return _pem(rsa_key)


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _decode(header: str, key: rsa.RSAPrivateKey, *, verify_iat: bool = False, verify_exp: bool = True) -> Any:
    scheme, _, token = header.partition(" ")
    assert scheme == "Bearer"
    return jwt.decode(
        token,
        key.public_key(),
        algorithms=["RS256"],
        options={"verify_iat": verify_iat, "verify_exp": verify_exp},
    )


# -- TokenAuth ----------------------------------------------------------------


def test_token_auth_header() -> None:
    assert TokenAuth("abc.def").authorization_header() == "Bearer abc.def"
    assert TokenAuth("  Bearer abc\n").authorization_header() == "Bearer abc"


@pytest.mark.parametrize("token", ["", "   ", "ab cd", "ab\ncd", "ab\x00cd"])
def test_token_auth_rejects_bad_tokens(token: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        TokenAuth(token)
    assert info.value.key == "iotcomms:token"


def test_token_auth_repr_hides_the_secret() -> None:
    auth = TokenAuth("super-secret-value")
    assert "super-secret-value" not in repr(auth)
    assert "super-secret-value" not in str(auth)


# -- PrivateKeyAuth -------------------------------------------------------------


def test_jwt_verifies_with_the_public_key(pem: str, rsa_key: rsa.RSAPrivateKey) -> None:
    auth = PrivateKeyAuth(pem, domain="acme.example")
    claims = _decode(auth.authorization_header(), rsa_key, verify_iat=True)
    assert claims["domain"] == "acme.example"
    assert isinstance(claims["jti"], str)
    assert isinstance(claims["iat"], int)
    assert claims["exp"] == claims["iat"] + 300
    assert jwt.get_unverified_header(auth.authorization_header()[7:])["alg"] == "RS256"


def test_domain_claim_is_optional(pem: str, rsa_key: rsa.RSAPrivateKey) -> None:
    claims = _decode(PrivateKeyAuth(pem, lifetime_s=120).authorization_header(), rsa_key)
    assert "domain" not in claims
    assert claims["exp"] == claims["iat"] + 120


def test_jwt_is_cached_and_renewed_when_less_than_60s_remain(pem: str, rsa_key: rsa.RSAPrivateKey) -> None:
    clock = FakeClock(float(int(time.time())))
    auth = PrivateKeyAuth(pem, clock=clock)
    first = auth.authorization_header()
    clock.now += 240  # exactly 60 s left: still good
    assert auth.authorization_header() == first
    clock.now += 1  # 59 s left: renew
    second = auth.authorization_header()
    assert second != first
    old, new = _decode(first, rsa_key, verify_exp=False), _decode(second, rsa_key, verify_exp=False)
    assert new["iat"] == int(clock.now)
    assert new["jti"] != old["jti"]
    assert auth.authorization_header() == second


def test_concurrent_callers_get_one_valid_token(pem: str, rsa_key: rsa.RSAPrivateKey) -> None:
    auth = PrivateKeyAuth(pem, domain="acme.example")
    barrier = threading.Barrier(8)
    results: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        barrier.wait()
        for _ in range(25):
            header = auth.authorization_header()
            with lock:
                results.append(header)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 200
    assert len(set(results)) == 1  # minted once under the lock, not once per racing thread
    assert _decode(results[0], rsa_key)["domain"] == "acme.example"


@pytest.mark.parametrize(
    "bad_pem",
    [
        "",
        "not a pem",
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ],
)
def test_bad_pem_is_a_configuration_error_without_key_material(bad_pem: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        PrivateKeyAuth(bad_pem)
    assert info.value.key == "iotcomms:privateKey"
    assert "AAAA" not in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__ or info.value.__context__ is None


def test_encrypted_ec_and_short_keys_are_rejected(rsa_key: rsa.RSAPrivateKey) -> None:
    rejected = [
        _pem(rsa_key, password=b"pw"),
        _pem(ec.generate_private_key(ec.SECP256R1())),
        _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
    ]
    for text in rejected:
        with pytest.raises(ConfigurationError, match="iotcomms:privateKey"):
            PrivateKeyAuth(text)


def test_lifetime_must_exceed_renewal_margin(pem: str) -> None:
    with pytest.raises(ValueError, match="lifetime_s"):
        PrivateKeyAuth(pem, lifetime_s=60)


def test_private_key_auth_repr_hides_the_key(pem: str) -> None:
    auth = PrivateKeyAuth(pem, domain="acme.example")
    header = auth.authorization_header()
    text = repr(auth)
    assert "acme.example" in text
    assert "PRIVATE KEY" not in text
    assert header[7:] not in text


# -- never serialisable -----------------------------------------------------------


def test_credentials_refuse_pickling_and_copying(pem: str) -> None:
    for auth in (TokenAuth("secret-token"), PrivateKeyAuth(pem)):
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(auth)
        with pytest.raises(TypeError):
            auth.__getstate__()
        with pytest.raises(TypeError):
            copy.deepcopy(auth)
