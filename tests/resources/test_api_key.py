"""ApiKey through the engine protocol: a generated token (a secret output, never in plaintext in the state)
and registered public keys, each then used by a second stack configured with it (``iotcomms:token`` or
``iotcomms:privateKey``) to manage a resource; out-of-band delete, replacement, destroy revoking the
credentials. At provider level: validation, claims, ownership of a key the domain already has, and
creates whose answers are lost (a token revoked, never left working unknown)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import jwt
import pulumi
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from pulumi_iotcomms import ApiKey, IvrFallback
from pulumi_iotcomms.api.apikey import ApiKeyApi
from pulumi_iotcomms.errors import ConflictingObjectError, ServerError
from pulumi_iotcomms.resources import _claims
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources.api_key import ApiKeyProvider
from pulumi_iotcomms.testing.harness import CheckFailedError, Harness, Secret
from pulumi_iotcomms.testing.harness.scenario import (
    HarnessRunner,
    Scenario,
    ScenarioContext,
    ScenarioRunner,
    ScenarioStep,
    StepOutcome,
    run_scenario,
)
from tests.automation.differential import MASK, masked
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient
from tests.reliability._util import CapturingHarness
from tests.resources._lifecycle import NAME, clear_log, config_for, state_text, writes_nothing

KEYS = f"/provisioning/apiKey/{DOMAIN}"
DEVICES = f"/provisioning/device/{DOMAIN}"


@functools.cache
def key_pair(label: str) -> tuple[str, str]:
    """``(private PEM, public PEM)`` of a 2048-bit RSA key, one per label and test session (both runs of a
    differential check register the same keys, so the servers they leave compare equal)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public.decode()


def signed(private: str, domain: str | None = None) -> str:
    """A JWT as the provider signs it (``exp`` 5 minutes ahead, the ``domain`` claim when given)."""
    claims: dict[str, Any] = {"exp": int(time.time()) + 300}
    if domain:
        claims["domain"] = domain
    return jwt.encode(claims, serialization.load_pem_private_key(private.encode(), password=None), algorithm="RS256")  # type: ignore[arg-type]


def status(emulator: EmulatorClient, token: str) -> int:
    """What the API answers a read of the domain's devices with ``token``."""
    return emulator.call("GET", DEVICES, token=token).status_code


def listed(emulator: EmulatorClient, domain: str = DOMAIN) -> list[dict[str, Any]]:
    token = TOKEN if domain == DOMAIN else OTHER_TOKEN
    return list(emulator.ok("GET", f"/provisioning/apiKey/{domain}", token=token)["keys"])


def server_keys(emulator: EmulatorClient) -> dict[str, Any]:
    """The keys of both domains as ``(type, key id)`` (generated tokens masked: each run makes its own),
    and every stored object."""
    keys = {
        domain: sorted((k["type"], k["sk"] if k["type"] == "RS256" else MASK) for k in listed(emulator, domain))
        for domain in (DOMAIN, OTHER_DOMAIN)
    }
    return {"keys": keys, "objects": masked(emulator.objects())}


# -- the second stack: another provider configuration, authenticated by the key ---------------------


def _fallback_program(mode: Literal["onError", "always"]) -> Callable[[], None]:
    def run() -> None:
        IvrFallback(
            "fallback",
            domain=DOMAIN,
            number="4655501",
            mode=mode,
            expiration=4_102_444_800,
            command={"action": {"type": "hangup"}},
        )

    return run


