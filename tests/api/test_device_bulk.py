"""``pulumi_iotcomms.api.device`` bulk building blocks: ``read_bulk_csv`` (the inverse of ``bulk_csv``),
``split_bulk`` (uploads under the size limit) and ``DeviceApi.wait_bulk`` (polling a job to its end)."""

from __future__ import annotations

import itertools
import random
import time
from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.device import (
    BULK_LIMIT_BYTES,
    Authorized,
    BulkResult,
    Device,
    DeviceApi,
    _cell_value,
    bulk_chunks,
    bulk_csv,
    read_bulk_csv,
    split_bulk,
)
from pulumi_iotcomms.errors import ApiError, DeadlineExceededError, InputError, NotFoundError
from tests.emulator_client import DOMAIN

FORMULA_ALLOWED = (
    "cells not starting with =, @, tab or carriage return; a leading + or - only in a deviceId or a number"
)
HEADER = "deviceId,authType"


def size(devices: list[Device]) -> int:
    return len(bulk_csv(devices).encode())


# -- read_bulk_csv: round trip ---------------------------------------------------------------------

_TEXTS = ["a", "note, with comma", 'say "hi"', "two\nlines", "  padded  ", "åäö ✓ 设备", "-5", "+46701234567", "a=b"]
_JSON_VALUES: list[Any] = [
    "text",
    "=1+1",
    -5,
    1.5,
    1e100,
    2**70,
    True,
    False,
    None,
    [],
    {},
    ["x", 1, None],
    {"a": {"b": [1, {"c": "d"}]}},
    "ünïcödé",
]


def random_device(rng: random.Random, index: int) -> Device:
    """A valid device with a random subset of the properties bulk_csv writes (no empty strings or objects)."""
    auth_type = rng.choice(["credentials", "deviceid", "userid"])
    fields: dict[str, Any] = {
        "device_id": f"{rng.choice(['', '-', '+', 'site:ctl:'])}dev-{index}",
        "auth_type": auth_type,
    }
    if auth_type == "userid":
        authorized = {k: v for k, v in {"domain": DOMAIN, "invite": "^46.*", "register": rng.random() < 0.5}.items()}
        fields["password"] = rng.choice(_TEXTS)
        fields["authorized"] = dict(rng.sample(sorted(authorized.items()), rng.randint(1, 3)))
    if auth_type == "credentials" and rng.random() < 0.5:
        fields["ha1"] = "0123456789abcdef" * 2
    for name in ("description", "device_cli", "mac_address"):
        if rng.random() < 0.4:
            fields[name] = rng.choice(_TEXTS)
    if rng.random() < 0.4:
        fields["device_type"] = rng.choice(["sipDevice", "alarmbridgeConnect", "groupScheme", "alarmUnit"])
    if rng.random() < 0.5:
        fields["service_data"] = {f"k{rng.randint(0, 3)}": rng.choice(_JSON_VALUES) for _ in range(rng.randint(1, 3))}
        if rng.random() < 0.3:
            fields["service_data"]["alarmBridge"] = {"heartbeatInterval": 300000, "alarmProtocol": "scaip"}
    return Device.model_validate(fields)


def random_devices(seed: int) -> list[Device]:
    rng = random.Random(seed)
    return [random_device(rng, i) for i in range(rng.randint(1, 12))]


