"""Devices: ``/provisioning/device/{domain}`` — SIP devices, alarm units and gateways."""

from __future__ import annotations

import csv
import io
import json
import re
import time
import types
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pulumi_iotcomms._transport import render_path
from pulumi_iotcomms.errors import DeadlineExceededError, InputError

from ._ops import Collection, Doc, paginate, parse_reply
from ._schema import (
    COMPUTED,
    REPLACE,
    SECRET,
    Regex,
    ReplyModel,
    WireModel,
    behaviour,
    computed_fields,
    format_errors,
)
from .contract import route

__all__ = [
    "BULK_LIMIT_BYTES",
    "DEVICE_ID_PATTERN",
    "AlarmBridgeServiceData",
    "Authorized",
    "AuthorizedReport",
    "BulkChunk",
    "BulkResult",
    "Device",
    "DeviceApi",
    "DeviceReport",
    "OverrideInAlarmEvent",
    "bulk_chunks",
    "bulk_csv",
    "check_bulk_row",
    "read_bulk_csv",
    "split_bulk",
]

DEVICE_ID_PATTERN = r"^[a-zA-Z0-9\-\._:~+]+$"
BULK_LIMIT_BYTES = 10 * 1024 * 1024
"""A bulk CSV file must be under this many bytes (the docs' 10MB, read as MiB like the emulator)."""

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


with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message='Field name "register"')  # as for Authorized

    class AuthorizedReport(ReplyModel):
        """``authorized`` as a listing reports it."""

        domain: str | None = None
        """The domain the device may call into."""
        invite: str | None = None
        """Regular expression of the destinations the device may INVITE."""
        register: bool | None = None
        """Whether the device may REGISTER."""


class DeviceReport(ReplyModel):
    """A device as the listing ``GET /device/{domain}`` reports it, read leniently (a read never refuses what
    the server holds) and without its secrets: ``password`` and ``ha1`` are dropped when it is read."""

    model_config = ConfigDict(extra="ignore")

    device_id: str
    """Unique id in the domain."""
    auth_type: str | None = None
    """``credentials``, ``deviceid`` or ``userid``."""
    device_type: str | None = None
    """``sipDevice``, ``alarmbridgeConnect``, ``groupScheme`` or ``alarmUnit``."""
    description: str | None = None
    """Notes."""
    device_cli: Annotated[str | None, Field(alias="deviceCLI")] = None
    """Telephone number used to resolve the device on incoming calls."""
    mac_address: str | None = None
    """MAC address of the associated Alarmbridge Connect gateway."""
    authorized: AuthorizedReport | None = None
    """For ``userid`` devices: what the device may do."""
    service_data: dict[str, Any] | None = None
    """Free-form service settings, keys verbatim (camelCase)."""
    last_configured: float | None = None
    """When the device last fetched its configuration."""
    heartbeat_status: str | None = None
    """``online`` or ``offline``."""
    heartbeat_expiration: float | None = None
    """When the current heartbeat expires."""


@dataclass(frozen=True)
class BulkResult:
    """A finished bulk job (:meth:`DeviceApi.wait_bulk`)."""

    bulk_id: str
    """The job's bulk id."""
    status: Literal["COMPLETED", "FAILED"]
    """``COMPLETED``, or ``FAILED`` when a row (or the whole file) was refused; good rows are still applied."""
    reason: str
    """The service's reason text, verbatim."""
    failed_rows: dict[int, str] = field(default_factory=dict)
    """CSV row number (the header is row 1, ``devices[i]`` of the upload is row ``i + 2``) -> ``"field: problem"``.
    Empty for a COMPLETED job, and for a FAILED one whose reason names no row.
    """


