"""CloudSipUa: the wire model's constraints and metadata, and CloudSipUaApi against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._schema import validate_wire
from pulumi_iotcomms.api.cloudsipua import CloudSipUa, CloudSipUaApi
from pulumi_iotcomms.resources._engine import (
    changed_fields,
    fields_of,
    from_wire,
    secret_fields,
    to_wire,
    validate_state,
)
from tests.api._util import problems, round_trip
from tests.emulator.samples import SERVICE_SAMPLES
from tests.emulator_client import DOMAIN, EmulatorClient

MINIMAL: dict[str, Any] = {"name": "ua", "destinationMatch": "^ua-", "callbackBaseUrl": "https://ua.example.com/cb"}
"""Every required field, valid."""

DOCS_SAMPLE = SERVICE_SAMPLES["cloudsipua"]
"""The docs' request sample for POST /cloudsipua/{domain}."""


# -- names -----------------------------------------------------------------------------------------


def test_wire_names_are_the_documented_camel_case_names() -> None:
    assert {name: field.alias for name, field in fields_of(CloudSipUa).items()} == {
        "name": "name",
        "destination_match": "destinationMatch",
        "callback_base_url": "callbackBaseUrl",
        "id": "id",
        "description": "description",
        "rest_authentication": "restAuthentication",
        "callback_timeout": "callbackTimeout",
        "callback_name": "callbackName",
        "callback_description": "callbackDescription",
        "callback_id": "callbackId",
    }


def test_snake_case_state_maps_to_camel_case_and_back() -> None:
    state = {
        "name": "ua",
        "destination_match": "^ua-",
        "callback_base_url": "https://ua.example.com",
        "callback_timeout": 5000,
        "rest_authentication": [{"type": "RS256", "request_headers": {"x-functions-key": "k"}}],
    }
    wire = to_wire(CloudSipUa, state)
    assert wire == {
        "name": "ua",
        "destinationMatch": "^ua-",
        "callbackBaseUrl": "https://ua.example.com",
        "callbackTimeout": 5000,
        "restAuthentication": [{"type": "RS256", "requestHeaders": {"x-functions-key": "k"}}],
    }
    assert from_wire(CloudSipUa, wire) == state
    assert CloudSipUa.model_validate(state).to_wire() == wire


# -- accepted documents ------------------------------------------------------------------------------


def test_docs_request_sample_is_accepted_and_serialized_verbatim() -> None:
    assert round_trip(CloudSipUa, DOCS_SAMPLE) == DOCS_SAMPLE


def test_rest_authentication_is_optional() -> None:
    model = CloudSipUa.model_validate(MINIMAL, by_alias=True, by_name=False)
    assert model.rest_authentication is None


@pytest.mark.parametrize(
    "change",
    [
        {"destinationMatch": "/^sip:(?<user>[a-z]+)@/i"},
        {"destinationMatch": "^\\+1\\d{10}$"},
        {"callbackBaseUrl": "https://10.0.0.1:8443"},
        {"callbackTimeout": 2500.5},
        {"restAuthentication": []},
    ],
    ids=lambda change: ",".join(change),
)
def test_documented_values_are_accepted(change: dict[str, Any]) -> None:
    assert problems(CloudSipUa, {**MINIMAL, **change}) == []


# -- rejected documents ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["name", "destinationMatch", "callbackBaseUrl"])
def test_each_required_field_is_named_when_missing(field: str) -> None:
    body = {k: v for k, v in MINIMAL.items() if k != field}
    assert validate_wire(CloudSipUa, body)[1] == [(field, "Field required")]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"callbackBaseUrl": "http://ua.example.com"}, "callbackBaseUrl"),
        ({"callbackBaseUrl": "https://"}, "callbackBaseUrl"),
        ({"callbackBaseUrl": "ftp://ua.example.com"}, "callbackBaseUrl"),
        ({"callbackBaseUrl": None}, "callbackBaseUrl"),
        ({"destinationMatch": ""}, "destinationMatch"),
        ({"destinationMatch": "[a-"}, "destinationMatch"),
        ({"destinationMatch": 42}, "destinationMatch"),
        ({"callbackTimeout": "5000"}, "callbackTimeout"),
        ({"restAuthentication": {"type": "RS256"}}, "restAuthentication"),
        ({"restAuthentication": [{"type": 256}]}, "restAuthentication[0].type"),
        ({"restAuthentication": ["RS256"]}, "restAuthentication[0]"),
        ({"description": ["x"]}, "description"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_constraint_rejects_naming_the_field(change: dict[str, Any], path: str) -> None:
    assert problems(CloudSipUa, {**MINIMAL, **change}) == [path]


def test_state_problems_use_the_snake_case_paths() -> None:
    state = {
        "name": "ua",
        "destination_match": "(",
        "callback_base_url": "https://ua.example.com",
        "rest_authentication": [{"type": "RS256"}, {"request_headers": "x"}],
    }
    assert [path for path, _ in validate_state(CloudSipUa, state)] == [
        "destination_match",
        "rest_authentication[1].request_headers",
    ]


# -- metadata ---------------------------------------------------------------------------------------


def test_secret_and_computed_fields_are_flagged() -> None:
    assert secret_fields(CloudSipUa) == {"rest_authentication"}
    assert {name for name, f in fields_of(CloudSipUa).items() if f.behaviour.computed} == {"callback_id"}


# -- CloudSipUaApi -----------------------------------------------------------------------------------


def test_the_generated_callback_id_is_computed_and_never_sent(transport: Transport, emulator: EmulatorClient) -> None:
    """The server generates callbackId; the model marks it computed, so it neither goes out nor causes a diff."""
    api = CloudSipUaApi(transport)
    state = {**from_wire(CloudSipUa, MINIMAL), "id": "ua-1", "callback_id": "mine"}
    api.create(DOMAIN, "ua-1", to_wire(CloudSipUa, state))
    (post,) = emulator.requests()
    assert "callbackId" not in post["body"]
    got = api.get(DOMAIN, "ua-1")
    assert got is not None
    model = CloudSipUa.model_validate(got, by_alias=True, by_name=False)
    assert model.callback_id not in (None, "mine")
    assert changed_fields(CloudSipUa, from_wire(CloudSipUa, got), state) == []
