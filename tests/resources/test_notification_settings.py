"""NotificationSettings through the engine protocol: ownership (adopt), PUT updates, destroy restores
the earlier settings exactly; and, at provider level, state of the earlier release and failed restores."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import pulumi
import pytest

from pulumi_iotcomms import NotificationSettings
from pulumi_iotcomms.api._ops import Doc
from pulumi_iotcomms.api.notificationsettings import NotificationSettingsApi
from pulumi_iotcomms.errors import ConflictingObjectError, ServerError
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources.notification_settings import NotificationSettingsProvider
from pulumi_iotcomms.testing.harness import CheckFailedError, Harness, ProviderError, Secret
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.resources._lifecycle import config_for, lifecycle_scenario
from tests.resources._settings_lifecycle import settings_lifecycle, stored, writes

KIND = "notificationsettings"
PATH = f"/provisioning/{KIND}/{DOMAIN}"
EARLIER: dict[str, Any] = {
    "alarmTopic": "arn:aws:sns:eu-north-1:123456789012:earlier",
    "httpTimeout": 5000,
    "useHttpEvents": False,
}
"""Settings made outside the stack; ``httpTimeout`` is an int32 the API accepts only as an integer."""
DECLARED: dict[str, Any] = {"http_timeout": 9000, "sip_events_rest_endpoint": "https://events.example.com/sip"}
DECLARED_WIRE = {"httpTimeout": 9000, "sipEventsRestEndpoint": "https://events.example.com/sip"}


def _stack(emulator: EmulatorClient, tmp_path: Path) -> Harness:
    return Harness(state_dir=tmp_path, project="iotcomms-tests", config=config_for(emulator))


def _program(name: str = "settings", opts: pulumi.ResourceOptions | None = None, **extra: Any) -> Callable[[], None]:
    def run() -> None:
        NotificationSettings(name, domain=DOMAIN, **DECLARED, **extra, opts=opts)

    return run


def _recorded(stack: Harness, name: str = "settings") -> Any:
    """The earlier settings the state records (a secret JSON text), decoded."""
    value = stack.state.by_name(name).outputs["previous_settings"]
    assert isinstance(value, Secret), value
    assert isinstance(value.value, str), value.value
    return json.loads(value.value)


def _assert_earlier_exactly(emulator: EmulatorClient) -> None:
    after = stored(emulator, KIND)
    assert after == EARLIER
    assert type(after["httpTimeout"]) is int


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    life = settings_lifecycle(NotificationSettings, KIND, emulator)
    run_scenario(lifecycle_scenario(life, emulator), HarnessRunner(), tmp_path)


def test_alarm_topics_accept_real_sns_topic_arns() -> None:
    """The ARNs come from an SNS service (moto's), not from our own pattern."""
    import boto3
    from moto import mock_aws

    from pulumi_iotcomms.resources._engine import validate_state

    with mock_aws():
        sns = boto3.client("sns", region_name="eu-north-1")
        arns = [sns.create_topic(Name=name)["TopicArn"] for name in ("alarms", "sip-events")]
    model = NotificationSettingsProvider.spec.model
    assert validate_state(model, {"alarm_topic": arns[0], "sip_events_topic": arns[1]}) == []
    assert [p for p, _ in validate_state(model, {"alarm_topic": "alarms"})] == ["alarm_topic"]


def test_adopted_settings_are_restored_exactly_with_their_types(emulator: EmulatorClient, tmp_path: Path) -> None:
    emulator.ok("PUT", PATH, json=EARLIER)
    stack = _stack(emulator, tmp_path)
    assert stack.up(_program(adopt=True)).changes == {"settings": "create"}
    assert stored(emulator, KIND) == DECLARED_WIRE
    assert _recorded(stack) == EARLIER
    stack.destroy()
    _assert_earlier_exactly(emulator)  # 5000, not 5000.0 (which the API rejects)


def test_a_create_whose_write_was_lost_puts_the_earlier_settings_back(emulator: EmulatorClient, tmp_path: Path) -> None:
    emulator.ok("PUT", PATH, json=EARLIER)
    emulator.clear_requests()
    stack = _stack(emulator, tmp_path)
    emulator.faults(apply_then_fail_rate=1.0)  # every write lands, then answers 502
    with pytest.raises(ProviderError) as info:
        stack.up(_program(adopt=True))
    assert "ServerError: PUT" in info.value.details
    assert "may have written was undone" in info.value.details
    assert stack.state.resources == {}
    # One GET before our first write; the transport's retries (maxRetries=2) then the restore.
    exchanges = [(r["method"], r["body"]) for r in emulator.requests() if r["path"] == PATH]
    assert exchanges == [
        ("GET", None),
        *[("PUT", DECLARED_WIRE)] * 3,
        *[("PUT", EARLIER)] * 3,
        ("GET", None),  # the restore's answers were lost too: it is read back
    ]
    _assert_earlier_exactly(emulator)

    emulator.faults()
    assert stack.up().changes == {"settings": "create"}
    assert _recorded(stack) == EARLIER  # the originals, not what the failed create wrote
    stack.destroy()
    _assert_earlier_exactly(emulator)


def test_settings_already_set_are_not_taken_over_without_adopt(emulator: EmulatorClient, tmp_path: Path) -> None:
    emulator.ok("PUT", PATH, json=EARLIER)
    emulator.clear_requests()
    stack = _stack(emulator, tmp_path)
    with pytest.raises(ProviderError) as info:
        stack.up(_program())
    message = info.value.details
    assert "ConflictingObjectError" in message
    assert f"NotificationSettings {DOMAIN}/{KIND} already exists on the server" in message
    assert "this resource did not create it, so it is not taken over and nothing was written" in message
    assert 'aliases=[pulumi.Alias(name="<old name>")]' in message
    assert "adopt=True" in message
    assert writes(emulator) == []
    assert stored(emulator, KIND) == EARLIER
    assert stack.state.resources == {}


def test_empty_settings_are_set_without_adopt(emulator: EmulatorClient, tmp_path: Path) -> None:
    stack = _stack(emulator, tmp_path)
    assert stack.up(_program()).changes == {"settings": "create"}
    assert stored(emulator, KIND) == DECLARED_WIRE
    assert _recorded(stack) == {}
    stack.destroy()
    assert stored(emulator, KIND) == {}


def test_two_resources_for_one_domain_fail_the_preview_naming_both(emulator: EmulatorClient, tmp_path: Path) -> None:
    def program() -> None:
        NotificationSettings("first", domain=DOMAIN, **DECLARED)
        NotificationSettings("second", domain=DOMAIN, http_timeout=1000)

    with pytest.raises(CheckFailedError) as info:
        _stack(emulator, tmp_path).preview(program)
    [(prop, reason)] = info.value.failures
    assert prop == "domain"
    assert "'first'" in reason
    assert "'second'" in reason
    assert writes(emulator) == []


def test_a_rename_with_aliases_changes_nothing(emulator: EmulatorClient, tmp_path: Path) -> None:
    emulator.ok("PUT", PATH, json=EARLIER)
    stack = _stack(emulator, tmp_path)
    stack.up(_program("old", adopt=True))
    emulator.clear_requests()
    renamed = stack.up(_program("new", opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(name="old")])))
    assert renamed.changes == {}
    assert writes(emulator) == []
    assert [r.name for r in stack.state.resources.values()] == ["new"]
    assert _recorded(stack, "new") == EARLIER
    stack.destroy()
    _assert_earlier_exactly(emulator)


