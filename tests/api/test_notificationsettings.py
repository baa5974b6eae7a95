"""NotificationSettings: the wire model's constraints and metadata, and NotificationSettingsApi (get/put)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._schema import validate_wire
from pulumi_iotcomms.api.notificationsettings import NotificationSettings, NotificationSettingsApi
from pulumi_iotcomms.errors import BadRequestError
from pulumi_iotcomms.resources._engine import fields_of, from_wire, secret_fields, to_wire, validate_state
from tests.api._util import problems, round_trip
from tests.emulator_client import DOMAIN, EmulatorClient

PATH = f"/provisioning/notificationsettings/{DOMAIN}"

FULL: dict[str, Any] = {
    "restAuthentication": [
        {"sub": "svc", "requestHeaders": {"x-functions-key": "k", "X_Other": "v"}, "scope": "s", "secret": "x"},
    ],
    "alarmTopic": "arn:aws:sns:eu-north-1:123456789012:alarms",
    "httpTimeout": 5000,
    "sipEventsTopic": "arn:aws:sns:eu-north-1:123456789012:sip-events.fifo",
    "useHttpEvents": True,
    "alarmEventsRestEndpoint": "https://events.example.com/alarms",
    "sipEventsRestEndpoint": "https://events.example.com/sip",
    "alarmbridgeCallbackEndpoint": "http://bridge.example.com/cb",
}
"""Every documented field, valid."""


@pytest.fixture
def api(transport: Transport) -> NotificationSettingsApi:
    return NotificationSettingsApi(transport)


# -- names -----------------------------------------------------------------------------------------


def test_wire_names_are_the_documented_camel_case_names() -> None:
    assert {name: field.alias for name, field in fields_of(NotificationSettings).items()} == {
        "rest_authentication": "restAuthentication",
        "alarm_topic": "alarmTopic",
        "sip_events_topic": "sipEventsTopic",
        "http_timeout": "httpTimeout",
        "use_http_events": "useHttpEvents",
        "alarm_events_rest_endpoint": "alarmEventsRestEndpoint",
        "sip_events_rest_endpoint": "sipEventsRestEndpoint",
        "alarmbridge_callback_endpoint": "alarmbridgeCallbackEndpoint",
    }


def test_snake_case_state_maps_to_camel_case_and_back() -> None:
    state = from_wire(NotificationSettings, FULL)
    assert state["alarmbridge_callback_endpoint"] == FULL["alarmbridgeCallbackEndpoint"]
    assert state["rest_authentication"][0]["request_headers"] == {"x-functions-key": "k", "X_Other": "v"}
    assert to_wire(NotificationSettings, state) == FULL
    assert NotificationSettings.model_validate(state).to_wire() == FULL


# -- accepted documents ------------------------------------------------------------------------------


def test_every_field_is_optional() -> None:
    assert problems(NotificationSettings, {}) == []
    assert NotificationSettings.model_validate({}).to_wire() == {}


def test_a_complete_document_is_accepted_and_serialized_verbatim() -> None:
    assert round_trip(NotificationSettings, FULL) == FULL


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:sns:eu-north-1:123456789012:alarms",
        "arn:aws-us-gov:sns:us-gov-west-1:123456789012:Alarm_Topic",
        "arn:aws-cn:sns:cn-north-1:1:events.fifo",
    ],
)
@pytest.mark.parametrize("field", ["alarmTopic", "sipEventsTopic"])
def test_sns_topic_arns_are_accepted(field: str, arn: str) -> None:
    assert problems(NotificationSettings, {field: arn}) == []


@pytest.mark.parametrize(
    "change",
    [
        {"httpTimeout": 0},
        {"httpTimeout": 2**31 - 1},
        {"sipEventsRestEndpoint": "http://events.example.com"},
        {"alarmbridgeCallbackEndpoint": "https://bridge.example.com"},
        {"alarmEventsRestEndpoint": "any text: the docs put no rule on it"},
        {"useHttpEvents": False},
    ],
    ids=lambda change: ",".join(change),
)
def test_documented_values_are_accepted(change: dict[str, Any]) -> None:
    assert problems(NotificationSettings, change) == []


# -- rejected documents ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "arn",
    [
        "alarms",
        "arn:aws:sqs:eu-north-1:123456789012:queue",
        "arn:aws:sns:eu-north-1:123456789012:",
        "arn:aws:sns:EU-NORTH-1:123456789012:alarms",
        "arn:aws:sns:eu-north-1:account:alarms",
        "arn:aws:sns:eu-north-1:1:bad/name",
    ],
)
@pytest.mark.parametrize("field", ["alarmTopic", "sipEventsTopic"])
def test_anything_but_an_sns_topic_arn_is_rejected(field: str, arn: str) -> None:
    assert problems(NotificationSettings, {field: arn}) == [field]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"httpTimeout": -1}, "httpTimeout"),
        ({"httpTimeout": 2**31}, "httpTimeout"),
        ({"httpTimeout": 1.5}, "httpTimeout"),
        ({"httpTimeout": "1000"}, "httpTimeout"),
        ({"httpTimeout": True}, "httpTimeout"),
        ({"useHttpEvents": "true"}, "useHttpEvents"),
        ({"sipEventsRestEndpoint": "ftp://events.example.com"}, "sipEventsRestEndpoint"),
        ({"sipEventsRestEndpoint": "events.example.com"}, "sipEventsRestEndpoint"),
        ({"alarmbridgeCallbackEndpoint": "wss://bridge.example.com"}, "alarmbridgeCallbackEndpoint"),
        ({"alarmEventsRestEndpoint": 5}, "alarmEventsRestEndpoint"),
        ({"restAuthentication": {"type": "RS256"}}, "restAuthentication"),
        ({"restAuthentication": [{"secret": 5}]}, "restAuthentication[0].secret"),
        ({"restAuthentication": [{"requestHeaders": "k"}]}, "restAuthentication[0].requestHeaders"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_constraint_rejects_naming_the_field(change: dict[str, Any], path: str) -> None:
    assert problems(NotificationSettings, change) == [path]


def test_state_problems_use_the_snake_case_paths() -> None:
    state = {"http_timeout": -5, "sip_events_topic": "topic", "rest_authentication": [{"request_headers": []}]}
    assert sorted(path for path, _ in validate_state(NotificationSettings, state)) == [
        "http_timeout",
        "rest_authentication[0].request_headers",
        "sip_events_topic",
    ]


# -- metadata ---------------------------------------------------------------------------------------


def test_only_the_rest_authentication_holds_secrets() -> None:
    assert secret_fields(NotificationSettings) == {"rest_authentication"}
    assert not any(f.behaviour.computed or f.behaviour.replace for f in fields_of(NotificationSettings).values())


# -- NotificationSettingsApi --------------------------------------------------------------------------


def test_a_model_built_document_round_trips_through_put_and_get(
    api: NotificationSettingsApi, emulator: EmulatorClient
) -> None:
    sent = NotificationSettings.model_validate(from_wire(NotificationSettings, FULL)).to_wire()
    api.put(DOMAIN, sent)
    got = api.get(DOMAIN)
    assert got == FULL
    assert validate_wire(NotificationSettings, got)[1] == []
    assert [(e["method"], e["path"], e["body"]) for e in emulator.requests()] == [
        ("PUT", PATH, FULL),
        ("GET", PATH, None),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"httpTimeout": -1}, "httpTimeout"),
        ({"alarmTopic": "arn:aws:sns:eu-north-1:1:"}, "alarmTopic"),
        ({"alarmbridgeCallbackEndpoint": "bridge.example.com"}, "alarmbridgeCallbackEndpoint"),
    ],
)
def test_the_server_rejects_what_the_model_rejects(
    api: NotificationSettingsApi, change: dict[str, Any], field: str
) -> None:
    assert problems(NotificationSettings, {**FULL, **change}) == [field]
    api.put(DOMAIN, FULL)
    with pytest.raises(BadRequestError) as info:
        api.put(DOMAIN, {**FULL, **change})
    assert info.value.reason is not None
    assert info.value.reason.startswith(f"{field}:")
    assert api.get(DOMAIN) == FULL


def test_settings_cannot_be_deleted() -> None:
    assert not hasattr(NotificationSettingsApi, "delete")
