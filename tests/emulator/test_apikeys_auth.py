"""``/apiKey/{domain}`` and bearer authentication: opaque tokens and RS256 JWTs, per domain."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from tests.emulator.samples import APIKEYS, DEVICES, PROFILE, P
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient

OTHER_KEYS = f"{P}/apiKey/{OTHER_DOMAIN}"


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def signed(key: rsa.RSAPrivateKey, exp_in: float | None = 300, **claims: Any) -> str:
    if exp_in is not None:
        claims["exp"] = int(time.time() + exp_in)
    return jwt.encode({"sub": "ci", "iat": int(time.time()) - 5, **claims}, key, algorithm="RS256")


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def stranger() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def registered(emulator: EmulatorClient, key: rsa.RSAPrivateKey) -> str:
    """The key's public half registered for DOMAIN; returns its sk."""
    answer = emulator.ok("POST", APIKEYS, json={"key": public_pem(key)})
    assert set(answer) == {"success", "sk"}
    return str(answer["sk"])


def status(client: EmulatorClient, token: str, path: str = DEVICES) -> int:
    return client.call("GET", path, token=token).status_code


def test_start_up_token_works_for_its_domain_only(emulator: EmulatorClient) -> None:
    assert status(emulator, TOKEN) == 200
    assert status(emulator, OTHER_TOKEN) == 403
    assert emulator.call("GET", DEVICES, auth=False, headers={"Authorization": f"bearer {TOKEN}"}).status_code == 200


@pytest.mark.parametrize(
    ("header", "status_code"),
    [(None, 401), ("", 401), ("Bearer", 401), ("Token " + TOKEN, 401), (f"Bearer {TOKEN}x", 401)],
)
def test_missing_or_invalid_credentials_are_401(emulator: EmulatorClient, header: str | None, status_code: int) -> None:
    headers = {} if header is None else {"Authorization": header}
    emulator.fail("GET", DEVICES, status_code, "Authorization", auth=False, headers=headers)


def test_jwt_signed_by_a_registered_key_is_accepted(
    emulator: EmulatorClient, key: rsa.RSAPrivateKey, registered: str
) -> None:
    token = signed(key)
    assert status(emulator, token) == 200
    assert status(emulator, token, f"{P}/device/{OTHER_DOMAIN}") == 403
    assert registered in {k["sk"] for k in emulator.ok("GET", APIKEYS, token=token)["keys"]}


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda key, stranger: signed(key, exp_in=-60), "expired"),
        (lambda key, stranger: signed(key, exp_in=None), "invalid"),
        (lambda key, stranger: signed(stranger), "invalid"),
        (lambda key, stranger: jwt.encode({"exp": int(time.time()) + 60}, "k" * 32, algorithm="HS256"), "invalid"),
        (lambda key, stranger: signed(key)[:-4] + "AAAA", "invalid"),
        (lambda key, stranger: "a.b.c", "invalid"),
    ],
    ids=["expired", "no-exp", "unregistered-key", "hs256", "bad-signature", "garbage"],
)
def test_bad_jwts_are_401(
    emulator: EmulatorClient,
    key: rsa.RSAPrivateKey,
    stranger: rsa.RSAPrivateKey,
    registered: str,
    make: Any,
    reason: str,
) -> None:
    assert reason in emulator.fail("GET", DEVICES, 401, "Authorization", token=make(key, stranger))


def test_jwt_for_another_domains_key_is_403(emulator: EmulatorClient, stranger: rsa.RSAPrivateKey) -> None:
    emulator.ok("POST", OTHER_KEYS, token=OTHER_TOKEN, json={"key": public_pem(stranger)})
    emulator.fail("GET", DEVICES, 403, "Authorization", token=signed(stranger))
    assert status(emulator, signed(stranger), f"{P}/device/{OTHER_DOMAIN}") == 200


def test_a_key_registered_for_two_domains_works_for_both(emulator: EmulatorClient, key: rsa.RSAPrivateKey) -> None:
    for path, token in ((APIKEYS, TOKEN), (OTHER_KEYS, OTHER_TOKEN)):
        emulator.ok("POST", path, token=token, json={"key": public_pem(key)})
    assert {status(emulator, signed(key), path) for path in (DEVICES, f"{P}/device/{OTHER_DOMAIN}")} == {200}


def test_profile_belongs_to_whoever_calls(emulator: EmulatorClient) -> None:
    emulator.ok("POST", PROFILE, json={"firstName": "Acme"})
    emulator.fail("GET", PROFILE, 404, "profile", token=OTHER_TOKEN)
    assert emulator.ok("GET", PROFILE)["profile"] == {"firstName": "Acme"}