def second_stack(emulator: EmulatorClient, credentials: dict[str, Any], *, revoked: bool = False) -> Scenario:
    """A stack configured only with ``credentials`` (``iotcomms:token`` or ``iotcomms:privateKey``) that
    creates, updates and destroys an IVR fallback; with ``revoked``, one whose preview fails naming the
    rejected credential."""
    config = {"iotcomms:token": "", **credentials}
    if revoked:
        steps = [
            ScenarioStep("preview", _fallback_program("onError"), expect_error="credentials were rejected"),
        ]
    else:
        steps = [
            ScenarioStep("up", _fallback_program("onError"), expect={"fallback": "create"}),
            ScenarioStep("up", _fallback_program("always"), expect={"fallback": "update"}),
            ScenarioStep("destroy", expect={"fallback": "delete"}),
        ]
    return Scenario(
        name="second-stack",
        steps=steps,
        config=lambda _workdir: config_for(emulator, config),
        project="iotcomms-second",
    )


# -- the acceptance scenario --------------------------------------------------------------------------


def _program(public_key: str | None = None, domain: str = DOMAIN) -> Callable[[], None]:
    def run() -> None:
        key = ApiKey(NAME, domain=domain, public_key=public_key)
        pulumi.export("id", key.id)
        pulumi.export("key_id", key.key_id)
        pulumi.export("token", key.token)

    return run


