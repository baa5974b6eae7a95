"""Devices: ``/provisioning/device/{domain}`` — SIP devices, alarm units and gateways."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from pulumi_iotcomms.errors import InputError

from ._ops import Collection, Doc
from ._schema import COMPUTED, REPLACE, SECRET, Regex, WireModel, behaviour, format_errors
from .contract import route

__all__ = [
    "DEVICE_ID_PATTERN",
    "AlarmBridgeServiceData",
    "Authorized",
    "Device",
    "DeviceApi",
    "OverrideInAlarmEvent",
    "bulk_csv",
]

DEVICE_ID_PATTERN = r"^[a-zA-Z0-9\-\._:~+]+$"

AlarmProtocol = Literal[
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


with warnings.catch_warnings():
    # "register" is the API's name; it shadows ABCMeta.register on the class, never on instances.
    warnings.filterwarnings("ignore", message='Field name "register"')

    class Authorized(WireModel):
        """Authorization policy for SIP requests of a ``userid`` device."""

        domain: str | None = None
        """The domain the device may call into."""
        invite: Regex | None = None
        """Regular expression of the destinations the device may INVITE."""
        register: bool | None = None
        """Whether the device may REGISTER."""


class OverrideInAlarmEvent(WireModel):
    """Values that replace those in the device's incoming alarm events."""

    device_type: str | None = None
    """Replaces ``deviceType`` in the alarm event."""
    controller_id: str | None = None
    """Replaces ``controllerId`` in the alarm event."""
    device_component: str | None = None
    """Replaces ``deviceComponent`` in the alarm event."""
    system_config: str | None = None
    """Replaces ``systemConfig`` in the alarm event."""
    location: str | None = None
    """Replaces ``location`` in the alarm event."""
    audio: str | None = None
    """Replaces ``audio`` in the alarm event."""
    priority: int | None = None
    """Replaces ``priority`` in the alarm event."""
    device_id: str | None = None
    """Replaces ``deviceId`` in the alarm event."""
    status_code: str | None = None
    """Replaces ``statusCode`` in the alarm event."""


class AlarmBridgeServiceData(WireModel):
    """``serviceData.alarmBridge``: per-device Alarmbridge settings."""

    heartbeat_interval: Annotated[float | None, Field(ge=300000)] = None
    """Heartbeat interval in milliseconds, at least 300000."""
    alarm_protocol: AlarmProtocol | None = None
    """The unit's Alarmbridge protocol."""
    emergency_destination: str | None = None
    """The emergency destination number."""
    override_in_alarm_event: OverrideInAlarmEvent | None = None
    """Values that replace those in the unit's incoming alarm events."""
    use_predefined_destination: bool | None = None
    """Send alarms to the predefined destination."""


