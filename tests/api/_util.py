"""Helpers and documented values shared by the API tests."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from pulumi_iotcomms.api._schema import WireModel, format_errors, validate_wire

ALARM_PROTOCOLS = [
    "api",
    "bs8521",
    "deviceProvisioned",
    "nowip",
    "scaip",
    "tt92",
    "ttnew",
    "multiprotocol",
    "voicecall",
    "nowipcontroller",
]
"""The documented alarm protocols: an alarm bridge's ``protocol`` and a device's ``alarmProtocol``."""


def problems(model: type[WireModel], body: Any) -> list[str]:
    """The field paths validation names for the wire ``body`` of ``model``; empty when it is valid."""
    return [path for path, _ in validate_wire(model, body)[1]]


def round_trip(model: type[WireModel], body: Any) -> Any:
    """The wire ``body`` validated as ``model`` and serialized back; its ``(path, problem)`` list if invalid."""
    validated, errors = validate_wire(model, body)
    return errors if validated is None else validated.to_wire()


def model_problems(model: type[WireModel], data: dict[str, Any]) -> list[tuple[str, str]]:
    """``(field path, problem)`` for ``model`` built from ``data`` (Python or wire names); empty when valid."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        return format_errors(exc)
    return []
