"""MediaService: the wire model's documented constraints and metadata, and MediaServiceApi against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._schema import RestAuthentication, behaviour, validate_wire
from pulumi_iotcomms.api.mediaservice import MediaService, MediaServiceApi
from pulumi_iotcomms.resources._engine import fields_of, from_wire, secret_fields, to_wire, validate_state
from tests.api._util import problems, round_trip
from tests.emulator.samples import SERVICE_SAMPLES
from tests.emulator_client import DOMAIN

MINIMAL: dict[str, Any] = {
    "name": "ivr",
    "destinationMatch": "^\\+4687",
    "callbackBaseUrl": "https://ivr.example.com/callbacks",
    "restAuthentication": [{"type": "RS256", "sub": "svc", "secret": "s3cret"}],
}
"""Every required field, valid."""

DOCS_SAMPLE: dict[str, Any] = {
    **SERVICE_SAMPLES["mediaservice"],
    # The docs' media service sample, unlike the others, has no "type" in its restAuthentication.
    "restAuthentication": [
        {"sub": "string", "requestHeaders": {"x-functions-key": "string"}, "scope": "string", "secret": "string"}
    ],
}
"""The docs' request sample for POST /mediaservice/{domain}."""


# -- names -----------------------------------------------------------------------------------------


def test_wire_names_are_the_documented_camel_case_names() -> None:
    assert {name: field.alias for name, field in fields_of(MediaService).items()} == {
        "name": "name",
        "destination_match": "destinationMatch",
        "callback_base_url": "callbackBaseUrl",
        "rest_authentication": "restAuthentication",
        "id": "id",
        "description": "description",
        "callback_name": "callbackName",
        "callback_description": "callbackDescription",
        "callback_timeout": "callbackTimeout",
        "disable_late_offer": "disableLateOffer",
        "ivr_refresher_expiration": "ivrRefresherExpiration",
        "reply_session_expiration": "replySessionExpiration",
        "rtp_timeout": "rtpTimeout",
        "offered_codecs": "offeredCodecs",
        "network_id": "networkId",
        "google_apikey": "googleApikey",
        "google_service_key": "googleServiceKey",
        "callback_id": "callbackId",
    }
    assert {name: field.alias for name, field in fields_of(RestAuthentication).items()} == {
        "type": "type",
        "sub": "sub",
        "scope": "scope",
        "secret": "secret",
        "request_headers": "requestHeaders",
    }


def test_model_built_from_snake_case_names_serializes_to_camel_case() -> None:
    model = MediaService.model_validate(
        {
            "name": "ivr",
            "destination_match": "^1",
            "callback_base_url": "https://ivr.example.com",
            "rest_authentication": [{"type": "RS256", "request_headers": {"x-functions-key": "k"}}],
            "offered_codecs": ["PCMA"],
            "google_apikey": "g",
        }
    )
    assert model.to_wire() == {
        "name": "ivr",
        "destinationMatch": "^1",
        "callbackBaseUrl": "https://ivr.example.com",
        "restAuthentication": [{"type": "RS256", "requestHeaders": {"x-functions-key": "k"}}],
        "offeredCodecs": ["PCMA"],
        "googleApikey": "g",
    }


def test_a_wire_body_must_use_the_camel_case_names() -> None:
    snake = {
        "name": "ivr",
        "destination_match": "^1",
        "callback_base_url": "https://x.example",
        "rest_authentication": [],
    }
    assert problems(MediaService, snake) == ["destinationMatch", "callbackBaseUrl", "restAuthentication"]


# -- accepted documents ------------------------------------------------------------------------------


def test_docs_request_sample_is_accepted_and_serialized_verbatim() -> None:
    assert round_trip(MediaService, DOCS_SAMPLE) == DOCS_SAMPLE


def test_unknown_fields_are_kept() -> None:
    body = {**MINIMAL, "futureOption": {"nested_key": [1, 2]}}
    assert round_trip(MediaService, body) == body


@pytest.mark.parametrize(
    "change",
    [
        {"ivrRefresherExpiration": 0, "replySessionExpiration": 0},
        {"ivrRefresherExpiration": 1800.5, "replySessionExpiration": 90},
        {"offeredCodecs": ["opus", "PCMA", "PCMU"]},
        {"destinationMatch": "/^\\+46(?<rest>\\d+)$/i"},
        {"destinationMatch": "(?<=00)\\d+(?<!9)"},
        {"callbackBaseUrl": "https://ivr.example.com:8443/base?x=1"},
        {"callbackTimeout": 15000, "rtpTimeout": 90},
        {"restAuthentication": [{"requestHeaders": {}}, {"type": "HS256", "scope": "s"}]},
    ],
    ids=lambda change: ",".join(change),
)
def test_documented_values_are_accepted(change: dict[str, Any]) -> None:
    assert problems(MediaService, {**MINIMAL, **change}) == []