def api_key_scenario(emulator: EmulatorClient, nested: Callable[[], ScenarioRunner] = HarnessRunner) -> Scenario:
    """The acceptance lifecycle of an API key: a generated token, then public keys A and B, each used by a
    second stack (run with ``nested()``: the same kind of runner as the outer one)."""
    private_a, public_a = key_pair("a")
    private_b, public_b = key_pair("b")
    before = server_keys(emulator)["keys"]
    clear, no_writes = clear_log(emulator), writes_nothing(emulator)

    def run_second(ctx: ScenarioContext, label: str, scenario: Scenario) -> None:
        run_scenario(scenario, nested(), ctx.workdir / label)

    def token_made(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        token = outcome.outputs["token"]
        assert isinstance(token, str)
        assert token
        assert "token" in outcome.secret_outputs
        assert outcome.outputs["id"] == f"{DOMAIN}/{outcome.outputs['key_id']}"
        assert {k["sk"]: k["type"] for k in listed(emulator)}[outcome.outputs["key_id"]] == "token"
        assert status(emulator, token) == 200
        text = state_text(ctx.workdir)
        assert f"::{NAME}" in text
        assert token not in text, "the generated token is in plaintext in the state"
        ctx.data["tokens"] = [*ctx.data.get("tokens", []), token]
        ctx.data["key_id"] = outcome.outputs["key_id"]

    def token_works_elsewhere(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        token = ctx.data["tokens"][-1]
        run_second(ctx, "second-token", second_stack(emulator, {"iotcomms:token": Secret(token)}))

    def remove(ctx: ScenarioContext) -> None:
        emulator.ok("DELETE", f"{KEYS}/{ctx.data['key_id']}")

    def new_token(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        token_made(outcome, ctx)
        first, second = ctx.data["tokens"]
        assert first != second
        assert status(emulator, first) == 401

    def key_a_registered(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert outcome.outputs.get("token") is None
        assert status(emulator, ctx.data["tokens"][-1]) == 401  # the replaced token is revoked
        assert status(emulator, signed(private_a)) == 200
        run_second(ctx, "second-key-a", second_stack(emulator, {"iotcomms:privateKey": Secret(private_a)}))

    def key_b_replaces_a(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert status(emulator, signed(private_b, DOMAIN)) == 200
        assert status(emulator, signed(private_a)) == 401
        revoked = second_stack(emulator, {"iotcomms:privateKey": Secret(private_a)}, revoked=True)
        run_second(ctx, "second-key-a-revoked", revoked)

    def nothing_left(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert server_keys(emulator)["keys"] == before
        assert status(emulator, signed(private_b)) == 401
        assert emulator.objects() == {}

    steps = [
        ScenarioStep("up", _program(), expect={NAME: "create"}, check=token_made, label="create a token"),
        ScenarioStep("preview", expect={}, label="second preview is empty"),
        ScenarioStep("up", expect={}, before=clear, check=no_writes, label="up again writes nothing"),
        ScenarioStep("refresh", expect={}, check=token_works_elsewhere, label="the token runs a second stack"),
        ScenarioStep("refresh", expect={NAME: "drop"}, before=remove, label="out-of-band delete"),
        ScenarioStep("up", expect={NAME: "create"}, check=new_token, label="recreated with a new token"),
        ScenarioStep(
            "up", _program(public_a), expect={NAME: "replace"}, check=key_a_registered, label="replaced by key A"
        ),
        ScenarioStep("refresh", expect={}, label="refresh without drift"),
        ScenarioStep(
            "up", _program(public_b), expect={NAME: "replace"}, check=key_b_replaces_a, label="replaced by key B"
        ),
        ScenarioStep("preview", expect={}, label="converged"),
        ScenarioStep("destroy", expect={NAME: "delete"}, check=nothing_left, label="destroy revokes it"),
    ]
    return Scenario(
        name="lifecycle-ApiKey",
        steps=steps,
        config=lambda _workdir: config_for(emulator),
        project="iotcomms-tests",
    )


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    run_scenario(api_key_scenario(emulator), HarnessRunner(), tmp_path)


def test_a_generated_token_is_in_no_state_log_or_error(emulator: EmulatorClient, tmp_path: Path) -> None:
    stack = CapturingHarness(
        state_dir=tmp_path,
        project="iotcomms-tests",
        config=config_for(emulator, {"iotcomms:maxRetries": "0"}),
        env={"IOTCOMMS_LOG_LEVEL": "DEBUG"},
    )
    token = stack.up(_program()).outputs["token"]
    assert isinstance(token, Secret)
    stack.refresh()
    emulator.faults(error_rate=1.0, error_statuses=[500])
    errors = []
    for operation in (stack.refresh, lambda: stack.up(_program(domain=OTHER_DOMAIN))):
        with pytest.raises(Exception, match="500 Internal Server Error") as info:
            operation()
        errors.append(f"{info.value}\n{getattr(info.value, 'details', '')}")
    emulator.faults()
    stack.destroy()
    texts = {"state": state_text(tmp_path), "host stderr": "\n".join(stack.stderr), "errors": "\n".join(errors)}
    assert "DEBUG pulumi_iotcomms.transport: POST /provisioning/apiKey/" in texts["host stderr"]
    assert [where for where, text in texts.items() if token.value in text] == []


# -- provider level ----------------------------------------------------------------------------------


@pytest.fixture
def provider(emulator: EmulatorClient) -> ApiKeyProvider:
    provider = ApiKeyProvider()
    provider._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN)
    return provider


def _checked(provider: ApiKeyProvider, **inputs: Any) -> dict[str, Any]:
    result = provider.check({}, {"resource_name": NAME, **inputs})
    assert [(f.property, f.reason) for f in result.failures] == []
    return dict(result.inputs)


def _created(provider: ApiKeyProvider, **inputs: Any) -> tuple[dict[str, Any], dict[str, Any], str]:
    checked = _checked(provider, **inputs)
    result = provider.create(checked)
    _claims.reset()
    return checked, dict(result.outs or {}), str(result.id)


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return public.decode()


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: "not a key", "must be PEM-encoded, as -----BEGIN PUBLIC KEY-----"),
        (lambda: _pem(ec.generate_private_key(ec.SECP256R1())), "must be an RSA public half (RS256)"),
        (
            lambda: _pem(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
            "modulus has 1024 bits; at least 2048",
        ),
        (lambda: key_pair("a")[0], "holds a PRIVATE KEY"),
        (lambda: 42, "valid string"),
    ],
    ids=["not-pem", "ec", "rsa-1024", "private", "not-a-string"],
)
def test_check_refuses_anything_but_an_rsa_public_key(provider: ApiKeyProvider, make: Any, words: str) -> None:
    value = make()
    failures = provider.check({}, {"resource_name": NAME, "public_key": value}).failures
    [(prop, reason)] = [(f.property, f.reason) for f in failures]
    assert prop == "public_key"
    assert words in reason
    if isinstance(value, str) and "PRIVATE" in value:
        assert not any(line in reason for line in value.splitlines()[1:-1])  # no key material echoed


def test_check_rejects_unknown_properties(provider: ApiKeyProvider) -> None:
    failures = provider.check({}, {"resource_name": NAME, "key": "x", "token": "mine"}).failures
    assert sorted(f.property for f in failures) == ["key"]  # token is an output the state carries


def test_one_public_key_declared_twice_fails_the_check_naming_both(provider: ApiKeyProvider) -> None:
    provider._settings = dataclasses.replace(provider.settings, skip_credentials_validation=True)
    public = key_pair("a")[1]
    _checked(provider, public_key=public)
    failures = provider.check({}, {"resource_name": "other", "public_key": public}).failures
    [(prop, reason)] = [(f.property, f.reason) for f in failures]
    assert prop == "domain"
    assert f"'{NAME}'" in reason
    assert "'other'" in reason
    # Tokens are each their own; the same key in another domain is another registration.
    _checked(provider, public_key=public, domain=OTHER_DOMAIN)
    _checked(provider)
    provider.check({}, {"resource_name": "third"})


def test_a_token_is_generated_once_and_kept(provider: ApiKeyProvider, emulator: EmulatorClient) -> None:
    inputs, outs, pulumi_id = _created(provider)
    token, key_id = outs["token"], outs["key_id"]
    assert pulumi_id == f"{DOMAIN}/{key_id}"
    assert (outs["type"], outs["domain"]) == ("token", DOMAIN)
    assert isinstance(outs["created_at"], int)
    assert status(emulator, token) == 200
    read = provider.read(pulumi_id, outs)
    assert read.inputs == inputs
    assert (read.outs or {})["token"] == token  # kept from the state: the API never shows it again
    assert provider.diff(pulumi_id, dict(read.outs or {}), inputs).changes is False
    provider.delete(pulumi_id, outs)
    assert status(emulator, token) == 401
    assert provider.read(pulumi_id, outs).id == ""
    provider.delete(pulumi_id, outs)  # gone counts as deleted


def test_a_public_key_is_registered_and_replaced_on_change(provider: ApiKeyProvider, emulator: EmulatorClient) -> None:
    private, public = key_pair("a")
    inputs, outs, pulumi_id = _created(provider, public_key=public)
    assert (outs["type"], outs["token"]) == ("RS256", None)
    assert status(emulator, signed(private)) == 200
    assert provider.read(pulumi_id, outs).inputs == inputs
    for change in ({"public_key": key_pair("b")[1]}, {"public_key": None}, {"domain": OTHER_DOMAIN}):
        news = {k: v for k, v in {**inputs, **change}.items() if v is not None}
        diff = provider.diff(pulumi_id, outs, news)
        assert (diff.changes, diff.replaces, diff.delete_before_replace) == (True, list(change), False)
    assert provider.diff(pulumi_id, outs, {**inputs, "adopt": True}).changes is False


def test_import_by_id_reads_the_key(provider: ApiKeyProvider) -> None:
    _, outs, pulumi_id = _created(provider, public_key=key_pair("a")[1])
    read = provider.read(pulumi_id, {})
    assert read.id == pulumi_id
    assert read.inputs == {"domain": DOMAIN}  # the listing never shows the public key
    assert {k: (read.outs or {}).get(k) for k in ("key_id", "type")} == {"key_id": outs["key_id"], "type": "RS256"}
    with pytest.raises(Exception, match="expected an id of the form <domain>/<key id>"):
        provider.read("no-slash", {})


def test_a_key_the_domain_already_has_is_taken_over_only_with_adopt(
    provider: ApiKeyProvider, emulator: EmulatorClient
) -> None:
    public = key_pair("a")[1]
    registered = emulator.ok("POST", KEYS, json={"key": public})["sk"]
    keys = listed(emulator)
    inputs = _checked(provider, public_key=public)
    with pytest.raises(ConflictingObjectError) as info:
        provider.create(inputs)
    message = str(info.value)
    assert f"ApiKey {DOMAIN}/{registered} already exists on the server" in message
    assert "adopt=True" in message
    assert listed(emulator) == keys  # registering it again changed nothing
    _claims.reset()
    result = provider.create({**inputs, "adopt": True})
    assert result.id == f"{DOMAIN}/{registered}"


def test_a_token_whose_answer_was_lost_is_revoked_and_made_again(
    provider: ApiKeyProvider, emulator: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers: list[dict[str, Any]] = []
    real = ApiKeyApi.create

    def first_answer_lost(self: ApiKeyApi, domain: str, public_key: str | None) -> dict[str, Any]:
        answers.append(real(self, domain, public_key))
        if len(answers) == 1:
            raise ServerError("502 Bad Gateway", method="POST", path=KEYS, status=502)
        return answers[-1]

    monkeypatch.setattr(ApiKeyApi, "create", first_answer_lost)
    _, outs, _ = _created(provider)
    lost, kept = answers
    assert outs["token"] == kept["token"]
    assert status(emulator, lost["token"]) == 401  # nobody knows it: revoked
    assert status(emulator, kept["token"]) == 200
    assert {k["sk"] for k in listed(emulator) if k["type"] == "token"} == {outs["key_id"], f"tok-{_digest(TOKEN)}"}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


@pytest.mark.parametrize("public", [False, True], ids=["token", "public-key"])
def test_a_create_whose_answers_are_all_lost_leaves_no_key(
    provider: ApiKeyProvider, emulator: EmulatorClient, public: bool
) -> None:
    provider._settings = dataclasses.replace(provider.settings, max_retries=0)
    keys = listed(emulator)
    inputs = _checked(provider, **({"public_key": key_pair("a")[1]} if public else {}))
    emulator.faults(apply_then_fail_rate=1.0, methods=["POST"])  # every POST lands, then answers 502
    with pytest.raises(ServerError) as info:
        provider.create(inputs)
    emulator.faults()
    assert "may have registered was deleted" in "\n".join(info.value.__notes__)
    posts = [r for r in emulator.requests() if r["method"] == "POST"]
    assert len(posts) == 3
    assert listed(emulator) == keys
    assert "token" not in str(info.value)
    _claims.reset()
    assert provider.create(inputs).id.startswith(f"{DOMAIN}/")


def test_a_lost_public_key_registration_is_found_by_registering_it_again(
    provider: ApiKeyProvider, emulator: EmulatorClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    private, public = key_pair("a")
    calls: list[str] = []
    real = ApiKeyApi.create

    def first_answer_lost(self: ApiKeyApi, domain: str, public_key: str | None) -> dict[str, Any]:
        answer = real(self, domain, public_key)
        calls.append(answer["sk"])
        if len(calls) == 1:
            raise ServerError("502 Bad Gateway", method="POST", path=KEYS, status=502)
        return answer

    monkeypatch.setattr(ApiKeyApi, "create", first_answer_lost)
    _, outs, _ = _created(provider, public_key=public)
    assert calls == [outs["key_id"], outs["key_id"]]
    assert [k["sk"] for k in listed(emulator) if k["type"] == "RS256"] == [outs["key_id"]]
    assert status(emulator, signed(private)) == 200


def test_check_failure_does_not_reach_the_server(emulator: EmulatorClient, tmp_path: Path) -> None:
    stack = Harness(state_dir=tmp_path, project="iotcomms-tests", config=config_for(emulator))
    emulator.clear_requests()
    with pytest.raises(CheckFailedError):
        stack.preview(_program("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n"))
    assert [r for r in emulator.requests() if r["method"] != "GET"] == []
