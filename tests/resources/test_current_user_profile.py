"""CurrentUserProfile through the engine protocol, with the settings semantics of NotificationSettings:
taken over only with ``adopt``, updated by a whole PUT, the earlier profile restored exactly on destroy.
The profile is the caller's (no domain in its path): with a key registered for two domains, the JWTs say
which one; a token acts for its own domain only. At provider level: a profile that did not exist is
created and left empty on destroy (the API has no delete)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pulumi_iotcomms import CurrentUserProfile
from pulumi_iotcomms.errors import ConfigurationError
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources.current_user_profile import CurrentUserProfileProvider
from pulumi_iotcomms.testing.harness import Harness, ProviderError, Secret
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient
from tests.reliability._util import rsa_key_pair
from tests.resources._lifecycle import Lifecycle, config_for, lifecycle_scenario
from tests.resources._settings_lifecycle import writes

PROFILE = "/provisioning/currentuser/profile"
KIND = "currentuserprofile"
EARLIER: dict[str, Any] = {
    "authProvider": "cognito",
    "firstName": "Grace",
    "termsAgreed": 1_700_000_000,
    "emailConsent": 1_700_000_001,
}
"""A profile made at first sign-in (``POST``, with fields only a create takes); its ints must come back as ints."""
EARLIER_OTHER: dict[str, Any] = {"firstName": "Other", "company": "Other Inc"}
INPUTS: dict[str, Any] = {"adopt": True, "first_name": "Ada", "last_name": "Lovelace", "company": "Acme Care"}
WIRE: dict[str, Any] = {"firstName": "Ada", "lastName": "Lovelace", "company": "Acme Care"}
WIRE_ME: dict[str, Any] = {"firstName": "Ada", "company": "Acme Care"}


def profile_of(emulator: EmulatorClient, token: str = TOKEN) -> Any:
    """The caller's profile as the API answers it; None before one exists."""
    resp = emulator.call("GET", PROFILE, token=token)
    if resp.status_code == 404:
        return None
    assert resp.status_code == 200, resp.text
    return resp.json()["profile"]


def profile_lifecycle(emulator: EmulatorClient) -> Lifecycle:
    """Seed earlier profiles in both domains and a key registered for both; the lifecycle (its replacement
    moves the profile to the other domain, so the stack signs JWTs naming the resource's domain)."""
    private = key_for_both_domains(emulator)
    emulator.ok("POST", PROFILE, json=EARLIER)
    emulator.ok("POST", PROFILE, json=EARLIER_OTHER, token=OTHER_TOKEN)

    def edit(emu: EmulatorClient, _local_id: str) -> None:
        emu.ok("PUT", PROFILE, json={**WIRE, "company": "Somewhere Else"})

    return Lifecycle(
        resource=CurrentUserProfile,
        inputs=INPUTS,
        update={"phone": "+46 8 123 456"},
        update_write=("PUT", {**WIRE, "phone": "+46 8 123 456"}),
        url=lambda _local_id: PROFILE,
        edit=edit,
        replace={"domain": OTHER_DOMAIN},
        secrets=(private.splitlines()[1],),
        snapshot=lambda emu: (profile_of(emu), profile_of(emu, OTHER_TOKEN)),
        config={"iotcomms:token": "", "iotcomms:privateKey": Secret(private)},
    )


def key_for_both_domains(emulator: EmulatorClient) -> str:
    """Register the session's RSA key for both domains; returns the private PEM."""
    private, public = rsa_key_pair()
    emulator.ok("POST", f"/provisioning/apiKey/{DOMAIN}", json={"key": public})
    emulator.ok("POST", f"/provisioning/apiKey/{OTHER_DOMAIN}", json={"key": public}, token=OTHER_TOKEN)
    return private


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    run_scenario(lifecycle_scenario(profile_lifecycle(emulator), emulator), HarnessRunner(), tmp_path)


def _stack(emulator: EmulatorClient, tmp_path: Path, **config: Any) -> Harness:
    return Harness(state_dir=tmp_path, project="iotcomms-tests", config=config_for(emulator, config))


