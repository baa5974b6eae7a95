"""Per-domain settings objects: ``/notificationsettings/{domain}`` and ``/siprecservice/{domain}``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.samples import SETTINGS_SAMPLE, P
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, EmulatorClient

singletons = pytest.mark.parametrize("name", ["notificationsettings", "siprecservice"])


def path(name: str, domain: str = DOMAIN) -> str:
    return f"{P}/{name}/{domain}"


@singletons
def test_empty_object_before_anything_is_set(emulator: EmulatorClient, name: str) -> None:
    assert emulator.ok("GET", path(name)) == {}


@singletons
def test_put_sets_the_whole_object_per_domain(emulator: EmulatorClient, name: str) -> None:
    assert emulator.ok("PUT", path(name), json={**SETTINGS_SAMPLE, "extra": 1}) == {"success": True}
    assert emulator.ok("GET", path(name)) == {**SETTINGS_SAMPLE, "extra": 1}  # the docs' shape: no success field
    emulator.ok("PUT", path(name), json={"useHttpEvents": False})
    assert emulator.ok("GET", path(name)) == {"useHttpEvents": False}
    assert emulator.ok("GET", path(name, OTHER_DOMAIN), token=OTHER_TOKEN) == {}


@singletons
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"alarmTopic": "my-topic"}, "alarmTopic"),
        ({"sipEventsTopic": "arn:aws:sqs:eu-north-1:1:q"}, "sipEventsTopic"),
        ({"sipEventsRestEndpoint": "ftp://events.example"}, "sipEventsRestEndpoint"),
        ({"alarmbridgeCallbackEndpoint": "events.example"}, "alarmbridgeCallbackEndpoint"),
        ({"httpTimeout": "1000"}, "httpTimeout"),
        ({"httpTimeout": 2**31}, "httpTimeout"),
        ({"httpTimeout": 1.5}, "httpTimeout"),
        ({"useHttpEvents": "true"}, "useHttpEvents"),
        ({"restAuthentication": {"type": "RS256"}}, "restAuthentication"),
        ({"restAuthentication": [{"secret": 5}]}, "restAuthentication[0].secret"),
    ],
)
def test_each_documented_constraint_is_400_naming_the_field(
    emulator: EmulatorClient, name: str, change: dict[str, Any], field: str
) -> None:
    emulator.ok("PUT", path(name), json=SETTINGS_SAMPLE)
    emulator.fail("PUT", path(name), 400, field, json={**SETTINGS_SAMPLE, **change})
    assert emulator.ok("GET", path(name)) == SETTINGS_SAMPLE


@singletons
def test_body_must_be_an_object(emulator: EmulatorClient, name: str) -> None:
    emulator.fail("PUT", path(name), 400, "(body)", json=[SETTINGS_SAMPLE])
