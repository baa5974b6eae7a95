"""IVR fallback cache models: IvrFallback (mode, expiration, command) and EXPIRATION_PERIODS."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms.api._schema import validate_wire
from pulumi_iotcomms.api.cache import (
    EXPIRATION_PERIODS,
    FallbackAction,
    FallbackInstruction,
    FallbackPhrase,
    IvrFallback,
)
from pulumi_iotcomms.resources._engine import fields_of, from_wire, secret_fields, to_wire, validate_state
from tests.api._util import problems, round_trip
from tests.emulator.samples import IVR_FALLBACK_SAMPLE


def test_expiration_periods_are_the_documented_names_with_their_length_in_days() -> None:
    assert EXPIRATION_PERIODS == {"DAY": 1, "WEEK": 7, "MONTH": 30, "QUARTER": 91, "HALF-YEAR": 182, "YEAR": 365}


@pytest.mark.parametrize("period", list(EXPIRATION_PERIODS))
def test_every_expiration_period_is_accepted_and_kept_as_a_name(period: str) -> None:
    model = IvrFallback.model_validate({"expiration": period}, by_alias=True, by_name=False)
    assert model.expiration == period
    assert model.to_wire() == {"expiration": period}


@pytest.mark.parametrize("timestamp", [0, 1_893_456_000, 4_102_444_800])
def test_a_unix_timestamp_expiration_is_kept_as_a_number(timestamp: int) -> None:
    model = IvrFallback.model_validate({"expiration": timestamp}, by_alias=True, by_name=False)
    assert model.expiration == timestamp
    assert model.to_wire() == {"expiration": timestamp}


def test_an_absent_expiration_is_left_to_the_server() -> None:
    """The documented default (HALF-YEAR) is the server's to apply: nothing is sent for it."""
    model = IvrFallback.model_validate({"mode": "always"}, by_alias=True, by_name=False)
    assert model.expiration is None
    assert model.to_wire() == {"mode": "always"}


@pytest.mark.parametrize("expiration", ["day", "FORTNIGHT", "1700000000", -1, 1.5, True])
def test_any_other_expiration_is_one_problem_naming_both_forms(expiration: object) -> None:
    ((path, message),) = validate_wire(IvrFallback, {"expiration": expiration})[1]
    assert path == "expiration"
    assert "'DAY', 'WEEK', 'MONTH', 'QUARTER', 'HALF-YEAR' or 'YEAR'" in message
    assert "; or input should be" in message


@pytest.mark.parametrize("mode", ["onError", "always"])
def test_documented_modes_are_accepted(mode: str) -> None:
    assert problems(IvrFallback, {"mode": mode}) == []


@pytest.mark.parametrize("action_type", ["call", "hangup", "play", "transfer"])
def test_action_type_takes_the_documented_values_and_any_other_name(action_type: str) -> None:
    assert problems(IvrFallback, {"command": {"action": {"type": action_type}}}) == []