# -- rejected documents ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "destinationMatch", "callbackBaseUrl", "restAuthentication"])
def test_each_required_field_is_named_when_missing(field: str) -> None:
    body = {k: v for k, v in MINIMAL.items() if k != field}
    assert validate_wire(MediaService, body)[1] == [(field, "Field required")]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"name": 5}, "name"),
        ({"destinationMatch": ""}, "destinationMatch"),
        ({"destinationMatch": "("}, "destinationMatch"),
        ({"destinationMatch": "/^a(/i"}, "destinationMatch"),
        ({"callbackBaseUrl": "http://ivr.example.com"}, "callbackBaseUrl"),
        ({"callbackBaseUrl": "https://"}, "callbackBaseUrl"),
        ({"callbackBaseUrl": "ivr.example.com"}, "callbackBaseUrl"),
        ({"offeredCodecs": ["opus", "G729"]}, "offeredCodecs[1]"),
        ({"offeredCodecs": ["pcma"]}, "offeredCodecs[0]"),
        ({"offeredCodecs": "opus"}, "offeredCodecs"),
        ({"ivrRefresherExpiration": -1}, "ivrRefresherExpiration"),
        ({"replySessionExpiration": -0.5}, "replySessionExpiration"),
        ({"restAuthentication": {"type": "RS256"}}, "restAuthentication"),
        ({"restAuthentication": [{"secret": 5}]}, "restAuthentication[0].secret"),
        ({"restAuthentication": [{}, {"requestHeaders": ["x"]}]}, "restAuthentication[1].requestHeaders"),
        ({"googleServiceKey": "{}"}, "googleServiceKey"),
        ({"googleApikey": 1}, "googleApikey"),
        ({"disableLateOffer": "true"}, "disableLateOffer"),
        ({"callbackTimeout": "1000"}, "callbackTimeout"),
        ({"networkId": 7}, "networkId"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_constraint_rejects_naming_the_field(change: dict[str, Any], path: str) -> None:
    assert problems(MediaService, {**MINIMAL, **change}) == [path]


def test_every_problem_is_reported_at_once() -> None:
    body = {**MINIMAL, "callbackBaseUrl": "http://x", "offeredCodecs": ["G722"], "ivrRefresherExpiration": -5}
    assert sorted(problems(MediaService, body)) == ["callbackBaseUrl", "ivrRefresherExpiration", "offeredCodecs[0]"]
    assert problems(MediaService, [MINIMAL]) == ["(body)"]


def test_state_problems_use_the_snake_case_paths() -> None:
    state = {
        "name": "ivr",
        "destination_match": "^1",
        "callback_base_url": "http://ivr.example.com",
        "rest_authentication": [{"request_headers": "x-functions-key"}],
        "offered_codecs": ["opus", "G729"],
    }
    assert [path for path, _ in validate_state(MediaService, state)] == [
        "callback_base_url",
        "rest_authentication[0].request_headers",
        "offered_codecs[1]",
    ]


# -- metadata and free-form JSON ---------------------------------------------------------------------


def test_secret_and_computed_fields_are_flagged() -> None:
    assert secret_fields(MediaService) == {"google_apikey", "google_service_key", "rest_authentication"}
    assert behaviour(RestAuthentication, "secret").secret
    assert {name for name, f in fields_of(MediaService).items() if f.behaviour.computed} == {"callback_id"}
    assert not any(f.behaviour.write_only or f.behaviour.replace for f in fields_of(MediaService).values())


def test_computed_callback_id_is_never_sent() -> None:
    state = {"name": "ivr", "destination_match": "^1", "callback_base_url": "https://x.example", "callback_id": "cb"}
    assert "callbackId" not in to_wire(MediaService, state)


def test_free_form_objects_pass_through_with_their_keys_untouched() -> None:
    service_key = {
        "type": "service_account",
        "private_key_id": "abc",
        "client_email": "tts@project.iam.example",
        "nested": {"snake_case": [1, {"camelCase": True, "kebab-key": None}]},
    }
    headers = {"x-functions-key": "k", "X_Custom_Header": "v"}
    state = {
        **{"name": "ivr", "destination_match": "^1", "callback_base_url": "https://x.example"},
        "google_service_key": service_key,
        "rest_authentication": [{"type": "RS256", "request_headers": headers}],
    }
    wire = to_wire(MediaService, state)
    assert wire["googleServiceKey"] == service_key
    assert wire["restAuthentication"] == [{"type": "RS256", "requestHeaders": headers}]
    assert from_wire(MediaService, wire) == state
    model, _ = validate_wire(MediaService, wire)
    assert isinstance(model, MediaService)
    assert model.google_service_key == service_key
    assert model.to_wire() == wire


# -- MediaServiceApi ---------------------------------------------------------------------------------


def test_what_the_server_returns_is_a_valid_model_with_its_secrets(transport: Transport) -> None:
    """Secret fields are not write-only: the server returns them, so drift in them can be seen."""
    api = MediaServiceApi(transport)
    sent = MediaService.model_validate(
        {
            **MINIMAL,
            "googleApikey": "AIza-key",
            "googleServiceKey": {"private_key": "-----BEGIN-----", "client_id": "1"},
            "offeredCodecs": ["opus"],
            "ivrRefresherExpiration": 0,
        }
    ).to_wire()
    api.create(DOMAIN, "ivr-1", sent)
    got = api.get(DOMAIN, "ivr-1")
    assert got is not None
    model, errors = validate_wire(MediaService, got)
    assert errors == []
    assert isinstance(model, MediaService)
    assert isinstance(model.callback_id, str)
    assert model.callback_id
    state = from_wire(MediaService, got)
    for name in secret_fields(MediaService):
        assert state[name] == from_wire(MediaService, sent)[name]