ROUND_TRIP: list[Any] = [
    pytest.param([], id="no-devices"),
    pytest.param([Device(device_id="1234", auth_type="deviceid")], id="minimal"),
    pytest.param(
        [
            Device(
                device_id="app-1",
                auth_type="userid",
                password="supersecret",
                authorized=Authorized(domain="customer47.example", invite=".*", register=True),
            ),
            Device(device_id="app-2", auth_type="userid", password="pw", authorized=Authorized(register=False)),
        ],
        id="nested-objects-and-booleans",
    ),
    pytest.param(
        [Device(device_id="sip-1", auth_type="credentials", ha1="0123456789ABCDEF" * 2, device_type="sipDevice")],
        id="credentials-ha1",
    ),
    pytest.param(
        [Device(device_id=f"d{i}", auth_type="deviceid", description=text) for i, text in enumerate(_TEXTS)],
        id="quoting-unicode-and-harmless-signs",
    ),
    pytest.param(
        [
            Device(device_id="-unit", auth_type="deviceid", device_cli="+46701234567", mac_address="aa:bb:cc"),
            Device(device_id="+46:unit-1", auth_type="deviceid", device_type="alarmUnit"),
        ],
        id="signed-device-ids",
    ),
    pytest.param(
        [
            Device(device_id=f"sd-{i}", auth_type="deviceid", service_data={"value": value})
            for i, value in enumerate(_JSON_VALUES)
        ],
        id="service-data-json-values",
    ),
    pytest.param(
        [
            Device(
                device_id="ab-1",
                auth_type="deviceid",
                service_data={
                    "alarmBridge": {
                        "heartbeatInterval": 300000,
                        "alarmProtocol": "tt92",
                        "overrideInAlarmEvent": {"priority": 2, "location": "hall"},
                        "usePredefinedDestination": False,
                    }
                },
            )
        ],
        id="service-data-alarm-bridge",
    ),
    pytest.param(
        [
            Device(device_id="a", auth_type="deviceid", description="first"),
            Device(device_id="b", auth_type="deviceid", mac_address="aa:bb", service_data={"x": 1}),
            Device(device_id="c", auth_type="userid", password="p", authorized=Authorized(invite="^1")),
        ],
        id="different-columns-per-device",
    ),
    *(pytest.param(random_devices(seed), id=f"random-{seed}") for seed in range(25)),
]


@pytest.mark.parametrize("devices", ROUND_TRIP)
def test_read_bulk_csv_is_the_inverse_of_bulk_csv(devices: list[Device]) -> None:
    assert read_bulk_csv(bulk_csv(devices)) == devices


@pytest.mark.parametrize("devices", ROUND_TRIP)
def test_read_bulk_csv_round_trip_keeps_the_wire_form(devices: list[Device]) -> None:
    read = read_bulk_csv(bulk_csv(devices))
    assert [d.to_wire() for d in read] == [{k: v for k, v in d.to_wire().items() if v is not None} for d in devices]
    assert bulk_csv(read) == bulk_csv(devices)


# -- read_bulk_csv: the documented format ----------------------------------------------------------


def test_read_bulk_csv_reads_the_docs_examples() -> None:
    basics = "deviceId,authType\n1234,deviceid\n5678,deviceid\n"
    assert read_bulk_csv(basics) == [
        Device(device_id="1234", auth_type="deviceid"),
        Device(device_id="5678", auth_type="deviceid"),
    ]
    nested = (
        "deviceId,authType,authorized.domain,authorized.invite,authorized.register,password\n"
        "1234,userid,customer47.prod-eu-north-1.iotcomms.io,.*,true,supersecret\n"
    )
    (device,) = read_bulk_csv(nested)
    assert device.authorized == Authorized(domain="customer47.prod-eu-north-1.iotcomms.io", invite=".*", register=True)
    assert device.password == "supersecret"
    # "serviceData.foo.bar" nests; a JSON text cell is "example text", written """example text""" in a CSV file.
    service_data = 'deviceId,authType,serviceData.foo.bar\n1234,deviceid,"""example text"""\n'
    (device,) = read_bulk_csv(service_data)
    assert device.service_data == {"foo": {"bar": "example text"}}


def test_read_bulk_csv_treats_an_empty_cell_as_absent() -> None:
    text = "deviceId,authType,description,authorized.register,serviceData.x\nu1,deviceid,,,\n"
    (device,) = read_bulk_csv(text)
    assert device.to_wire() == {"deviceId": "u1", "authType": "deviceid"}
    assert device.authorized is None
    assert device.service_data is None


