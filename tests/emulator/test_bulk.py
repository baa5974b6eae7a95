"""Bulk provisioning: ``PUT /device/{domain}/bulk/{bulkId}`` with a CSV file, then GET its status."""

from __future__ import annotations

import time
from typing import Any

import pytest

from pulumi_iotcomms.emulator.provisioning.devices import BULK_LIMIT_BYTES
from tests.emulator.samples import DEVICES
from tests.emulator_client import DOMAIN, EmulatorClient

STATUS_KEYS = {"reason", "stoppedAt", "bulkId", "domain", "startedAt", "status"}


def run(client: EmulatorClient, csv: str | bytes, bulk_id: str = "b1") -> dict[str, Any]:
    """Upload ``csv`` and wait for the job to stop; returns its final status."""
    raw = csv.encode() if isinstance(csv, str) else csv
    answer = client.ok("PUT", f"{DEVICES}/bulk/{bulk_id}", content=raw, headers={"Content-Type": "text/csv"})
    assert answer == {"success": True}
    deadline = time.monotonic() + 10
    while True:
        got = client.ok("GET", f"{DEVICES}/bulk/{bulk_id}")
        assert set(got) == {"success", "status"}
        assert set(got["status"]) == STATUS_KEYS
        status = dict(got["status"])
        assert (status["bulkId"], status["domain"]) == (bulk_id, DOMAIN)
        assert status["startedAt"] > 0
        if status["status"] != "STARTED":
            assert status["stoppedAt"] >= status["startedAt"]
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.01)


def device(client: EmulatorClient, device_id: str) -> dict[str, Any]:
    got = dict(client.ok("GET", f"{DEVICES}/{device_id}"))
    del got["success"], got["heartbeatStatus"], got["heartbeatExpiration"]
    return got


DOMAIN47 = "customer47.prod-eu-north-1.iotcomms.io"
_EXAMPLES: dict[str, tuple[str, dict[str, dict[str, Any]]]] = {
    "docs-basics": (
        "deviceId,authType\n1234,deviceid\n5678,deviceid\n",
        {"1234": {"authType": "deviceid"}, "5678": {"authType": "deviceid"}},
    ),
    "docs-nested-properties": (
        "deviceId,authType,authorized.domain,authorized.invite,authorized.register,password\n"
        f"1234,userid,{DOMAIN47},.*,true,supersecret\n"
        f"5678,userid,{DOMAIN47},.*,false,supersecret\n",
        {
            n: {
                "authType": "userid",
                "password": "supersecret",
                "authorized": {"domain": DOMAIN47, "invite": ".*", "register": r},
            }
            for n, r in (("1234", True), ("5678", False))
        },
    ),
    "docs-service-data": (
        'deviceId,authType,serviceData.foo.bar\n1234,deviceid,"""example text"""\n',
        {"1234": {"authType": "deviceid", "serviceData": {"foo": {"bar": "example text"}}}},
    ),
    "json-cells-bom-quoting-empty-cells": (
        "\ufeffdeviceId,authType,serviceData.ab.n,serviceData.obj,description\n"
        '1,deviceid,300000,"{""a"": [1, 2], ""b"": null}",\n'
        '2,deviceid,,,"with, comma"\n',
        {
            "1": {"authType": "deviceid", "serviceData": {"ab": {"n": 300000}, "obj": {"a": [1, 2], "b": None}}},
            "2": {"authType": "deviceid", "description": "with, comma"},  # empty cells: absent properties
        },
    ),
}


@pytest.mark.parametrize("example", list(_EXAMPLES))
def test_csv_columns_become_device_properties(emulator: EmulatorClient, example: str) -> None:
    csv, expected = _EXAMPLES[example]
    status = run(emulator, csv)
    assert status["status"] == "COMPLETED", status
    assert status["reason"] == f"{len(expected)} devices provisioned"
    assert {d["deviceId"]: d for d in (device(emulator, i) for i in expected)} == {
        i: {"deviceId": i, **body} for i, body in expected.items()
    }


def test_credentials_devices_get_an_ha1(emulator: EmulatorClient) -> None:
    assert run(emulator, "deviceId,authType\nc1,credentials\n")["status"] == "COMPLETED"
    assert len(device(emulator, "c1")["ha1"]) == 32