def test_docs_request_sample_is_accepted_and_serialized_verbatim() -> None:
    """Action fields the model does not declare (sipFrom, pHeaders, ...) are kept as given."""
    assert round_trip(IvrFallback, IVR_FALLBACK_SAMPLE) == IVR_FALLBACK_SAMPLE


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"mode": "never"}, "mode"),
        ({"mode": "OnError"}, "mode"),
        ({"command": "hangup"}, "command"),
        ({"command": {"action": "call"}}, "command.action"),
        ({"command": {"action": {"type": 5}}}, "command.action.type"),
        ({"command": {"action": {"destAddr": 46701234567}}}, "command.action.destAddr"),
        ({"command": {"action": {"maxRingTime": "30"}}}, "command.action.maxRingTime"),
        ({"command": {"action": {"xHeaders": ["X-A: 1"]}}}, "command.action.xHeaders"),
        ({"command": {"action": {"copyHeaders": ["X-A", 1]}}}, "command.action.copyHeaders[1]"),
        ({"command": {"phrases": {"fileName": "a.wav"}}}, "command.phrases"),
        ({"command": {"phrases": [{"fileName": "a.wav"}, "b.wav"]}}, "command.phrases[1]"),
        ({"command": {"phrases": [{"refreshCache": "yes"}]}}, "command.phrases[0].refreshCache"),
        ({"command": {"phrases": [{"googleTTSParameters": "en"}]}}, "command.phrases[0].googleTTSParameters"),
        ({"command": {"action": {"sipPAI": 1}}}, "command.action.sipPAI"),
        ({"command": {"action": {"maxRingTime": -5}}}, "command.action.maxRingTime"),
        ({"command": {"action": {"pHeaders": []}}}, "command.action.pHeaders"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_constraint_rejects_naming_the_field(body: dict[str, Any], path: str) -> None:
    assert problems(IvrFallback, body) == [path]


def test_state_problems_use_the_snake_case_paths() -> None:
    state = {"command": {"action": {"max_ring_time": "30", "copy_headers": [1]}}, "expiration": "NEVER"}
    assert sorted(p for p, _ in validate_state(IvrFallback, state)) == [
        "command.action.copy_headers[0]",
        "command.action.max_ring_time",
        "expiration",
    ]


def test_wire_names_are_the_documented_camel_case_names() -> None:
    assert {n: f.alias for n, f in fields_of(IvrFallback).items()} == {
        "mode": "mode",
        "expiration": "expiration",
        "command": "command",
        "ttl": "ttl",
    }
    assert {n: f.alias for n, f in fields_of(FallbackInstruction).items()} == {"action": "action", "phrases": "phrases"}
    assert {n: f.alias for n, f in fields_of(FallbackAction).items()} == {
        "type": "type",
        "dest_addr": "destAddr",
        "max_ring_time": "maxRingTime",
        "sip_from": "sipFrom",
        "sip_to": "sipTo",
        "sip_diversion": "sipDiversion",
        "sip_pai": "sipPAI",
        "sip_rpid": "sipRPID",
        "x_headers": "xHeaders",
        "p_headers": "pHeaders",
        "copy_headers": "copyHeaders",
        "contact_parameters": "contactParameters",
        "contact_user_parameters": "contactUserParameters",
    }
    assert {n: f.alias for n, f in fields_of(FallbackPhrase).items()} == {
        "file_name": "fileName",
        "format": "format",
        "cache_time_to_live": "cacheTimeToLive",
        "refresh_cache": "refreshCache",
        "google_tts_parameters": "googleTTSParameters",
        "aws_tts_parameters": "awsTTSParameters",
    }


def test_every_documented_field_of_the_sample_is_declared() -> None:
    """The docs' sample has no field the models leave undeclared (so each is typed and documented)."""
    command = IVR_FALLBACK_SAMPLE["command"]
    assert set(command["action"]) == {f.alias for f in fields_of(FallbackAction).values()}
    assert set(command["phrases"][0]) == {f.alias for f in fields_of(FallbackPhrase).values()}


def test_ttl_is_set_by_the_server_and_expiration_is_write_only() -> None:
    fields = fields_of(IvrFallback)
    assert fields["ttl"].behaviour.computed
    assert fields["expiration"].behaviour.write_only
    assert not fields["expiration"].behaviour.secret
    assert fields["expiration"].behaviour.server_default == "HALF-YEAR"
    assert fields["mode"].behaviour.required
    assert fields["command"].behaviour.required


def test_headers_and_free_form_parameters_pass_through_with_their_keys_untouched() -> None:
    headers = {"X-Customer_ID": "42", "x-lower": "y"}
    tts = {"voice": {"language_code": "sv-SE"}}
    state = {
        "command": {
            "action": {"type": "play", "x_headers": headers, "sip_pai": "sip:a@b.c"},
            "phrases": [{"file_name": "closed.wav", "google_tts_parameters": tts}],
        }
    }
    wire = to_wire(IvrFallback, state)
    assert wire == {
        "command": {
            "action": {"type": "play", "xHeaders": headers, "sipPAI": "sip:a@b.c"},
            "phrases": [{"fileName": "closed.wav", "googleTTSParameters": tts}],
        }
    }
    assert from_wire(IvrFallback, wire) == state
    assert IvrFallback.model_validate(wire, by_alias=True, by_name=False).to_wire() == wire


def test_nothing_in_a_fallback_is_secret() -> None:
    assert secret_fields(IvrFallback) == frozenset()