class DeviceApi(Collection):
    """``/provisioning/device/{domain}``: PUT adds or modifies by the body's deviceId."""

    kind = "device"
    id_param = "deviceId"
    list_key = "devices"
    create_route = "put"
    body_id_field = "deviceId"

    def read_devices(self, domain: str, *, prefix: str | None = None) -> Iterator[DeviceReport]:
        """Every device of the domain (``device.list``, across pages), typed and without secrets.

        Args:
            domain: The tenant domain.
            prefix: Only devices whose id starts with it (the documented ``filter`` query parameter).

        Raises:
            ApiError: A listed device does not have the documented shape.
        """
        r = route("device.list")
        params = {"domain": domain}
        query = {"filter": prefix} if prefix else None
        for i, doc in enumerate(paginate(self.transport, r.path, params, items_key=self.list_key, params=query)):
            yield parse_reply(DeviceReport, doc, r.method, r.path, params, where=f"devices[{i}]")

    def bulk_upload(self, domain: str, bulk_id: str, devices: Sequence[Device]) -> Doc:
        """Start a bulk job provisioning ``devices`` (``PUT .../bulk/{bulkId}`` with :func:`bulk_csv`).

        The CSV is rendered, and checked for formula injection, before anything is sent; poll
        :meth:`bulk_status` with the same ``bulk_id`` for the outcome.
        """
        return self.bulk_upload_csv(domain, bulk_id, bulk_csv(devices))

    def bulk_upload_csv(self, domain: str, bulk_id: str, text: str) -> Doc:
        """Start a bulk job with a CSV already rendered and checked (:attr:`BulkChunk.csv`)."""
        r = route("device.bulk_put")
        params = {"domain": domain, "bulkId": bulk_id}
        return dict(self.transport.request_json(r.method, r.path, params, content=text, content_type="text/csv"))

    def bulk_status(self, domain: str, bulk_id: str) -> Doc:
        """The bulk job's status: ``status`` (STARTED, COMPLETED or FAILED), ``reason``, timestamps."""
        r = route("device.bulk_get")
        body = self.transport.request_json(r.method, r.path, {"domain": domain, "bulkId": bulk_id})
        return dict(body.get("status") or {})

    def wait_bulk(
        self,
        domain: str,
        bulk_id: str,
        *,
        on_progress: Callable[[int, int], object] | None = None,
        timeout: float = 600.0,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> BulkResult:
        """Poll :meth:`bulk_status` until the job is COMPLETED or FAILED.

        The first poll is 0.2 s after the call, the waits double up to 5 s, and the last poll is at the
        deadline; once the status has counted processed rows, the next poll comes no later than the rest
        should take at the pace so far (never sooner than 0.2 s). ``on_progress(processed, total)`` is
        called whenever the status carries ``processedRows`` and ``totalRows`` (an undocumented emulator
        extension; ignored while ``totalRows`` is 0, before the file is read) and they changed. A status
        other than COMPLETED or FAILED counts as still running. ``sleep`` and ``clock`` are injectable
        for tests.

        Raises:
            DeadlineExceededError: the job is still running after ``timeout`` seconds; it keeps running on
                the server, so waiting again with the same ``bulk_id`` picks it up.
            ApiError: a status request failed.
        """
        started = clock()
        deadline = started + timeout
        delay = _FIRST_POLL_S
        polls = 0
        counts: tuple[int, int] | None = None
        eta: float | None = None
        while True:
            sleep(min(delay, max(0.0, deadline - clock())))
            status = self.bulk_status(domain, bulk_id)
            polls += 1
            latest = _bulk_counts(status)
            if latest is not None and latest != counts:
                counts = latest
                if on_progress is not None:
                    on_progress(*counts)
            if latest is not None and latest[0] > 0:
                # Rows done since the upload give the pace; the next poll is due when the rest should be done.
                processed, total = latest
                eta = (total - processed) * (clock() - started) / processed
            state = status.get("status")
            if state == "COMPLETED" or state == "FAILED":
                reason = str(status.get("reason") or "")
                return BulkResult(bulk_id, state, reason, _failed_rows(reason) if state == "FAILED" else {})
            if clock() >= deadline:
                r = route("device.bulk_get")
                progress = f", {counts[0]} of {counts[1]} rows processed" if counts else ""
                raise DeadlineExceededError(
                    f"bulk job {bulk_id!r} of {domain} did not finish within {timeout:g} s "
                    f"({polls} status polls, last status {state!r}{progress}); the job keeps running on the "
                    "server: wait again with the same bulk id, or give it a longer timeout",
                    timeout_seconds=timeout,
                    method=r.method,
                    path=render_path(r.path, {"domain": domain, "bulkId": bulk_id}),
                    attempts=polls,
                )
            delay = min(delay * 2, _MAX_POLL_S)
            if eta is not None:
                delay = max(_FIRST_POLL_S, min(delay, eta + _FIRST_POLL_S / 4))


_FIRST_POLL_S = 0.2
_MAX_POLL_S = 5.0
_REASON_ROW = re.compile(r"row (\d+):\s*(.*)", re.IGNORECASE | re.DOTALL)


def _bulk_counts(status: dict[str, Any]) -> tuple[int, int] | None:
    processed, total = status.get("processedRows"), status.get("totalRows")
    # totalRows is 0 until the service has read the file: no progress to tell yet.
    if type(processed) is int and type(total) is int and 0 <= processed <= total and total > 0:
        return processed, total
    return None


def _failed_rows(reason: str) -> dict[int, str]:
    """``{row: "field: problem"}`` from a FAILED job's reason (``row N: field: problem`` items).

    Items are separated by ``; `` or newlines; an item without a ``row N:`` prefix continues the row
    before it (one row's several field errors, or a problem text that itself contains ``; ``). A
    ``header: ...`` item is the header's, row 1.
    """
    rows: dict[int, str] = {}
    current: int | None = None
    for item in re.split(r"; |\r?\n", reason):
        item = item.strip()
        if not item:
            continue
        match = _REASON_ROW.fullmatch(item)
        if match:
            current, item = int(match[1]), match[2]
        elif item.lower().startswith("header:"):
            current = 1
        elif current is None:
            continue  # text before the first row: kept in the reason only
        rows[current] = f"{rows[current]}; {item}" if current in rows else item
    return rows


_COMPUTED_COLUMNS = frozenset(computed_fields(Device))
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


def _cell_problem(column: str, cell: str) -> str | None:
    """Why a spreadsheet would run ``cell`` as a formula, if it would."""
    if not cell:
        return None
    harmless_sign = cell[0] in "+-" and (
        _NUMBER.fullmatch(cell) or (column == "deviceId" and re.fullmatch(DEVICE_ID_PATTERN, cell))
    )
    if cell.startswith(_FORMULA_START) or (cell[0] in "+-" and not harmless_sign):
        return f"the cell starts with {cell[0]!r} and would be interpreted as a spreadsheet formula"
    return None


def _check_cell(row: int, column: str, cell: str) -> None:
    problem = _cell_problem(column, cell)
    if problem is not None:
        raise InputError(problem, path=f"row {row}, column {column}", allowed=_CELL_ALLOWED)


def check_bulk_row(device: Device, limit_bytes: int = BULK_LIMIT_BYTES) -> None:
    """Refuse ``device`` where it cannot be a row of a bulk CSV upload, as :func:`split_bulk` would.

    Raises:
        InputError: ``path`` the column (camelCase, ``serviceData.<key>`` for a service-data key): a
            cell a spreadsheet would run as a formula, a property name that cannot be a header cell, an
            empty nested object, or a device whose CSV alone (header and row) is not under ``limit_bytes``.
    """
    row = _bulk_row(device)
    for column, cell in row.items():
        problem = _cell_problem(column, cell)
        if problem is not None:
            raise InputError(problem, path=column, allowed=_CELL_ALLOWED)
    # A cell takes at most twice its bytes plus quotes and a comma: render only rows that may be near the limit.
    if sum(2 * len(cell.encode()) + 3 for cell in (*row, *row.values())) < limit_bytes:
        return
    size = _csv_bytes(list(row)) + _csv_bytes(list(row.values()))
    if size >= limit_bytes:
        largest = max(row, key=lambda column: len(row[column].encode()))
        raise InputError(
            f"the device alone makes a {size}-byte bulk CSV, not under the limit of {limit_bytes} bytes",
            path=largest,
            allowed=f"a device whose bulk CSV (header and row) is under {limit_bytes} bytes",
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


# -- reading a bulk CSV and splitting an upload ----------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """Where a header cell's values go in a device body, and how its cells are read."""

    path: tuple[str, ...]
    kind: type | None
    """bool, int, float or str for a typed property; None for a JSON value (``serviceData.*``)."""


def _scalar(annotation: Any) -> type | None:
    """bool, int, float or str for a scalar annotation (Optional, Annotated and Literal unwrapped)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _scalar(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType or origin is Literal:
        members = get_args(annotation)
        found = {type(m) if origin is Literal else _scalar(m) for m in members if m is not type(None)}
        return found.pop() if len(found) == 1 else None
    return annotation if annotation in (bool, int, float, str) else None


def _nested(annotation: Any) -> type[BaseModel] | None:
    """The model of a nested-object annotation (Optional unwrapped)."""
    if get_origin(annotation) in (Union, types.UnionType):
        found = [m for m in map(_nested, get_args(annotation)) if m is not None]
        return found[0] if len(found) == 1 else None
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _is_json(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is_json(m) for m in get_args(annotation))
    return get_origin(annotation) is dict or annotation is dict


def _typed_columns() -> tuple[dict[str, _Column], frozenset[str]]:
    """The typed columns bulk_csv writes (``authorized.register``...) and the roots of JSON columns."""
    columns: dict[str, _Column] = {}
    json_roots: set[str] = set()
    for name, info in Device.model_fields.items():
        alias = info.alias or name
        sub = _nested(info.annotation)
        if behaviour(Device, name).computed:
            continue
        if _is_json(info.annotation):
            json_roots.add(alias)
            continue
        fields = (
            {f"{alias}.{s_info.alias or s_name}": s_info for s_name, s_info in sub.model_fields.items()}
            if sub is not None
            else {alias: info}
        )
        for column, f_info in fields.items():
            kind = _scalar(f_info.annotation)
            if kind is None:
                # A new field type must be taught to the reader rather than be read as text.
                raise RuntimeError(f"read_bulk_csv cannot read column {column} ({f_info.annotation})")
            columns[column] = _Column(tuple(column.split(".")), kind)
    return columns, frozenset(json_roots)


_TYPED_COLUMNS, _JSON_ROOTS = _typed_columns()
_OBJECT_ROOTS = frozenset(c.partition(".")[0] for c in _TYPED_COLUMNS if "." in c)
_SNAKE_NAMES = {name: info.alias or name for name, info in Device.model_fields.items()}
_COLUMNS_ALLOWED = "the device properties in camelCase: " + ", ".join(
    [*_TYPED_COLUMNS, *(f"{root}.<key>" for root in sorted(_JSON_ROOTS))]
)
_HEADER_ALLOWED = "a header naming deviceId and authType, then any other device properties"
_CSV_ALLOWED = (
    "a well-formed CSV file: a cell holding a comma, double quote or line break is enclosed in double quotes, "
    "with each double quote inside it doubled; cells up to 128 KiB"
)
_JSON_ALLOWED = (
    'a JSON value: text in double quotes (in a CSV file """example text"""), a number, true, false, null, '
    "an array or an object; no NaN or Infinity"
)
_KINDS: dict[type, tuple[str, str]] = {
    bool: ("a boolean", "true or false (lowercase)"),
    int: ("an integer", "an integer, e.g. 42"),
    float: ("a number", "a number, e.g. 300000 or 1.5"),
}
_INTEGER = re.compile(r"[+-]?\d+")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _cell_value(kind: type | None, cell: str, where: str) -> Any:
    """A non-empty cell read as ``kind`` (None: a JSON value); InputError at ``where`` otherwise."""
    if kind is str:
        return cell
    if kind is None:
        try:
            return json.loads(cell, parse_constant=_no_constant)
        except ValueError as exc:
            raise InputError(f"not a JSON value ({exc})", path=where, allowed=_JSON_ALLOWED) from None
    if kind is bool and cell in ("true", "false"):
        return cell == "true"
    if kind is int and _INTEGER.fullmatch(cell):
        return int(cell)
    if kind is float and _NUMBER.fullmatch(cell):
        return float(cell)
    name, allowed = _KINDS[kind]
    raise InputError(f"{cell!r} is not {name}", path=where, allowed=allowed)


def _header_column(name: str, where: str) -> _Column:
    typed = _TYPED_COLUMNS.get(name)
    if typed is not None:
        return typed
    root, dot, rest = name.partition(".")
    if dot and root in _JSON_ROOTS:
        keys = rest.split(".")
        for key in keys:
            _check_name(key, where)
        return _Column((root, *keys), None)
    if name in _COMPUTED_COLUMNS:
        problem = f"{name} is set by the server; a bulk CSV cannot provision it"
    elif name in _JSON_ROOTS or name in _OBJECT_ROOTS:
        problem = f"{name} is an object: its properties are dotted columns ({name}.<key>)"
    elif name in _SNAKE_NAMES:
        problem = f"unknown column {name!r}; the header uses camelCase names ({_SNAKE_NAMES[name]})"
    else:
        problem = f"unknown column {name!r}"
    raise InputError(problem, path=where, allowed=_COLUMNS_ALLOWED)


def _read_header(header: list[str]) -> list[tuple[str, _Column]]:
    """The header's columns, in order; InputError for an empty, repeated, unknown or conflicting one."""
    columns: list[tuple[str, _Column]] = []
    positions: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        where = f"row 1, column {name or position}"
        if not name:
            raise InputError("the header cell is empty", path=where, allowed=_COLUMNS_ALLOWED)
        if name in positions:
            raise InputError(
                f"the column appears twice (columns {positions[name]} and {position})",
                path=where,
                allowed="each column once",
            )
        positions[name] = position
        columns.append((name, _header_column(name, where)))
    json_paths = {column.path: name for name, column in columns if column.kind is None}
    for name, column in columns:
        for end in range(2, len(column.path)):
            outer = json_paths.get(column.path[:end])
            if column.kind is None and outer is not None:
                raise InputError(
                    f"conflicts with column {outer}, which holds the whole value",
                    path=f"row 1, column {name}",
                    allowed=f"either {outer} holding a JSON object or its dotted columns, not both",
                )
    for required in ("deviceId", "authType"):
        if required not in positions:
            raise InputError(
                f"the header has no {required} column", path=f"row 1, column {required}", allowed=_HEADER_ALLOWED
            )
    return columns


def _field_doc(path: str) -> str | None:
    """The documentation of the deepest typed device property on a wire ``path``."""
    model: type[BaseModel] | None = Device
    doc: str | None = None
    for part in path.split("."):
        by_alias = {info.alias or name: info for name, info in model.model_fields.items()} if model else {}
        if part not in by_alias:
            break
        doc, model = by_alias[part].description, _nested(by_alias[part].annotation)
    return " ".join(doc.replace("``", "").split()) if doc else None


def _read_row(number: int, columns: list[tuple[str, _Column]], cells: list[str]) -> Device:
    if len(cells) != len(columns):
        where = columns[len(cells)][0] if len(cells) < len(columns) else str(len(columns) + 1)
        raise InputError(
            f"the row has {len(cells)} cells, the header {len(columns)}",
            path=f"row {number}, column {where}",
            allowed="a cell for every header column (an empty cell for an absent property)",
        )
    body: dict[str, Any] = {}
    for (name, column), cell in zip(columns, cells, strict=True):
        if cell == "":
            continue
        _check_cell(number, name, cell)
        target = body
        for key in column.path[:-1]:
            target = target.setdefault(key, {})
        target[column.path[-1]] = _cell_value(column.kind, cell, f"row {number}, column {name}")
    try:
        return Device.model_validate(body, by_alias=True, by_name=False)
    except ValidationError as exc:
        path, problem = format_errors(exc)[0]
    names = [name for name, _ in columns]
    # A problem inside a JSON cell is named by the cell's column and the path within its value.
    outer = max((n for n in names if path.startswith(f"{n}.")), key=len, default=None)
    if path not in names and outer is not None:
        path, problem = outer, f"{path[len(outer) + 1 :]}: {problem}"
    raise InputError(
        problem, path=f"row {number}, column {path}", allowed=_field_doc(path) or "a value the device schema accepts"
    )


def read_bulk_csv(text: str) -> list[Device]:
    """Read a bulk provisioning CSV (the format :func:`bulk_csv` writes) into validated devices.

    The header (row 1) names device properties in camelCase, nested objects as dotted columns
    (``authorized.register``) and ``serviceData`` keys as ``serviceData.<key>`` (a deeper
    ``serviceData.foo.bar`` nests, as in the docs' example) holding JSON values. An empty cell means
    the property is absent; a row with only blank cells is skipped; a leading byte order mark is ignored.
    ``read_bulk_csv(bulk_csv(devices)) == devices`` unless a device has an empty string, an empty
    ``serviceData`` or a property outside the schema (the CSV cannot tell the first two from absent ones,
    and the reader refuses unknown columns).

    Raises:
        InputError: for the first problem, ``path`` ``"row N, column C"`` (``"rows M and N, column
            deviceId"`` for a repeated deviceId; ``column (csv)`` for malformed CSV): an empty,
            repeated, unknown or server-set header column, a missing deviceId or authType column, a
            row of the wrong length, a cell a spreadsheet would run as a formula, a boolean, number
            or JSON cell that does not parse, or a device the schema refuses.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    columns: list[tuple[str, _Column]] | None = None
    devices: list[Device] = []
    rows_of: dict[str, int] = {}
    number = 0
    try:
        for cells in reader:
            number += 1
            if columns is None:
                header = [cell.strip() for cell in cells]
                columns = _read_header(header) if any(header) else []
                continue
            if not any(cell.strip() for cell in cells):
                continue
            if not columns:
                raise InputError("the header row is empty", path="row 1, column deviceId", allowed=_HEADER_ALLOWED)
            device = _read_row(number, columns, cells)
            first = rows_of.setdefault(device.device_id, number)
            if first != number:
                raise InputError(
                    f"deviceId {device.device_id!r} is on two rows",
                    path=f"rows {first} and {number}, column deviceId",
                    allowed="one row per deviceId: merge the two rows or remove one",
                )
            devices.append(device)
    except csv.Error as exc:
        # The csv module stops at the damage; the row is the record it was reading.
        raise InputError(
            f"malformed CSV: {exc}", path=f"row {number + 1}, column (csv)", allowed=_CSV_ALLOWED
        ) from None
    return devices


def _csv_bytes(cells: Sequence[str]) -> int:
    """Bytes of one rendered CSV line (as :func:`bulk_csv` writes it, UTF-8)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return len(out.getvalue().encode())


def _checked_row(number: int, device: Device) -> dict[str, str]:
    """The device's bulk row, refused as :func:`bulk_csv` would, but naming its row in the whole list."""
    try:
        row = _bulk_row(device)
    except InputError as exc:
        raise InputError(exc.message, path=f"row {number}, column {exc.path}", allowed=exc.allowed) from None
    for column, cell in row.items():
        _check_cell(number, column, cell)
    return row


@dataclass(frozen=True)
class BulkChunk:
    """One bulk job's share of an upload (:func:`bulk_chunks`)."""

    devices: list[Device]
    """The chunk's devices, in upload order."""
    csv: str
    """``bulk_csv(devices)``, rendered once."""


def bulk_chunks(devices: Sequence[Device], limit_bytes: int = BULK_LIMIT_BYTES) -> list[BulkChunk]:
    """Split ``devices`` into consecutive chunks, in order, each with a ``bulk_csv(chunk)`` under ``limit_bytes``,
    rendering each device's row once.

    Chunks are filled greedily (each as long as the limit allows); every device is checked as
    :func:`bulk_csv` checks it before any chunk is returned, so no chunk of an upload is refused
    after others were sent. No devices give no chunks.

    Raises:
        InputError: naming ``row N`` as in ``bulk_csv(devices)`` (``devices[i]`` is row ``i + 2``): a
            device whose CSV alone (header and row) is not under the limit (the column named is its
            largest cell), or a cell or property :func:`bulk_csv` refuses.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def line(cells: Sequence[str]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(cells)
        return out.getvalue()

    chunks: list[BulkChunk] = []
    chunk: list[Device] = []
    lines: list[tuple[str, int]] = []  # each row as rendered when added, and the header's width then
    columns: dict[str, None] = {}  # the chunk's header, in bulk_csv's first-seen order
    rows_bytes = 0  # the chunk's rows as rendered under its current header

    def close() -> None:
        header = list(columns)
        # A row rendered under a narrower header gets an empty cell (a comma) per later column.
        body = "".join(text[:-1] + "," * (len(header) - width) + "\n" for text, width in lines)
        chunks.append(BulkChunk(chunk, line(header) + body))

    header_bytes = 0  # the chunk's header line as rendered
    for number, device in enumerate(devices, start=2):
        row = _checked_row(number, device)
        new = [column for column in row if column not in columns]
        header = [*columns, *new]
        text = line([row.get(column, "") for column in header])
        # Each new column is one more empty cell, one comma, on every row already in the chunk.
        added = len(chunk) * len(new) + len(text.encode())
        grown = len(line(header).encode()) if new or not chunk else header_bytes
        if chunk and grown + rows_bytes + added >= limit_bytes:
            close()
            chunk, lines, columns, rows_bytes = [], [], {}, 0
            new = header = list(row)
            text = line(list(row.values()))
            added, grown = len(text.encode()), len(line(header).encode())
        header_bytes = grown
        if not chunk and header_bytes + added >= limit_bytes:
            largest = max(row, key=lambda column: len(row[column].encode()))
            raise InputError(
                f"device {device.device_id!r} alone makes a {header_bytes + added}-byte bulk CSV, "
                f"not under the limit of {limit_bytes} bytes",
                path=f"row {number}, column {largest}",
                allowed=f"a device whose bulk CSV (header and row) is under {limit_bytes} bytes; its largest "
                f"cell is {largest} ({len(row[largest].encode())} bytes)",
            )
        chunk.append(device)
        columns.update(dict.fromkeys(new))
        lines.append((text, len(columns)))
        rows_bytes += added
    if chunk:
        close()
    return chunks


def split_bulk(devices: Sequence[Device], limit_bytes: int = BULK_LIMIT_BYTES) -> list[list[Device]]:
    """The devices of :func:`bulk_chunks`: ``devices`` in consecutive chunks, each with a ``bulk_csv(chunk)``
    under ``limit_bytes`` (raises as it does)."""
    return [chunk.devices for chunk in bulk_chunks(devices, limit_bytes)]