class Device(WireModel):
    """A device provisioned for a domain (``PUT /device/{domain}``)."""

    device_id: Annotated[str, REPLACE, Field(pattern=DEVICE_ID_PATTERN, max_length=256)]
    r"""Unique id in the domain, ``^[a-zA-Z0-9\-\._:~+]+$``; for alarm units
    ``customerSiteId:controllerId:deviceId``.
    """
    auth_type: Annotated[Literal["credentials", "deviceid", "userid"], REPLACE]
    """``credentials`` (SIP digest), ``deviceid`` (SCAIP white list) or ``userid`` (JWT)."""
    device_type: Literal["sipDevice", "alarmbridgeConnect", "groupScheme", "alarmUnit"] | None = None
    """``sipDevice``, ``alarmbridgeConnect``, ``groupScheme`` or ``alarmUnit``."""
    description: Annotated[str | None, Field(max_length=200)] = None
    """Notes, at most 200 characters."""
    device_cli: Annotated[str | None, Field(alias="deviceCLI")] = None
    """Telephone number used to resolve the device on incoming calls."""
    mac_address: str | None = None
    """MAC address of the associated Alarmbridge Connect gateway."""
    password: Annotated[str | None, SECRET] = None
    """For ``userid`` (required): the password for the /authorize API. For ``credentials``: the SIP password, sent as
    ``ha1`` (the API uses ``password`` for ``userid`` devices only) and exported as ``sip_password``.
    """
    ha1: Annotated[str | None, SECRET, Field(pattern=r"^[0-9a-fA-F]{32}$")] = None
    """For ``credentials``: a SIP HA1 hash instead of a password; without it (and without ``password``) the
    SIP password is generated.
    """
    authorized: Authorized | None = None
    """For ``userid``: what the device may do."""
    service_data: dict[str, Any] | None = None
    """Free-form service settings, keys passed verbatim (camelCase), e.g. ``{"alarmBridge": {"heartbeatInterval":
    300000}}``. The documented keys of ``alarmBridge`` are checked (``heartbeatInterval`` a number of at least
    300000, ``alarmProtocol`` one of the Alarmbridge protocols, ``emergencyDestination`` a string,
    ``overrideInAlarmEvent`` an object of strings with an integer ``priority``, ``usePredefinedDestination`` a
    boolean); other keys pass through unchecked. No number may be NaN or infinite.
    """
    last_configured: Annotated[float | None, COMPUTED] = None
    """When the device last fetched its configuration (server-set)."""
    heartbeat_status: Annotated[str | None, COMPUTED] = None
    """``online`` or ``offline`` (server-set)."""
    heartbeat_expiration: Annotated[float | None, COMPUTED] = None
    """When the current heartbeat expires (server-set)."""

    @field_validator("service_data")
    @classmethod
    def _alarm_bridge_shape(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        # serviceData is free-form except where the docs define a shape.
        if value is not None and "alarmBridge" in value:
            try:
                AlarmBridgeServiceData.model_validate(value["alarmBridge"], by_alias=True, by_name=False)
            except ValidationError as exc:
                path, msg = format_errors(exc, "alarmBridge")[0]
                raise ValueError(f"{path}: {msg}") from None
        return value

    @model_validator(mode="after")
    def _auth_type_rules(self) -> Device:
        if self.auth_type == "userid":
            if not self.password:
                raise ValueError("password: required when authType is userid")
            if self.authorized is None:
                raise ValueError("authorized: required when authType is userid")
        if self.ha1 is not None and self.auth_type != "credentials":
            raise ValueError("ha1: only used when authType is credentials")
        return self


class DeviceApi(Collection):
    """``/provisioning/device/{domain}``: PUT adds or modifies by the body's deviceId."""

    kind = "device"
    id_param = "deviceId"
    list_key = "devices"
    create_route = "put"
    body_id_field = "deviceId"

    def bulk_upload(self, domain: str, bulk_id: str, devices: Sequence[Device]) -> Doc:
        """Start a bulk job provisioning ``devices`` (``PUT .../bulk/{bulkId}`` with :func:`bulk_csv`).

        The CSV is rendered, and checked for formula injection, before anything is sent; poll
        :meth:`bulk_status` with the same ``bulk_id`` for the outcome.
        """
        text = bulk_csv(devices)
        r = route("device.bulk_put")
        params = {"domain": domain, "bulkId": bulk_id}
        return dict(self.transport.request_json(r.method, r.path, params, content=text, content_type="text/csv"))

    def bulk_status(self, domain: str, bulk_id: str) -> Doc:
        """The bulk job's status: ``status`` (STARTED, COMPLETED or FAILED), ``reason``, timestamps."""
        r = route("device.bulk_get")
        body = self.transport.request_json(r.method, r.path, {"domain": domain, "bulkId": bulk_id})
        return dict(body.get("status") or {})


_COMPUTED_COLUMNS = frozenset(
    info.alias or name for name, info in Device.model_fields.items() if behaviour(Device, name).computed
)
_FORMULA_START = ("=", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_CELL_ALLOWED = "cells not starting with =, @, tab or carriage return; a leading + or - only in a deviceId or a number"


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _bulk_row(device: Device) -> dict[str, str]:
    """One device as ``{column: cell}``: dotted columns for nested objects, ``serviceData.*`` cells as JSON."""
    row: dict[str, str] = {}
    for column, value in device.to_wire().items():
        if value is None or column in _COMPUTED_COLUMNS:
            continue
        _check_name(column, column)
        if column == "serviceData":
            for key, item in value.items():
                _check_name(key, "service_data")
                row[f"serviceData.{key}"] = json.dumps(item, separators=(",", ":"))
        elif isinstance(value, dict):
            cells = {k: v for k, v in value.items() if v is not None}
            if not cells:
                # A CSV holds nested objects only as dotted columns, so an empty one would vanish.
                raise InputError(
                    "an empty object cannot be expressed in a bulk CSV", path=column, allowed="at least one field set"
                )
            for key in cells:
                _check_name(key, column)
            row.update({f"{column}.{k}": _cell_text(v) for k, v in cells.items()})
        else:
            row[column] = _cell_text(value)
    return row


def _check_name(name: str, path: str) -> None:
    """A property name that becomes (part of) a CSV header cell."""
    if not name or "." in name or name.startswith((*_FORMULA_START, "+", "-")):
        raise InputError(
            f"property name {name!r} cannot be a CSV column",
            path=path,
            allowed="non-empty names without '.' that do not start with =, @, +, -, tab or carriage return",
        )


def _check_cell(row: int, column: str, cell: str) -> None:
    if not cell:
        return
    harmless_sign = cell[0] in "+-" and (
        _NUMBER.fullmatch(cell) or (column == "deviceId" and re.fullmatch(DEVICE_ID_PATTERN, cell))
    )
    if cell.startswith(_FORMULA_START) or (cell[0] in "+-" and not harmless_sign):
        raise InputError(
            f"the cell starts with {cell[0]!r} and would be interpreted as a spreadsheet formula",
            path=f"row {row}, column {column}",
            allowed=_CELL_ALLOWED,
        )


def bulk_csv(devices: Sequence[Device]) -> str:
    """The bulk provisioning CSV for ``devices``, as the docs describe it.

    The header names device properties (camelCase); nested objects become dotted columns
    (``authorized.register``) and each ``serviceData`` key a ``serviceData.<key>`` column holding JSON.
    Computed properties are left out; an empty cell means the property is absent. Row 1 is the
    header, so ``devices[i]`` is row ``i + 2``.

    Raises:
        InputError: naming the row and column of a cell a spreadsheet would run as a formula
            (starting with ``=``, ``@``, tab or CR, or with ``+``/``-`` unless it is a number, or a
            valid deviceId in the deviceId column); naming a property whose name cannot be a header
            cell (empty, containing ``.``, or starting like a formula); naming a nested object that is
            empty (a CSV has no column for it).
    """
    rows = [_bulk_row(device) for device in devices]
    columns: list[str] = []
    for row in rows:
        columns += [column for column in row if column not in columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for number, row in enumerate(rows, start=2):
        cells = [row.get(column, "") for column in columns]
        for column, cell in zip(columns, cells, strict=True):
            _check_cell(number, column, cell)
        writer.writerow(cells)
    return out.getvalue()