def test_read_bulk_csv_accepts_crlf_a_byte_order_mark_padded_header_cells_and_skips_blank_rows() -> None:
    text = "\ufeff deviceId , authType\r\nu1,deviceid\r\n\r\n,\r\nu2,deviceid\r\n"
    assert [d.device_id for d in read_bulk_csv(text)] == ["u1", "u2"]


@pytest.mark.parametrize("text", ["", "\n", "deviceId,authType\n", "deviceId,authType\n\n,\n"])
def test_read_bulk_csv_of_no_rows_is_no_devices(text: str) -> None:
    assert read_bulk_csv(text) == []


def test_read_bulk_csv_counts_blank_rows_like_the_service() -> None:
    """A skipped blank row still has a number: errors name the row a spreadsheet (and the service) shows."""
    with pytest.raises(InputError) as info:
        read_bulk_csv("deviceId,authType\nu1,deviceid\n\nbad id,deviceid\n")
    assert info.value.path == "row 4, column deviceId"


@pytest.mark.parametrize(
    ("kind", "cell", "value"),
    [
        pytest.param(int, "42", 42, id="int"),
        pytest.param(int, "-7", -7, id="negative-int"),
        pytest.param(float, "300000", 300000.0, id="float-integral"),
        pytest.param(float, "1.5e-3", 0.0015, id="float-exponent"),
        pytest.param(bool, "true", True, id="true"),
        pytest.param(bool, "false", False, id="false"),
        pytest.param(str, "=x", "=x", id="str-verbatim"),
        pytest.param(None, "[1,null]", [1, None], id="json"),
    ],
)
def test_cells_of_numbers_and_booleans_read_as_bulk_csv_writes_them(kind: type | None, cell: str, value: Any) -> None:
    # No writable device property is a number today (the numbers are server-set), so the reader is checked directly.
    assert _cell_value(kind, cell, "here") == value
    assert type(_cell_value(kind, cell, "here")) is type(value)


@pytest.mark.parametrize(
    ("kind", "cell"),
    [(int, "1.5"), (int, "x"), (float, "NaN"), (float, "inf"), (float, "1,5"), (bool, "True"), (bool, "1")],
)
def test_cells_that_are_not_numbers_or_booleans_are_refused(kind: type, cell: str) -> None:
    with pytest.raises(InputError) as info:
        _cell_value(kind, cell, "row 2, column x")
    assert info.value.path == "row 2, column x"
    assert info.value.allowed


# -- read_bulk_csv: errors -------------------------------------------------------------------------


