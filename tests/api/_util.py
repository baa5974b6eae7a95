"""Helpers and documented values shared by the API tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from pulumi_iotcomms._auth import TokenAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api._schema import WireModel, format_errors, validate_wire
from tests._http_server import Reply, ScriptedServer
from tests.emulator_client import TOKEN

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


@contextmanager
def scripted_transport(reply: Reply) -> Iterator[Transport]:
    """A Transport (no retries) to a scripted server that answers every request with ``reply``: for answers the
    emulator never gives."""
    with ScriptedServer(reply) as server, Transport(server.url, TokenAuth(TOKEN), max_retries=0) as transport:
        yield transport
