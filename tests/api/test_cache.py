"""IVR fallback cache models: IvrFallback (mode, expiration, command) and EXPIRATION_PERIODS."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms.api._schema import validate_wire
from pulumi_iotcomms.api.cache import EXPIRATION_PERIODS, FallbackAction, FallbackInstruction, IvrFallback
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
    }
    assert {n: f.alias for n, f in fields_of(FallbackInstruction).items()} == {"action": "action", "phrases": "phrases"}
    assert {n: f.alias for n, f in fields_of(FallbackAction).items()} == {
        "type": "type",
        "dest_addr": "destAddr",
        "max_ring_time": "maxRingTime",
        "x_headers": "xHeaders",
        "copy_headers": "copyHeaders",
    }


def test_headers_and_phrases_pass_through_with_their_keys_untouched() -> None:
    headers = {"X-Customer_ID": "42", "x-lower": "y"}
    phrases = [{"fileName": "closed.wav", "googleTTSParameters": {"voice": {"language_code": "sv-SE"}}}]
    state = {"command": {"action": {"type": "play", "x_headers": headers}, "phrases": phrases}}
    wire = to_wire(IvrFallback, state)
    assert wire == {"command": {"action": {"type": "play", "xHeaders": headers}, "phrases": phrases}}
    assert from_wire(IvrFallback, wire) == state
    assert IvrFallback.model_validate(wire, by_alias=True, by_name=False).to_wire() == wire


def test_nothing_in_a_fallback_is_secret() -> None:
    assert secret_fields(IvrFallback) == frozenset()