def _program(domain: str = DOMAIN, **extra: Any) -> Callable[[], None]:
    def run() -> None:
        CurrentUserProfile("me", domain=domain, first_name="Ada", company="Acme Care", **extra)

    return run


def test_a_profile_made_elsewhere_is_taken_over_only_with_adopt_and_restored_exactly(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    emulator.ok("POST", PROFILE, json=EARLIER)
    emulator.clear_requests()
    stack = _stack(emulator, tmp_path)
    with pytest.raises(ProviderError) as info:
        stack.up(_program())
    assert f"ConflictingObjectError: CurrentUserProfile {DOMAIN}/{KIND} already exists" in info.value.details
    assert writes(emulator) == []

    assert stack.up(_program(adopt=True)).changes == {"me": "create"}
    assert profile_of(emulator) == {"firstName": "Ada", "company": "Acme Care"}
    recorded = stack.state.by_name("me").outputs["previous_settings"]
    assert isinstance(recorded, Secret)
    assert json.loads(recorded.value) == EARLIER
    assert stack.preview(_program(adopt=True)).changes == {}
    stack.destroy()
    after = profile_of(emulator)
    assert after == EARLIER
    assert type(after["termsAgreed"]) is int


def test_a_missing_profile_is_created_and_left_empty_on_destroy(emulator: EmulatorClient, tmp_path: Path) -> None:
    stack = _stack(emulator, tmp_path)
    assert profile_of(emulator) is None
    assert stack.up(_program()).changes == {"me": "create"}  # no profile counts as empty settings: no adopt
    # PUT finds none (404), so the profile is created.
    assert [(m, b) for m, _, b in writes(emulator)] == [("PUT", WIRE_ME), ("POST", WIRE_ME)]
    assert profile_of(emulator) == WIRE_ME
    assert stack.refresh().changes == {}
    stack.destroy()
    assert profile_of(emulator) == {}  # there is no delete: what was found (nothing) reads as {}


def test_a_token_acts_for_its_own_domain_only(emulator: EmulatorClient, tmp_path: Path) -> None:
    """The profile path has no domain: the credential check stops a declaration for another domain."""
    stack = _stack(emulator, tmp_path)
    with pytest.raises(Exception, match=f"credentials were rejected for the domain {OTHER_DOMAIN}"):
        stack.preview(_program(OTHER_DOMAIN))
    assert writes(emulator) == []


def test_a_key_of_two_domains_sets_the_profile_of_the_declared_one(emulator: EmulatorClient) -> None:
    private = key_for_both_domains(emulator)
    provider = CurrentUserProfileProvider()
    provider._settings = Settings(endpoint=emulator.url, private_key=private, domain=DOMAIN)  # config says DOMAIN
    checked = provider.check({}, {"resource_name": "me", "domain": OTHER_DOMAIN, "first_name": "Other"})
    assert checked.failures == []
    provider.create(dict(checked.inputs))
    assert profile_of(emulator, OTHER_TOKEN) == {"firstName": "Other"}
    assert profile_of(emulator) is None


@pytest.mark.parametrize(
    ("inputs", "path"),
    [
        ({"email_consent": "yes"}, "email_consent"),
        ({"email_consent": 2**31}, "email_consent"),
        ({"first_name": 5}, "first_name"),
        ({"auth_provider": "cognito"}, "auth_provider"),  # a create-only field: not managed
        ({"adopt": "yes"}, "adopt"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_check_names_the_invalid_property(emulator: EmulatorClient, inputs: dict[str, Any], path: str) -> None:
    provider = CurrentUserProfileProvider()
    provider._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN)
    failures = provider.check({}, {"resource_name": "me", **inputs}).failures
    assert path in [f.property for f in failures]


def test_missing_credentials_fail_the_check_naming_the_key() -> None:
    provider = CurrentUserProfileProvider()
    provider._settings = Settings(endpoint="http://127.0.0.1:9", domain=DOMAIN)
    with pytest.raises(ConfigurationError, match="iotcomms:token"):
        provider.check({}, {"resource_name": "me", "first_name": "Ada"})