ERRORS: list[Any] = [
    # header
    pytest.param(f"{HEADER},foo\n", "row 1, column foo", "unknown column 'foo'", "deviceId, authType", id="unknown"),
    pytest.param(
        "device_id,authType\n", "row 1, column device_id", "camelCase names (deviceId)", "deviceId", id="snake-case"
    ),
    pytest.param(
        f"{HEADER},authorized.foo\n", "row 1, column authorized.foo", "unknown column", "", id="unknown-nested"
    ),
    pytest.param(f"{HEADER},description.x\n", "row 1, column description.x", "unknown column", "", id="dotted-scalar"),
    pytest.param(
        f"{HEADER},lastConfigured\n", "row 1, column lastConfigured", "set by the server", "", id="computed-column"
    ),
    pytest.param(f"{HEADER},authorized\n", "row 1, column authorized", "authorized.<key>", "", id="bare-object"),
    pytest.param(f"{HEADER},serviceData\n", "row 1, column serviceData", "serviceData.<key>", "", id="bare-service"),
    pytest.param(f"{HEADER},deviceId\n", "row 1, column deviceId", "columns 1 and 3", "each column once", id="twice"),
    pytest.param("deviceId,,authType\n", "row 1, column 2", "header cell is empty", "", id="empty-header-cell"),
    pytest.param("deviceId\nu1\n", "row 1, column authType", "no authType column", "deviceId and authType", id="no-at"),
    pytest.param("authType\n", "row 1, column deviceId", "no deviceId column", "", id="no-device-id-column"),
    pytest.param("\nu1,deviceid\n", "row 1, column deviceId", "header row is empty", "", id="empty-header"),
    pytest.param(
        f"{HEADER},serviceData.foo,serviceData.foo.bar\n",
        "row 1, column serviceData.foo.bar",
        "conflicts with column serviceData.foo",
        "either serviceData.foo",
        id="json-column-conflict",
    ),
    pytest.param(f"{HEADER},serviceData.=x\n", "row 1, column serviceData.=x", "'=x'", "without '.'", id="formula-key"),
    pytest.param(f"{HEADER},serviceData.a..b\n", "row 1, column serviceData.a..b", "''", "non-empty", id="empty-key"),
    # row shape and CSV syntax
    pytest.param(f"{HEADER}\nu1,deviceid,x\n", "row 2, column 3", "3 cells, the header 2", "", id="too-many-cells"),
    pytest.param(f"{HEADER}\nu1\n", "row 2, column authType", "1 cells, the header 2", "", id="too-few-cells"),
    pytest.param(
        f'{HEADER},description\nu1,deviceid,x\nu2,deviceid,"open\n',
        "row 3, column (csv)",
        "malformed CSV",
        "enclosed in double quotes",
        id="unterminated-quote",
    ),
    pytest.param(f'{HEADER}\nu1,"device"id\n', "row 2, column (csv)", "malformed CSV", "", id="quote-mid-cell"),
    # cells
    pytest.param(
        f"{HEADER},serviceData.foo\nu1,deviceid,example text\n",
        "row 2, column serviceData.foo",
        "not a JSON value",
        '"""example text"""',
        id="json-unquoted-text",
    ),
    pytest.param(f"{HEADER},serviceData.x\nu1,deviceid,NaN\n", "row 2, column serviceData.x", "NaN", "", id="json-nan"),
    pytest.param(
        f'{HEADER},serviceData.x\nu1,deviceid,{{"a":}}\n', "row 2, column serviceData.x", "JSON", "", id="json-bad"
    ),
    pytest.param(
        "deviceId,authType,password,authorized.register\nu1,userid,pw,TRUE\n",
        "row 2, column authorized.register",
        "'TRUE' is not a boolean",
        "true or false",
        id="boolean-case",
    ),
    pytest.param(
        f"{HEADER},description\nu1,deviceid,=1+1\n",
        "row 2, column description",
        "spreadsheet formula",
        FORMULA_ALLOWED,
        id="formula-cell",
    ),
    # the model's own checks
    pytest.param(f"{HEADER}\nbad id,deviceid\n", "row 2, column deviceId", "pattern", "Unique id", id="device-id"),
    pytest.param(f"{HEADER}\nu1,jwt\n", "row 2, column authType", "'credentials'", "SIP digest", id="auth-type"),
    pytest.param(f"{HEADER}\nu1,\n", "row 2, column authType", "Field required", "", id="auth-type-empty"),
    pytest.param(f"{HEADER}\nu1,userid\n", "row 2, column password", "required when authType is userid", "", id="pw"),
    pytest.param(f"{HEADER},ha1\nu1,credentials,xyz\n", "row 2, column ha1", "pattern", "HA1 hash", id="ha1-pattern"),
    pytest.param(
        f"{HEADER},description\nu1,deviceid,{'x' * 201}\n",
        "row 2, column description",
        "at most 200 characters",
        "200 characters",
        id="description-too-long",
    ),
    pytest.param(
        f'{HEADER},serviceData.alarmBridge\nu1,deviceid,\nu2,deviceid,"{{""heartbeatInterval"":5}}"\n',
        "row 3, column serviceData.alarmBridge",
        "heartbeatInterval: Input should be greater than or equal to 300000",
        "at least 300000",
        id="alarm-bridge-in-object-cell",
    ),
    pytest.param(
        f"{HEADER},serviceData.alarmBridge.heartbeatInterval\nu1,deviceid,5\n",
        "row 2, column serviceData.alarmBridge.heartbeatInterval",
        "greater than or equal to 300000",
        "at least 300000",
        id="alarm-bridge-dotted-column",
    ),
    pytest.param(
        f"{HEADER}\nu1,deviceid\nu2,deviceid\nu1,deviceid\n",
        "rows 2 and 4, column deviceId",
        "deviceId 'u1' is on two rows",
        "one row per deviceId",
        id="duplicate-device-id",
    ),
]


