"""Helpers shared by the reliability tests: harnesses on one emulator, request log queries, RSA keys."""

from __future__ import annotations

import functools
import hashlib
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulumi.dynamic.dynamic import serialize_provider

from pulumi_iotcomms.resources._provider import IotcommsProvider
from pulumi_iotcomms.testing.harness import Harness, ProviderHost
from tests.emulator_client import DOMAIN, EmulatorClient
from tests.resources._lifecycle import config_for

PROJECT = "reliability"
IVR: dict[str, Any] = {"name": "ivr", "destination_match": "^4620", "callback_base_url": "https://ivr.example.com/cb"}
"""Inputs of a media service (add ``rest_authentication``)."""


def harness(emulator: EmulatorClient, state_dir: Path, **config: Any) -> Harness:
    """A harness on ``emulator`` (token auth) with state in ``state_dir``; ``config`` overrides keys."""
    return Harness(state_dir=state_dir, project=PROJECT, config=config_for(emulator, config))


class CapturingHarness(Harness):
    """A harness that keeps each provider host's stderr (``stderr``), read just before the host stops."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stderr: list[str] = []

    def _new_host(self, program: Any) -> ProviderHost:
        host = super()._new_host(program)
        close = host.close

        def close_and_keep() -> None:
            self.stderr.append(host.stderr_text())
            close()

        host.close = close_and_keep  # type: ignore[method-assign]
        return host


def writes(emulator: EmulatorClient) -> list[tuple[str, str]]:
    """``(method, path)`` of every logged request that is not a GET."""
    return [(r["method"], r["path"]) for r in emulator.requests() if r["method"] != "GET"]


def counts(emulator: EmulatorClient, domain: str = DOMAIN) -> dict[str, int]:
    """Number of objects per collection the server holds for ``domain``."""
    return {coll: len(docs) for coll, docs in emulator.objects().get(domain, {}).items()}


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Poll ``condition`` every 20 ms until it holds; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def md5(text: str) -> str:
    """The hex MD5 of ``text`` (SIP HA1 values)."""
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@functools.cache
def rsa_key_pair() -> tuple[str, str]:
    """``(private PEM, public PEM)`` of a 2048-bit RSA key, made once per test session."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def register_public_key(emulator: EmulatorClient, domain: str = DOMAIN) -> str:
    """Register the session key's public half for ``domain``; returns the private PEM."""
    private, public = rsa_key_pair()
    emulator.ok("POST", f"/provisioning/apiKey/{domain}", json={"key": public})
    return private


def urn(provider: type[IotcommsProvider], name: str) -> str:
    """The URN the engine gives a dynamic resource of ``provider``'s type named ``name``."""
    return f"urn:pulumi:dev::{PROJECT}::pulumi-python:dynamic/iotcomms:{provider.spec.name}::{name}"


def serialized(provider: IotcommsProvider) -> str:
    """The ``__provider`` value the SDK makes for ``provider``, undoing the SDK's pickler patches after."""
    patched = {name: vars(pickle._Pickler).get(name) for name in ("_batch_setitems", "save_dict")}
    try:
        return str(serialize_provider(provider))
    finally:
        for name, method in patched.items():
            setattr(pickle._Pickler, name, method)