def test_a_rename_without_aliases_fails_instead_of_resetting_the_settings(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    emulator.ok("PUT", PATH, json=EARLIER)
    stack = _stack(emulator, tmp_path)
    stack.up(_program("old", adopt=True))
    emulator.clear_requests()
    with pytest.raises(ProviderError) as info:
        stack.up(_program("new"))
    assert "ConflictingObjectError" in info.value.details
    assert (info.value.method, info.value.urn.rsplit("::", 1)[1]) == ("Create", "new")
    assert writes(emulator) == []
    assert stored(emulator, KIND) == DECLARED_WIRE
    assert [r.name for r in stack.state.resources.values()] == ["old"]
    stack.destroy()
    _assert_earlier_exactly(emulator)


def test_a_rename_without_aliases_that_adopts_is_not_undone_by_the_old_names_delete(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    emulator.ok("PUT", PATH, json=EARLIER)
    stack = _stack(emulator, tmp_path)
    stack.up(_program("old", adopt=True))
    emulator.clear_requests()
    assert stack.up(_program("new", adopt=True)).changes == {"new": "create", "old": "delete"}
    assert writes(emulator) == []  # the settings already match: no PUT, and no restore by "old"
    assert stored(emulator, KIND) == DECLARED_WIRE


def test_a_stack_whose_state_the_earlier_release_wrote_updates_and_destroys(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    """The earlier release recorded ``previous_settings`` as an object (numbers as floats in state)."""
    emulator.ok("PUT", PATH, json=EARLIER)
    stack = _stack(emulator, tmp_path)
    stack.up(_program(adopt=True))
    state = stack.state
    state.by_name("settings").outputs["previous_settings"] = Secret({**EARLIER, "httpTimeout": 5000.0})
    stack.store.save(state)

    assert stack.up().changes == {}
    assert stack.up(_program(adopt=True, use_http_events=True)).changes == {"settings": "update"}
    assert stack.refresh().changes == {}
    stack.destroy()
    _assert_earlier_exactly(emulator)


# -- provider level ----------------------------------------------------------------------------------


def _provider(emulator: EmulatorClient) -> NotificationSettingsProvider:
    provider = NotificationSettingsProvider()
    provider._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN)
    return provider


def test_state_of_the_earlier_release_is_restored_with_integers(emulator: EmulatorClient) -> None:
    """The earlier release recorded ``previous_settings`` as an object: its numbers come back as floats."""
    emulator.ok("PUT", PATH, json=DECLARED_WIRE)
    old_state = {
        "domain": DOMAIN,
        "resource_name": "settings",
        "owner": "iotcomms-tests/dev",
        "http_timeout": 9000.0,
        "sip_events_rest_endpoint": DECLARED["sip_events_rest_endpoint"],
        "previous_settings": {**EARLIER, "httpTimeout": 5000.0},
    }
    _provider(emulator).delete(f"{DOMAIN}/{KIND}", old_state)
    _assert_earlier_exactly(emulator)


def test_a_create_refused_for_settings_already_set_writes_nothing(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", PATH, json=EARLIER)
    emulator.clear_requests()
    provider = _provider(emulator)
    props = {"domain": DOMAIN, "resource_name": "settings", **DECLARED}
    with pytest.raises(ConflictingObjectError, match="differs in: http_timeout, sip_events_rest_endpoint"):
        provider.create(props)
    assert writes(emulator) == []
    created = provider.create({**props, "adopt": True})
    assert json.loads(dict(created.outs or {})["previous_settings"]) == EARLIER


def test_a_restore_that_fails_after_a_failed_create_is_reported(emulator: EmulatorClient) -> None:
    class LosingApi(NotificationSettingsApi):
        """The create's PUT lands but answers 502; every later PUT fails without landing."""

        doc: ClassVar[Doc] = dict(EARLIER)
        puts: ClassVar[list[Doc]] = []

        def get(self, domain: str) -> Doc:
            return dict(self.doc)

        def put(self, domain: str, doc: Doc) -> None:
            self.puts.append(doc)
            if len(self.puts) == 1:
                LosingApi.doc = dict(doc)
            raise ServerError(f"PUT {PATH} failed: 502 bad gateway", method="PUT", path=PATH, status=502)

    class LosingProvider(NotificationSettingsProvider):
        singleton_api = LosingApi

    provider = LosingProvider()
    provider._settings = Settings(endpoint=emulator.url, token=TOKEN, domain=DOMAIN)
    with pytest.raises(ServerError) as info:
        provider.create({"domain": DOMAIN, "resource_name": "settings", "adopt": True, **DECLARED})
    assert LosingApi.puts == [DECLARED_WIRE, EARLIER, EARLIER, EARLIER]
    [note] = info.value.__notes__
    assert "could not be undone (PUT" in note
    assert "502 bad gateway" in note
