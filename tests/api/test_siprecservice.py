"""SiprecService: the notification settings' shape (as the docs give it), and SiprecServiceApi (get/put)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._schema import validate_wire
from pulumi_iotcomms.api.notificationsettings import NotificationSettings, NotificationSettingsApi
from pulumi_iotcomms.api.siprecservice import SiprecService, SiprecServiceApi
from pulumi_iotcomms.errors import BadRequestError
from pulumi_iotcomms.resources._engine import fields_of, secret_fields
from tests.emulator_client import DOMAIN, EmulatorClient

PATH = f"/provisioning/siprecservice/{DOMAIN}"

SETTINGS: dict[str, Any] = {
    "restAuthentication": [{"type": "RS256", "secret": "s3cret", "requestHeaders": {"x-functions-key": "k"}}],
    "sipEventsTopic": "arn:aws:sns:eu-north-1:123456789012:siprec",
    "httpTimeout": 3000,
    "useHttpEvents": True,
    "sipEventsRestEndpoint": "https://recorder.example.com/events",
}


def test_siprec_settings_have_the_notification_settings_fields_and_metadata() -> None:
    assert fields_of(SiprecService) == fields_of(NotificationSettings)
    assert secret_fields(SiprecService) == {"rest_authentication"}


def test_a_valid_document_is_serialized_verbatim() -> None:
    model, errors = validate_wire(SiprecService, SETTINGS)
    assert errors == []
    assert isinstance(model, SiprecService)
    assert model.http_timeout == 3000
    assert model.to_wire() == SETTINGS


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"sipEventsTopic": "siprec"}, "sipEventsTopic"),
        ({"httpTimeout": -1}, "httpTimeout"),
        ({"sipEventsRestEndpoint": "recorder.example.com"}, "sipEventsRestEndpoint"),
        ({"restAuthentication": [{"secret": 1}]}, "restAuthentication[0].secret"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_the_notification_settings_constraints_apply(change: dict[str, Any], path: str) -> None:
    assert [p for p, _ in validate_wire(SiprecService, {**SETTINGS, **change})[1]] == [path]


def test_put_and_get_use_the_siprecservice_route(transport: Transport, emulator: EmulatorClient) -> None:
    api = SiprecServiceApi(transport)
    assert api.get(DOMAIN) == {}
    api.put(DOMAIN, SETTINGS)
    assert api.get(DOMAIN) == SETTINGS
    assert NotificationSettingsApi(transport).get(DOMAIN) == {}
    assert [(e["method"], e["path"]) for e in emulator.requests()] == [
        ("GET", PATH),
        ("PUT", PATH),
        ("GET", PATH),
        ("GET", f"/provisioning/notificationsettings/{DOMAIN}"),
    ]


def test_an_invalid_document_is_a_bad_request_naming_the_field(transport: Transport) -> None:
    api = SiprecServiceApi(transport)
    api.put(DOMAIN, SETTINGS)
    with pytest.raises(BadRequestError) as info:
        api.put(DOMAIN, {**SETTINGS, "httpTimeout": 2**31})
    assert info.value.reason is not None
    assert info.value.reason.startswith("httpTimeout:")
    assert api.get(DOMAIN) == SETTINGS