def test_generated_token_is_returned_once_and_usable_until_deleted(emulator: EmulatorClient) -> None:
    answer = emulator.ok("POST", APIKEYS, json={"key": ""})
    assert set(answer) == {"success", "sk", "token"}
    assert status(emulator, answer["token"]) == 200
    assert status(emulator, answer["token"], f"{P}/device/{OTHER_DOMAIN}") == 403
    listed = emulator.ok("GET", APIKEYS)
    assert set(listed) == {"success", "keys"}
    assert all(set(k) == {"sk", "type", "createdAt"} for k in listed["keys"])  # no token, no hash
    assert answer["sk"] in [k["sk"] for k in listed["keys"]]
    assert answer["token"] not in str(listed)
    assert emulator.ok("DELETE", f"{APIKEYS}/{answer['sk']}") == {"success": True}
    emulator.fail("GET", DEVICES, 401, "Authorization", token=answer["token"])
    emulator.fail("DELETE", f"{APIKEYS}/{answer['sk']}", 404, "keyId")


def test_deleting_a_public_key_revokes_its_jwts(
    emulator: EmulatorClient, key: rsa.RSAPrivateKey, registered: str
) -> None:
    token = signed(key)
    assert status(emulator, token) == 200
    listed = {k["sk"]: k["type"] for k in emulator.ok("GET", APIKEYS)["keys"]}
    assert listed[registered] == "RS256"
    assert "token" in listed.values()
    emulator.ok("DELETE", f"{APIKEYS}/{registered}")
    emulator.fail("GET", DEVICES, 401, "Authorization", token=token)


def test_keys_are_listed_per_domain(emulator: EmulatorClient) -> None:
    mine = {k["sk"] for k in emulator.ok("GET", APIKEYS)["keys"]}
    theirs = {k["sk"] for k in emulator.ok("GET", OTHER_KEYS, token=OTHER_TOKEN)["keys"]}
    assert mine
    assert theirs
    assert not mine & theirs
    emulator.fail("DELETE", f"{APIKEYS}/{theirs.pop()}", 404, "keyId")


@pytest.mark.parametrize(
    "body",
    [{}, {"key": 5}, {"key": "not a pem"}, {"key": public_pem(ec.generate_private_key(ec.SECP256R1()))}, ["k"]],
    ids=["missing", "not-a-string", "not-pem", "ec-key", "not-an-object"],
)
def test_bad_key_is_400(emulator: EmulatorClient, body: Any) -> None:
    emulator.fail("POST", APIKEYS, 400, "key", json=body)


def test_registering_a_key_again_answers_its_id_and_changes_nothing(
    emulator: EmulatorClient, key: rsa.RSAPrivateKey, registered: str
) -> None:
    keys = emulator.ok("GET", APIKEYS)["keys"]
    assert emulator.ok("POST", APIKEYS, json={"key": public_pem(key)}) == {"success": True, "sk": registered}
    assert emulator.ok("GET", APIKEYS)["keys"] == keys  # createdAt included


def test_on_the_profile_path_a_jwt_acts_for_the_domain_it_claims(
    emulator: EmulatorClient, key: rsa.RSAPrivateKey, registered: str
) -> None:
    """The profile's path has no domain: a key registered for two domains acts for the one its JWT names."""
    emulator.ok("POST", OTHER_KEYS, token=OTHER_TOKEN, json={"key": public_pem(key)})
    emulator.ok("POST", PROFILE, json={"firstName": "Acme"})
    emulator.ok("POST", PROFILE, json={"firstName": "Other"}, token=OTHER_TOKEN)
    for domain, name in ((DOMAIN, "Acme"), (OTHER_DOMAIN, "Other")):
        assert emulator.ok("GET", PROFILE, token=signed(key, domain=domain))["profile"] == {"firstName": name}
    assert emulator.ok("GET", PROFILE, token=signed(key))["profile"]["firstName"] in {"Acme", "Other"}


def test_on_the_profile_path_a_jwt_claiming_a_domain_its_key_is_not_registered_for_is_403(
    emulator: EmulatorClient, key: rsa.RSAPrivateKey, registered: str
) -> None:
    emulator.fail("GET", PROFILE, 403, "Authorization", token=signed(key, domain=OTHER_DOMAIN))
    emulator.fail("GET", PROFILE, 404, "profile", token=signed(key, domain=DOMAIN))  # accepted: none yet