def test_bad_rows_fail_the_job_with_a_reason_each_and_good_rows_are_applied(emulator: EmulatorClient) -> None:
    csv = (
        "deviceId,authType,serviceData.x,authorized.register\n"
        "good1,deviceid,1,\n"
        "bad id,deviceid,,\n"  # row 3: pattern
        "bad2,deviceid,not json,\n"  # row 4: serviceData must be JSON
        "bad3,deviceid\n"  # row 5: too few cells
        "\n"  # blank lines are skipped
        "bad4,deviceid,,maybe\n"  # row 7: boolean column
        "bad5,nope,,\n"  # row 8: enum
        'good2,deviceid,"""s""",\n'
    )
    status = run(emulator, csv)
    assert status["status"] == "FAILED"
    reasons = status["reason"].split("; ")
    assert [r.split(":")[0] for r in reasons] == ["row 3", "row 4", "row 5", "row 7", "row 8"]
    assert reasons[0].startswith("row 3: deviceId:")
    assert reasons[1].startswith("row 4: serviceData.x:")
    assert reasons[3].startswith("row 7: authorized.register:")
    assert reasons[4].startswith("row 8: authType:")
    assert [d["deviceId"] for d in emulator.ok("GET", DEVICES)["devices"]] == ["good1", "good2"]


@pytest.mark.parametrize("csv", ["deviceId\n1\n", "authType,id\ndeviceid,1\n", ""])
def test_header_must_name_device_id_and_auth_type(emulator: EmulatorClient, csv: str) -> None:
    status = run(emulator, csv)
    assert status["status"] == "FAILED"
    assert status["reason"].startswith("header:")


def test_many_rows(emulator: EmulatorClient) -> None:
    rows = "".join(f'dev-{i:04d},deviceid,"{{""n"": {i}}}"\n' for i in range(500))
    assert run(emulator, "deviceId,authType,serviceData\n" + rows)["status"] == "COMPLETED"
    assert device(emulator, "dev-0499")["serviceData"] == {"n": 499}


def csv_of_size(size: int) -> bytes:
    """A valid CSV of exactly ``size`` bytes: a few devices with long notes (an unknown column)."""
    header, cell = b"deviceId,authType,notes\n", 100_000  # the csv module's cell limit is 128 KiB
    rows = [b"d%d,deviceid,%s\n" % (i, b"x" * cell) for i in range((size - len(header)) // (cell + 20))]
    body = header + b"".join(rows)
    return body + b"pad,deviceid," + b"y" * (size - len(body) - len(b"pad,deviceid,\n")) + b"\n"


@pytest.mark.parametrize("size", [BULK_LIMIT_BYTES, BULK_LIMIT_BYTES + 1])
def test_files_of_10mb_or_more_are_refused(emulator: EmulatorClient, size: int) -> None:
    emulator.fail("PUT", f"{DEVICES}/bulk/big", 413, "(body)", content=csv_of_size(size))
    emulator.fail("GET", f"{DEVICES}/bulk/big", 404, "bulkId")


def test_just_under_10mb_is_accepted(emulator: EmulatorClient) -> None:
    body = csv_of_size(BULK_LIMIT_BYTES - 1)
    assert len(body) == BULK_LIMIT_BYTES - 1
    assert run(emulator, body)["status"] == "COMPLETED"
    assert len(device(emulator, "pad")["notes"]) > 10_000


def test_unreadable_csv_fails_the_job_from_that_row_on(emulator: EmulatorClient) -> None:
    status = run(emulator, "deviceId,authType,notes\nd1,deviceid,ok\nd2,deviceid," + "x" * 200_000 + "\nd3,deviceid,\n")
    assert status["status"] == "FAILED"
    assert status["reason"].startswith("row 3: (csv): field larger than field limit")
    assert [d["deviceId"] for d in emulator.ok("GET", DEVICES)["devices"]] == ["d1"]


def test_file_must_be_utf8(emulator: EmulatorClient) -> None:
    emulator.fail("PUT", f"{DEVICES}/bulk/b1", 400, "(body)", content=b"deviceId,authType\n\xff\xfe,deviceid\n")