@pytest.mark.parametrize(("text", "path", "message", "allowed"), ERRORS)
def test_read_bulk_csv_refuses_naming_row_and_column(text: str, path: str, message: str, allowed: str) -> None:
    with pytest.raises(InputError) as info:
        read_bulk_csv(text)
    assert info.value.path == path
    assert message in info.value.message
    assert info.value.allowed  # every refusal says what would be accepted
    assert allowed in info.value.allowed


# -- split_bulk ------------------------------------------------------------------------------------


def varied_devices() -> list[Device]:
    """Devices whose columns grow along the list (every new column widens the earlier rows) and multi-byte text."""
    rng = random.Random(7)
    return [random_device(rng, i) for i in range(40)]


@pytest.mark.parametrize("extra", [1, 100, 400, 1500, 6000])
def test_split_bulk_makes_consecutive_greedy_chunks_under_the_limit(extra: int) -> None:
    devices = varied_devices()
    limit = max(size([d]) for d in devices) + extra
    chunks = split_bulk(devices, limit)
    assert [d for chunk in chunks for d in chunk] == devices
    assert all(chunk and size(chunk) < limit for chunk in chunks)
    # Each chunk's CSV, rendered row by row as the chunk grew, is bulk_csv of the chunk.
    rendered = bulk_chunks(devices, limit)
    assert [c.devices for c in rendered] == chunks
    assert [c.csv for c in rendered] == [bulk_csv(chunk) for chunk in chunks]
    # Each chunk is as long as the limit allows: the next device would have pushed it to the limit.
    for chunk, following in itertools.pairwise(chunks):
        assert size([*chunk, following[0]]) >= limit


def test_split_bulk_limit_is_exclusive() -> None:
    device = Device(device_id="u1", auth_type="deviceid")
    exact = size([device])
    assert split_bulk([device], exact + 1) == [[device]]
    with pytest.raises(InputError):
        split_bulk([device], exact)
    two = [device, Device(device_id="u2", auth_type="deviceid")]
    assert split_bulk(two, size(two)) == [[device], [two[1]]]
    assert split_bulk(two, size(two) + 1) == [two]


def test_split_bulk_counts_bytes_not_characters() -> None:
    devices = [Device(device_id=f"u{i}", auth_type="deviceid", description="设备" * 10) for i in range(4)]
    limit = size(devices[:2]) + 1
    assert len(bulk_csv(devices[:3])) < limit  # counted in characters, three would fit
    assert split_bulk(devices, limit) == [devices[:2], devices[2:]]


def test_split_bulk_of_no_devices_is_no_chunks() -> None:
    assert split_bulk([]) == []


def test_split_bulk_default_limit_is_the_documented_10_mb() -> None:
    assert BULK_LIMIT_BYTES == 10 * 1024 * 1024
    devices = varied_devices()
    assert split_bulk(devices) == [devices]


def test_split_bulk_refuses_a_device_too_large_alone_naming_its_row_and_largest_cell() -> None:
    devices = [
        Device(device_id="u1", auth_type="deviceid"),
        Device(device_id="big", auth_type="deviceid", description="d", service_data={"blob": "x" * 500}),
        Device(device_id="u3", auth_type="deviceid"),
    ]
    with pytest.raises(InputError) as info:
        split_bulk(devices, 300)
    assert info.value.path == "row 3, column serviceData.blob"
    assert "'big'" in info.value.message
    assert "300" in (info.value.allowed or "")


