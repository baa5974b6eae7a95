"""Provider configuration (``pulumi_iotcomms.resources._config``): config keys, environment fallbacks,
defaults, validation, credentials and the shared per-configuration transport."""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pulumi.dynamic.config import Config

from pulumi_iotcomms import Device
from pulumi_iotcomms._auth import PrivateKeyAuth, TokenAuth
from pulumi_iotcomms._transport import Transport, TransportPool
from pulumi_iotcomms.errors import ConfigurationError
from pulumi_iotcomms.resources import _config
from pulumi_iotcomms.resources._config import DEFAULT_REGION, Settings, close_transports, config_number, transport_for
from pulumi_iotcomms.testing.harness import CheckFailedError, Harness, ProviderError, Secret
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, EmulatorClient
from tests.emulator_client import TOKEN as EMULATOR_TOKEN
from tests.resources._lifecycle import config_for

TOKEN = "Config-Token-7731"


class FakeConfig:
    """A stand-in for the provider host's config bag: ``get(key)`` by full ``namespace:key`` name."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values = dict(values or {})
        self.asked: list[str] = []

    def get(self, key: str) -> Any:
        self.asked.append(key)
        return self.values.get(key)


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def private_key_pem(private_key: rsa.RSAPrivateKey) -> str:
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@pytest.fixture
def transports(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[tuple[Any, ...], Transport]]:
    """An empty process-wide transport cache for this test only; whatever it created is closed after."""
    pool = TransportPool(close_at_exit=False)
    monkeypatch.setattr(_config, "_POOL", pool)
    yield pool.transports
    pool.close()


# -- defaults -------------------------------------------------------------------------------------


def test_default_region_is_prod_eu_north_1() -> None:
    assert DEFAULT_REGION == "prod-eu-north-1"


@pytest.mark.parametrize("config", [None, FakeConfig()], ids=["no-config", "empty-config"])
def test_load_without_any_setting_uses_the_documented_defaults(config: FakeConfig | None) -> None:
    settings = Settings.load(config, env={})
    assert settings == Settings(
        endpoint="https://api.prod-eu-north-1.iotcomms.io",
        region="prod-eu-north-1",
        domain=None,
        token=None,
        private_key=None,
        max_retries=4,
        timeout_seconds=30.0,
    )


def test_constructor_defaults_match_load_defaults() -> None:
    assert Settings(endpoint="https://api.prod-eu-north-1.iotcomms.io") == Settings.load(None, env={})


def test_endpoint_defaults_to_the_configured_region() -> None:
    settings = Settings.load(FakeConfig({"iotcomms:region": "test-us-east-1"}), env={})
    assert settings.region == "test-us-east-1"
    assert settings.endpoint == "https://api.test-us-east-1.iotcomms.io"


def test_endpoint_defaults_to_the_region_from_the_environment() -> None:
    settings = Settings.load(None, env={"IOTCOMMS_REGION": "dev-eu-west-1"})
    assert settings.region == "dev-eu-west-1"
    assert settings.endpoint == "https://api.dev-eu-west-1.iotcomms.io"


def test_an_explicit_endpoint_wins_over_the_region_default() -> None:
    config = FakeConfig({"iotcomms:region": "test-us-east-1", "iotcomms:endpoint": "http://127.0.0.1:8080"})
    settings = Settings.load(config, env={})
    assert settings.endpoint == "http://127.0.0.1:8080"
    assert settings.region == "test-us-east-1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://api.example.com/", "https://api.example.com"),
        ("https://api.example.com/v1//", "https://api.example.com/v1"),
        ("http://localhost:9000", "http://localhost:9000"),
    ],
)
def test_endpoint_loses_trailing_slashes(raw: str, expected: str) -> None:
    assert Settings.load(FakeConfig({"iotcomms:endpoint": raw}), env={}).endpoint == expected
    assert Settings.load(None, env={"IOTCOMMS_ENDPOINT": raw}).endpoint == expected


# -- config keys and environment fallbacks ----------------------------------------------------------

SETTINGS_KEYS = [
    # (config key, environment variable, attribute, raw value, loaded value)
    ("endpoint", "IOTCOMMS_ENDPOINT", "endpoint", "https://api.example.com", "https://api.example.com"),
    ("region", "IOTCOMMS_REGION", "region", "test-ap-1", "test-ap-1"),
    ("domain", "IOTCOMMS_DOMAIN", "domain", "acme.example", "acme.example"),
    ("token", "IOTCOMMS_TOKEN", "token", TOKEN, TOKEN),
    ("privateKey", "IOTCOMMS_PRIVATE_KEY", "private_key", "-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----"),
    ("maxRetries", "IOTCOMMS_MAX_RETRIES", "max_retries", "7", 7),
    ("timeoutSeconds", "IOTCOMMS_TIMEOUT_SECONDS", "timeout_seconds", "12.5", 12.5),
]


@pytest.mark.parametrize(("key", "var", "attr", "raw", "value"), SETTINGS_KEYS)
def test_each_setting_is_read_from_its_iotcomms_config_key(key: str, var: str, attr: str, raw: str, value: Any) -> None:
    del var
    config = FakeConfig({f"iotcomms:{key}": raw})
    assert getattr(Settings.load(config, env={}), attr) == value
    assert f"iotcomms:{key}" in config.asked


@pytest.mark.parametrize(("key", "var", "attr", "raw", "value"), SETTINGS_KEYS)
def test_each_setting_falls_back_to_its_environment_variable(
    key: str, var: str, attr: str, raw: str, value: Any
) -> None:
    del key
    assert getattr(Settings.load(FakeConfig(), env={var: raw}), attr) == value
    assert getattr(Settings.load(None, env={var: raw}), attr) == value


@pytest.mark.parametrize(("key", "var", "attr", "raw", "value"), SETTINGS_KEYS)
def test_config_wins_over_the_environment(key: str, var: str, attr: str, raw: str, value: Any) -> None:
    env = {var: "9" if attr in ("max_retries", "timeout_seconds") else "from-the-environment"}
    assert getattr(Settings.load(FakeConfig({f"iotcomms:{key}": raw}), env=env), attr) == value


@pytest.mark.parametrize(("key", "var", "attr", "raw", "value"), SETTINGS_KEYS)
def test_an_empty_config_value_falls_back_to_the_environment(
    key: str, var: str, attr: str, raw: str, value: Any
) -> None:
    assert getattr(Settings.load(FakeConfig({f"iotcomms:{key}": ""}), env={var: raw}), attr) == value


def test_empty_values_everywhere_mean_unset() -> None:
    config = FakeConfig({f"iotcomms:{key}": "" for key, *_ in SETTINGS_KEYS})
    env = {var: "" for _, var, *_ in SETTINGS_KEYS}
    assert Settings.load(config, env=env) == Settings.load(None, env={})


def test_settings_combine_config_and_environment() -> None:
    config = FakeConfig({"iotcomms:domain": "acme.example", "iotcomms:maxRetries": "1"})
    env = {"IOTCOMMS_TOKEN": TOKEN, "IOTCOMMS_DOMAIN": "ignored.example", "IOTCOMMS_TIMEOUT_SECONDS": "5"}
    settings = Settings.load(config, env=env)
    assert (settings.domain, settings.token, settings.max_retries, settings.timeout_seconds) == (
        "acme.example",
        TOKEN,
        1,
        5.0,
    )


def test_unrelated_environment_variables_are_ignored() -> None:
    env = {"TOKEN": "x", "IOTCOMMS_TOKEN_FILE": "/tmp/t", "PULUMI_CONFIG": "{}", "iotcomms_token": "lower"}
    assert Settings.load(None, env=env).token is None


def test_non_string_config_values_are_accepted() -> None:
    config = FakeConfig({"iotcomms:maxRetries": 2, "iotcomms:timeoutSeconds": 7})
    settings = Settings.load(config, env={})
    assert settings.max_retries == 2
    assert type(settings.max_retries) is int
    assert settings.timeout_seconds == 7.0
    assert type(settings.timeout_seconds) is float


def test_load_reads_the_config_bag_of_a_dynamic_provider() -> None:
    # The provider host hands ``configure`` a pulumi.dynamic Config keyed by "namespace:key".
    raw = {"iotcomms:token": TOKEN, "iotcomms:domain": "acme.example", "iotcomms:region": "test-eu-1"}
    settings = Settings.load(Config(raw, "some-project"), env={})
    assert settings.token == TOKEN
    assert settings.domain == "acme.example"
    assert settings.endpoint == "https://api.test-eu-1.iotcomms.io"


def test_load_without_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("IOTCOMMS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("IOTCOMMS_TOKEN", TOKEN)
    monkeypatch.setenv("IOTCOMMS_REGION", "env-region-1")
    settings = Settings.load(None)
    assert settings.token == TOKEN
    assert settings.endpoint == "https://api.env-region-1.iotcomms.io"
    assert Settings.load(FakeConfig({"iotcomms:token": "from-config"})).token == "from-config"


# -- numbers --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("maxRetries", "three"),
        ("maxRetries", "2.5"),
        ("maxRetries", "-1"),
        ("timeoutSeconds", "soon"),
        ("timeoutSeconds", "0"),
        ("timeoutSeconds", "0.0"),
        ("timeoutSeconds", "-5"),
        ("timeoutSeconds", "nan"),
        ("timeoutSeconds", "inf"),
    ],
)
def test_an_invalid_number_raises_configuration_error_naming_the_config_key(key: str, raw: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.load(FakeConfig({f"iotcomms:{key}": raw}), env={})
    assert info.value.key == f"iotcomms:{key}"
    assert f"iotcomms:{key}" in str(info.value)


def test_an_invalid_number_from_the_environment_still_names_the_config_key() -> None:
    with pytest.raises(ConfigurationError) as info:
        Settings.load(None, env={"IOTCOMMS_MAX_RETRIES": "many"})
    assert info.value.key == "iotcomms:maxRetries"
    assert "'many'" in str(info.value)


def test_zero_retries_is_allowed() -> None:
    assert Settings.load(FakeConfig({"iotcomms:maxRetries": "0"}), env={}).max_retries == 0


def test_numbers_tolerate_surrounding_whitespace() -> None:
    settings = Settings.load(None, env={"IOTCOMMS_MAX_RETRIES": " 3 ", "IOTCOMMS_TIMEOUT_SECONDS": " 2.5\n"})
    assert (settings.max_retries, settings.timeout_seconds) == (3, 2.5)


# -- secrets and immutability -----------------------------------------------------------------------


def test_repr_never_shows_the_token_or_private_key(private_key_pem: str) -> None:
    settings = Settings.load(FakeConfig({"iotcomms:token": TOKEN, "iotcomms:privateKey": private_key_pem}), env={})
    for text in (repr(settings), str(settings)):
        assert TOKEN not in text
        assert "PRIVATE KEY" not in text
        assert "token=" not in text
        assert "private_key=" not in text
        assert "https://api.prod-eu-north-1.iotcomms.io" in text


def test_settings_are_immutable() -> None:
    settings = Settings.load(None, env={"IOTCOMMS_TOKEN": TOKEN})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.token = "other"  # type: ignore[misc]


def test_settings_are_hashable_and_compare_by_value() -> None:
    a = Settings.load(FakeConfig({"iotcomms:token": TOKEN}), env={})
    b = Settings.load(None, env={"IOTCOMMS_TOKEN": TOKEN})
    assert a == b
    assert hash(a) == hash(b)


# -- credentials ----------------------------------------------------------------------------------


def test_credentials_from_a_token() -> None:
    credentials = Settings(endpoint="https://api.example.com", token=TOKEN).credentials()
    assert isinstance(credentials, TokenAuth)
    assert credentials.authorization_header() == f"Bearer {TOKEN}"


def test_credentials_from_a_private_key_sign_jwts_for_the_configured_domain(
    private_key: rsa.RSAPrivateKey, private_key_pem: str
) -> None:
    settings = Settings(endpoint="https://api.example.com", domain="acme.example", private_key=private_key_pem)
    credentials = settings.credentials()
    assert isinstance(credentials, PrivateKeyAuth)
    scheme, _, token = credentials.authorization_header().partition(" ")
    assert scheme == "Bearer"
    claims = jwt.decode(token, private_key.public_key(), algorithms=["RS256"])
    assert claims["domain"] == "acme.example"


def test_a_token_takes_precedence_over_a_private_key(private_key_pem: str) -> None:
    settings = Settings(endpoint="https://api.example.com", token=TOKEN, private_key=private_key_pem)
    assert isinstance(settings.credentials(), TokenAuth)


def test_missing_credentials_raise_an_error_naming_the_config_key() -> None:
    settings = Settings.load(FakeConfig({"iotcomms:domain": "acme.example"}), env={})
    with pytest.raises(ConfigurationError) as info:
        settings.credentials()
    assert info.value.key == "iotcomms:token"
    message = str(info.value)
    for hint in ("iotcomms:token", "iotcomms:privateKey", "IOTCOMMS_TOKEN", "IOTCOMMS_PRIVATE_KEY", "--secret"):
        assert hint in message


def test_a_bad_token_is_reported_as_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        Settings(endpoint="https://api.example.com", token="two words").credentials()


# -- cache key ------------------------------------------------------------------------------------


def test_cache_key_is_equal_for_equal_configurations() -> None:
    a = Settings.load(FakeConfig({"iotcomms:token": TOKEN, "iotcomms:domain": "acme.example"}), env={})
    b = Settings.load(None, env={"IOTCOMMS_TOKEN": TOKEN, "IOTCOMMS_DOMAIN": "acme.example"})
    assert a.cache_key() == b.cache_key()


@pytest.mark.parametrize(
    "change",
    [
        {"endpoint": "https://other.example.com"},
        {"domain": "other.example"},
        {"token": "Other-Token"},
        {"token": None, "private_key": "PEM"},
        {"max_retries": 0},
        {"timeout_seconds": 5.0},
    ],
)
def test_cache_key_differs_when_anything_the_transport_uses_differs(change: dict[str, Any]) -> None:
    base = Settings(endpoint="https://api.example.com", domain="acme.example", token=TOKEN)
    assert dataclasses.replace(base, **change).cache_key() != base.cache_key()


def test_cache_key_holds_no_secret_in_clear(private_key_pem: str) -> None:
    key = Settings(endpoint="https://api.example.com", token=TOKEN, private_key=private_key_pem).cache_key()
    text = repr(key)
    assert TOKEN not in text
    assert "PRIVATE KEY" not in text
    hash(key)  # usable as a dict key


# -- shared transport -----------------------------------------------------------------------------


def test_transport_for_is_configured_from_the_settings(transports: dict[tuple[Any, ...], Transport]) -> None:
    settings = Settings.load(
        FakeConfig({"iotcomms:endpoint": "http://127.0.0.1:9/", "iotcomms:token": TOKEN}),
        env={"IOTCOMMS_MAX_RETRIES": "2", "IOTCOMMS_TIMEOUT_SECONDS": "3"},
    )
    transport = transport_for(settings)
    assert isinstance(transport, Transport)
    assert transport.max_retries == 2
    assert transport.timeout_seconds == 3.0
    assert "http://127.0.0.1:9" in repr(transport)
    assert TOKEN not in repr(transport)
    assert list(transports.values()) == [transport]


def test_equal_settings_share_one_transport(transports: dict[tuple[Any, ...], Transport]) -> None:
    a = Settings.load(FakeConfig({"iotcomms:token": TOKEN}), env={})
    b = Settings.load(None, env={"IOTCOMMS_TOKEN": TOKEN})
    assert a is not b
    assert transport_for(a) is transport_for(b)
    assert len(transports) == 1


def test_different_settings_get_different_transports(transports: dict[tuple[Any, ...], Transport]) -> None:
    base = Settings(endpoint="https://api.example.com", token=TOKEN)
    first = transport_for(base)
    assert transport_for(dataclasses.replace(base, token="Other-Token")) is not first
    assert transport_for(dataclasses.replace(base, endpoint="https://api2.example.com")) is not first
    assert transport_for(base) is first
    assert len(transports) == 3


def test_concurrent_callers_share_one_transport(transports: dict[tuple[Any, ...], Transport]) -> None:
    settings = Settings(endpoint="https://api.example.com", token=TOKEN)
    barrier = threading.Barrier(8)

    def get(_: int) -> Transport:
        barrier.wait()
        return transport_for(settings)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(get, range(8)))
    assert len({id(t) for t in results}) == 1
    assert len(transports) == 1


def test_transport_for_without_credentials_fails_and_caches_nothing(
    transports: dict[tuple[Any, ...], Transport],
) -> None:
    with pytest.raises(ConfigurationError) as info:
        transport_for(Settings.load(None, env={}))
    assert info.value.key == "iotcomms:token"
    assert transports == {}


@pytest.mark.parametrize("endpoint", ["ftp://api.example.com", "https://user:pw@api.example.com", "not a url"])
def test_transport_for_rejects_a_bad_endpoint_naming_the_endpoint_key(
    endpoint: str, transports: dict[tuple[Any, ...], Transport]
) -> None:
    with pytest.raises(ConfigurationError) as info:
        transport_for(Settings(endpoint=endpoint, token=TOKEN))
    assert info.value.key == "iotcomms:endpoint"
    assert transports == {}


def test_close_transports_closes_and_forgets_every_shared_transport(
    transports: dict[tuple[Any, ...], Transport],
) -> None:
    a = transport_for(Settings(endpoint="http://127.0.0.1:9", token=TOKEN))
    b = transport_for(Settings(endpoint="http://127.0.0.1:10", token=TOKEN))
    close_transports()
    assert transports == {}
    for transport in (a, b):
        with pytest.raises(RuntimeError, match="closed"):
            transport.request("GET", "/anything")
    fresh = transport_for(Settings(endpoint="http://127.0.0.1:9", token=TOKEN))
    assert fresh is not a


def test_close_transports_with_none_open_is_harmless(transports: dict[tuple[Any, ...], Transport]) -> None:
    close_transports()
    close_transports()
    assert transports == {}


# -- the credential check of a preview (``preflight``) ----------------------------------------------

PROBE_PATH = f"/provisioning/device/{DOMAIN}/{_config.CREDENTIALS_PROBE}"


def _devices(*ids: str, **extra: Any) -> Callable[[], None]:
    def program() -> None:
        for device_id in ids:
            Device(device_id, domain=DOMAIN, device_id=device_id, auth_type="deviceid", **extra)

    return program


def _preview_error(emulator: EmulatorClient, tmp_path: Path, config: Mapping[str, Any]) -> str:
    base = {k: v for k, v in config_for(emulator).items() if k not in config}
    harness = Harness(state_dir=tmp_path, config={**base, **{k: v for k, v in config.items() if v is not None}})
    with pytest.raises(ProviderError) as info:
        harness.preview(_devices("d1"))
    assert [r for r in emulator.requests() if r["path"] != PROBE_PATH] == []
    return info.value.message


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"iotcomms:endpoint": "ftp://api.example.com"}, "iotcomms:endpoint"),
        ({"iotcomms:endpoint": "not a url"}, "iotcomms:endpoint"),
        ({"iotcomms:token": None}, "iotcomms:token"),
        ({"iotcomms:token": None, "iotcomms:privateKey": Secret("-----BEGIN PRIVATE KEY-----\nnope")}, "privateKey"),
        ({"iotcomms:skipCredentialsValidation": "maybe"}, "iotcomms:skipCredentialsValidation"),
    ],
    ids=["scheme", "not-a-url", "no-credentials", "bad-private-key", "bad-flag"],
)
def test_bad_configuration_fails_the_preview_naming_the_key(
    emulator: EmulatorClient, tmp_path: Path, config: Mapping[str, Any], key: str
) -> None:
    message = _preview_error(emulator, tmp_path, config)
    assert "ConfigurationError" in message
    assert key in message
    assert emulator.requests() == []


def test_rejected_credentials_fail_the_preview_with_one_read(emulator: EmulatorClient, tmp_path: Path) -> None:
    message = _preview_error(emulator, tmp_path, {"iotcomms:token": Secret("not-the-token")})
    assert "credentials were rejected for the domain acme.example (401" in message
    assert "iotcomms:token" in message
    assert "not-the-token" not in message
    assert [(r["method"], r["path"]) for r in emulator.requests()] == [("GET", PROBE_PATH)]


def test_credentials_are_verified_once_per_process_after_the_inputs(emulator: EmulatorClient, tmp_path: Path) -> None:
    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    assert harness.preview(_devices("d1", "d2", "d3")).changes == {"d1": "create", "d2": "create", "d3": "create"}
    assert [(r["method"], r["path"], r["status"]) for r in emulator.requests()] == [("GET", PROBE_PATH, 404)]
    emulator.clear_requests()
    # Invalid inputs: the check fails before any request, the credential check included.
    with pytest.raises(CheckFailedError, match="description"):
        harness.preview(_devices("d1", description="x" * 201))
    assert emulator.requests() == []


def test_skip_credentials_validation_sends_nothing(emulator: EmulatorClient, tmp_path: Path) -> None:
    config = {**config_for(emulator), "iotcomms:token": Secret("not-the-token")}
    harness = Harness(state_dir=tmp_path, config={**config, "iotcomms:skipCredentialsValidation": "true"})
    assert harness.preview(_devices("d1")).changes == {"d1": "create"}
    assert emulator.requests() == []


def test_preflight_checks_each_domain_once(emulator: EmulatorClient) -> None:
    settings = Settings(endpoint=emulator.url, token=EMULATOR_TOKEN)
    _config.preflight(settings, DOMAIN)
    _config.preflight(settings, DOMAIN)
    _config.preflight(settings, None)  # unknown in a preview: nothing to verify yet
    assert [r["path"] for r in emulator.requests()] == [PROBE_PATH]
    with pytest.raises(ConfigurationError, match=r"rejected for the domain other\.example \(40[13]"):
        _config.preflight(settings, OTHER_DOMAIN)


@pytest.mark.parametrize(
    ("namespace", "key", "raw", "problem"),
    [
        ("provd", "maxRetries", "2.5", "provd:maxRetries must be a whole number"),
        ("alvaria", "maxRetries", "x", "alvaria:maxRetries must be a number"),
        ("provd", "operationTimeoutSeconds", "0", "provd:operationTimeoutSeconds must be a positive number"),
        ("alvaria", "timeoutSeconds", "inf", "alvaria:timeoutSeconds must be a positive number"),
    ],
)
def test_config_number_of_other_systems_names_the_key(namespace: str, key: str, raw: str, problem: str) -> None:
    """One parser for the provd and Alvaria numbers: a fractional provd maxRetries is refused, not truncated."""
    with pytest.raises(ConfigurationError, match=problem) as info:
        config_number(namespace, raw, key, 1.0)
    assert info.value.key == f"{namespace}:{key}"
    assert config_number(namespace, None, key, 7.0) == 7.0
    assert config_number(namespace, "3", key, 7.0) == 3.0