def test_split_bulk_checks_every_device_before_returning_any_chunk() -> None:
    """A refused device late in the list fails the split, naming its row in the whole list, not in its chunk."""
    devices = [Device(device_id=f"u{i}", auth_type="deviceid") for i in range(20)]
    devices.append(Device(device_id="u20", auth_type="deviceid", description="=1+1"))
    with pytest.raises(InputError) as info:
        split_bulk(devices, 100)
    assert info.value.path == "row 22, column description"
    assert info.value.allowed == FORMULA_ALLOWED
    empty = Device(device_id="app", auth_type="userid", password="p", authorized=Authorized())
    with pytest.raises(InputError) as info:
        split_bulk([devices[0], empty], 100)
    assert info.value.path == "row 3, column authorized"


# -- wait_bulk: scripted statuses ------------------------------------------------------------------


class FakeClock:
    """A clock that only moves when slept on; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 9))
        self.now += seconds

    def __call__(self) -> float:
        return self.now


class ScriptedApi(DeviceApi):
    """A DeviceApi whose bulk_status answers the given statuses in turn (the last one forever)."""

    def __init__(self, *statuses: dict[str, Any]) -> None:
        self.statuses = list(statuses)
        self.polls: list[tuple[str, str]] = []

    def bulk_status(self, domain: str, bulk_id: str) -> dict[str, Any]:
        self.polls.append((domain, bulk_id))
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


def status(state: str, reason: str = "", **extra: Any) -> dict[str, Any]:
    return {"status": state, "reason": reason, "bulkId": "job-1", "domain": DOMAIN, **extra}


def test_wait_bulk_backs_off_from_200_ms_doubling_to_5_s() -> None:
    api = ScriptedApi(*[status("STARTED")] * 9, status("COMPLETED", "12 devices provisioned"))
    clock = FakeClock()
    result = api.wait_bulk(DOMAIN, "job-1", sleep=clock.sleep, clock=clock)
    assert clock.sleeps == [0.2, 0.4, 0.8, 1.6, 3.2, 5.0, 5.0, 5.0, 5.0, 5.0]
    assert api.polls == [(DOMAIN, "job-1")] * 10
    assert result == BulkResult("job-1", "COMPLETED", "12 devices provisioned", {})


def test_wait_bulk_polls_when_the_pace_so_far_says_the_job_ends() -> None:
    api = ScriptedApi(
        status("STARTED", processedRows=100, totalRows=1000),  # at 0.2 s: 1.8 s to go, the doubling waits less
        status("STARTED", processedRows=300, totalRows=1000),  # at 0.6 s: 1.4 s to go
        status("STARTED", processedRows=700, totalRows=1000),  # at 1.4 s: 0.6 s to go, sooner than 1.6 s
        status("COMPLETED", "1000 devices provisioned", processedRows=1000, totalRows=1000),
    )
    clock = FakeClock()
    api.wait_bulk(DOMAIN, "job-1", sleep=clock.sleep, clock=clock)
    assert clock.sleeps == [0.2, 0.4, 0.8, 0.65]


def test_wait_bulk_of_a_finished_job_polls_once() -> None:
    api = ScriptedApi(status("COMPLETED", "1 devices provisioned"))
    clock = FakeClock()
    assert api.wait_bulk(DOMAIN, "job-1", sleep=clock.sleep, clock=clock).status == "COMPLETED"
    assert clock.sleeps == [0.2]


def test_wait_bulk_treats_unknown_statuses_as_running() -> None:
    api = ScriptedApi(status("QUEUED"), {}, status("STARTED"), status("FAILED", "row 2: deviceId: bad"))
    clock = FakeClock()
    result = api.wait_bulk(DOMAIN, "job-1", sleep=clock.sleep, clock=clock)
    assert (result.status, result.failed_rows) == ("FAILED", {2: "deviceId: bad"})
    assert len(api.polls) == 4


def test_wait_bulk_reports_progress_when_the_counts_change() -> None:
    api = ScriptedApi(
        status("STARTED"),
        status("STARTED", processedRows=0, totalRows=10),
        status("STARTED", processedRows=0, totalRows=10),
        status("STARTED", processedRows=4),  # half the pair: not a count
        status("STARTED", processedRows=True, totalRows=10),  # not a number
        status("STARTED", processedRows=0, totalRows=0),  # the file is not read yet
        status("STARTED", processedRows=4, totalRows=10),
        status("COMPLETED", "10 devices provisioned", processedRows=10, totalRows=10),
    )
    clock = FakeClock()
    calls: list[tuple[int, int]] = []
    api.wait_bulk(
        DOMAIN, "job-1", on_progress=lambda done, total: calls.append((done, total)), sleep=clock.sleep, clock=clock
    )
    assert calls == [(0, 10), (4, 10), (10, 10)]


def test_wait_bulk_without_counts_never_calls_on_progress() -> None:
    api = ScriptedApi(status("STARTED"), status("COMPLETED"))
    clock = FakeClock()
    calls: list[tuple[int, int]] = []
    api.wait_bulk(DOMAIN, "job-1", on_progress=lambda *counts: calls.append(counts), sleep=clock.sleep, clock=clock)
    assert calls == []


@pytest.mark.parametrize(
    ("reason", "rows"),
    [
        pytest.param(
            "row 3: deviceId: String should match pattern '^[a-zA-Z0-9\\-\\._:~+]+$'; "
            "row 4: password: required when authType is userid",
            {
                3: "deviceId: String should match pattern '^[a-zA-Z0-9\\-\\._:~+]+$'",
                4: "password: required when authType is userid",
            },
            id="emulator-semicolons",
        ),
        pytest.param(
            "row 2: authorized.register: must be true or false\nrow 7: serviceData.x: must be a JSON value\n",
            {2: "authorized.register: must be true or false", 7: "serviceData.x: must be a JSON value"},
            id="newlines",
        ),
        pytest.param(
            "row 5: authType: Input should be 'credentials'; deviceType: Input should be 'sipDevice'; row 9: x: y",
            {5: "authType: Input should be 'credentials'; deviceType: Input should be 'sipDevice'", 9: "x: y"},
            id="several-fields-of-one-row",
        ),
        pytest.param(
            "row 6: (csv): field larger than field limit (131072); the rest was not read",
            {6: "(csv): field larger than field limit (131072); the rest was not read"},
            id="unreadable-rest",
        ),
        pytest.param(
            "header: must name the deviceId and authType columns",
            {1: "header: must name the deviceId and authType columns"},
            id="header-is-row-1",
        ),
        pytest.param("row 3: expected 2 cells, got 3", {3: "expected 2 cells, got 3"}, id="row-without-field"),
        pytest.param("internal error", {}, id="no-rows"),
        pytest.param("", {}, id="empty"),
    ],
)
def test_wait_bulk_parses_the_failed_rows_of_the_reason(reason: str, rows: dict[int, str]) -> None:
    api = ScriptedApi(status("STARTED"), status("FAILED", reason))
    clock = FakeClock()
    result = api.wait_bulk(DOMAIN, "job-1", sleep=clock.sleep, clock=clock)
    assert result == BulkResult("job-1", "FAILED", reason, rows)


def test_wait_bulk_of_a_completed_job_has_no_failed_rows() -> None:
    api = ScriptedApi(status("COMPLETED", "row 3: a summary that looks like an error"))
    clock = FakeClock()
    assert api.wait_bulk(DOMAIN, "job-1", sleep=clock.sleep, clock=clock).failed_rows == {}


def test_wait_bulk_times_out_with_a_deadline_error_naming_the_job() -> None:
    api = ScriptedApi(status("STARTED", processedRows=3, totalRows=9))
    clock = FakeClock()
    with pytest.raises(DeadlineExceededError) as info:
        api.wait_bulk(DOMAIN, "job-7", timeout=1.0, sleep=clock.sleep, clock=clock)
    # The last wait is cut to the deadline, where the last poll happens.
    assert clock.sleeps == [0.2, 0.4, 0.4]
    assert len(api.polls) == 3
    error = info.value
    assert isinstance(error, ApiError)
    assert "'job-7'" in str(error)
    assert "3 of 9 rows processed" in str(error)
    assert "wait again with the same bulk id" in str(error)
    assert (error.timeout_seconds, error.attempts, error.method) == (1.0, 3, "GET")
    assert error.path == f"/provisioning/device/{DOMAIN}/bulk/job-7"


def test_wait_bulk_sees_a_job_that_finishes_at_the_deadline() -> None:
    api = ScriptedApi(status("STARTED"), status("STARTED"), status("COMPLETED"))
    clock = FakeClock()
    assert api.wait_bulk(DOMAIN, "job-1", timeout=1.0, sleep=clock.sleep, clock=clock).status == "COMPLETED"


def test_wait_bulk_polls_once_even_with_no_time_left() -> None:
    api = ScriptedApi(status("COMPLETED"))
    clock = FakeClock()
    assert api.wait_bulk(DOMAIN, "job-1", timeout=0, sleep=clock.sleep, clock=clock).status == "COMPLETED"
    assert clock.sleeps == [0.0]


# -- wait_bulk: against the emulator ---------------------------------------------------------------


@pytest.fixture
def api(transport: Transport) -> DeviceApi:
    return DeviceApi(transport)


def quick_sleep(seconds: float) -> None:
    time.sleep(min(seconds, 0.01))


def test_wait_bulk_against_the_emulator_maps_failed_rows_to_the_chunk(api: DeviceApi) -> None:
    devices = [
        Device(device_id="good-1", auth_type="deviceid"),
        Device.model_construct(device_id="bad id", auth_type="deviceid"),  # skips the model's checks
        Device.model_construct(device_id="bad-2", auth_type="userid"),
        Device(device_id="good-2", auth_type="deviceid"),
    ]
    api.bulk_upload(DOMAIN, "job-1", devices)
    result = api.wait_bulk(DOMAIN, "job-1", sleep=quick_sleep, timeout=10)
    assert result.status == "FAILED"
    assert sorted(result.failed_rows) == [3, 4]
    assert result.failed_rows[3].startswith("deviceId: ")
    assert result.failed_rows[4] == "password: required when authType is userid"
    assert [devices[row - 2].device_id for row in result.failed_rows] == ["bad id", "bad-2"]
    assert sorted(d["deviceId"] for d in api.list(DOMAIN)) == ["good-1", "good-2"]


def test_wait_bulk_reports_the_emulators_progress(api: DeviceApi) -> None:
    devices = [Device(device_id=f"unit-{i:04d}", auth_type="deviceid") for i in range(1500)]
    api.bulk_upload(DOMAIN, "job-1", devices)
    calls: list[tuple[int, int]] = []
    result = api.wait_bulk(
        DOMAIN, "job-1", on_progress=lambda done, total: calls.append((done, total)), sleep=quick_sleep, timeout=30
    )
    assert result.status == "COMPLETED"
    assert calls[-1] == (1500, 1500)
    assert calls == sorted(set(calls))  # each call a change, never backwards
    assert all(total == 1500 for _, total in calls)


def test_split_read_upload_and_wait_against_the_emulator(api: DeviceApi) -> None:
    devices = read_bulk_csv(bulk_csv(varied_devices()))
    chunks = split_bulk(devices, 1500)
    assert len(chunks) > 1
    for number, chunk in enumerate(chunks):
        api.bulk_upload(DOMAIN, f"job-{number}", chunk)
    for number in range(len(chunks)):
        result = api.wait_bulk(DOMAIN, f"job-{number}", sleep=quick_sleep, timeout=10)
        assert (result.status, result.failed_rows) == ("COMPLETED", {})
    assert sorted(d["deviceId"] for d in api.list(DOMAIN)) == sorted(d.device_id for d in devices)


def test_wait_bulk_of_an_unknown_job_is_not_found(api: DeviceApi) -> None:
    with pytest.raises(NotFoundError):
        api.wait_bulk(DOMAIN, "never-started", sleep=quick_sleep)
