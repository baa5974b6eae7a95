"""Bulk provisioning: ``PUT /device/{domain}/bulk/{bulkId}`` with a CSV file, then GET its status.

Jobs apply their rows in the background at a pace set with ``PUT /_emulator/bulk`` (5,000 rows/s by default).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from pulumi_iotcomms.emulator.core import BULK_ROWS_PER_SECOND
from pulumi_iotcomms.emulator.provisioning.devices import BULK_LIMIT_BYTES
from tests.emulator.samples import DEVICES
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, EmulatorClient

STATUS_KEYS = {"reason", "stoppedAt", "bulkId", "domain", "startedAt", "status"}
#: Not in the docs: progress, for clients that log it.
PROGRESS_KEYS = {"processedRows", "totalRows"}


def put(client: EmulatorClient, csv: str | bytes, bulk_id: str = "b1") -> None:
    """Start a job uploading ``csv``."""
    raw = csv.encode() if isinstance(csv, str) else csv
    answer = client.ok("PUT", f"{DEVICES}/bulk/{bulk_id}", content=raw, headers={"Content-Type": "text/csv"})
    assert answer == {"success": True}


def status_of(client: EmulatorClient, bulk_id: str = "b1") -> dict[str, Any]:
    """The job's status, checked for the documented fields and consistent progress."""
    got = client.ok("GET", f"{DEVICES}/bulk/{bulk_id}")
    assert set(got) == {"success", "status"}
    status = dict(got["status"])
    assert set(status) == STATUS_KEYS | PROGRESS_KEYS
    assert (status["bulkId"], status["domain"]) == (bulk_id, DOMAIN)
    assert status["startedAt"] > 0
    assert 0 <= status["processedRows"] <= status["totalRows"]
    if status["status"] != "STARTED":
        assert status["stoppedAt"] >= status["startedAt"]
        assert status["processedRows"] == status["totalRows"]
    return status


def wait(client: EmulatorClient, bulk_id: str = "b1") -> dict[str, Any]:
    """Poll the job until it stops (its progress never going back); returns its final status."""
    deadline, processed = time.monotonic() + 10, 0
    while True:
        status = status_of(client, bulk_id)
        assert status["processedRows"] >= processed
        processed = status["processedRows"]
        if status["status"] != "STARTED":
            return status
        assert time.monotonic() < deadline, status
        time.sleep(0.01)


def run(client: EmulatorClient, csv: str | bytes, bulk_id: str = "b1") -> dict[str, Any]:
    """Upload ``csv`` and wait for the job to stop; returns its final status."""
    put(client, csv, bulk_id)
    return wait(client, bulk_id)


def devices_csv(count: int, prefix: str = "dev") -> str:
    """A CSV of ``count`` valid devices ``<prefix>-00000`` onwards, in id order."""
    return "deviceId,authType\n" + "".join(f"{prefix}-{i:05d},deviceid\n" for i in range(count))


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
    assert status["totalRows"] == 7  # the blank line is not a row
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


# -- pace, progress and concurrent jobs ------------------------------------------------------------


def listed(client: EmulatorClient) -> list[str]:
    return sorted(client.objects().get(DOMAIN, {}).get("device", {}))


def test_a_paced_job_applies_rows_progressively_and_reports_progress(emulator: EmulatorClient) -> None:
    assert emulator.set_bulk_pace(200) == 200
    started = time.monotonic()
    put(emulator, devices_csv(100))
    deadline = time.monotonic() + 10
    while not 0 < (before := status_of(emulator))["processedRows"] < 100:
        assert before["status"] == "STARTED", before
        assert time.monotonic() < deadline, before
        time.sleep(0.01)
    ids = listed(emulator)
    after = status_of(emulator)
    assert (before["status"], before["totalRows"], before["stoppedAt"]) == ("STARTED", 100, 0)
    # Rows apply in order: what is stored is a prefix of the file, as long as the status said.
    assert before["processedRows"] <= len(ids) <= after["processedRows"]
    assert ids == [f"dev-{i:05d}" for i in range(len(ids))]
    assert device(emulator, "dev-00000") == {"deviceId": "dev-00000", "authType": "deviceid"}
    final = wait(emulator)
    assert (final["status"], final["processedRows"], final["totalRows"]) == ("COMPLETED", 100, 100)
    assert final["reason"] == "100 devices provisioned"
    assert time.monotonic() - started > 0.4  # 100 rows at 200 rows/s: 0.5 s
    assert len(listed(emulator)) == 100


def test_status_and_devices_are_answered_quickly_while_a_big_job_runs(emulator: EmulatorClient) -> None:
    started = time.monotonic()
    put(emulator, devices_csv(10_000))  # at the default pace, about 2 s
    slowest, polls = 0.0, 0
    while True:
        t0 = time.monotonic()
        status = status_of(emulator)
        emulator.ok("GET", DEVICES, params={"limit": 1})
        slowest = max(slowest, time.monotonic() - t0)
        if status["status"] != "STARTED":
            break
        polls += 1
        time.sleep(0.05)
    assert (status["status"], status["processedRows"]) == ("COMPLETED", 10_000)
    assert time.monotonic() - started > 10_000 / BULK_ROWS_PER_SECOND * 0.8
    assert polls >= 10
    assert slowest < 0.5, slowest  # the event loop is never held for long (a paced slice is ~5 ms)


@pytest.mark.parametrize("pace", [0, -1])
def test_a_pace_of_zero_or_less_is_as_fast_as_possible(emulator: EmulatorClient, pace: int) -> None:
    emulator.set_bulk_pace(pace)
    started = time.monotonic()
    assert run(emulator, devices_csv(10_000))["status"] == "COMPLETED"
    assert time.monotonic() - started < 1.5  # the default pace would take 2 s


def test_a_slow_failing_job_reports_each_bad_row_and_keeps_the_good_ones(emulator: EmulatorClient) -> None:
    emulator.set_bulk_pace(100)
    put(emulator, "deviceId,authType\ngood1,deviceid\nbad id,deviceid\ngood2,deviceid\nbad2,nope\ngood3,deviceid\n")
    assert status_of(emulator)["status"] == "STARTED"
    final = wait(emulator)
    assert (final["status"], final["processedRows"], final["totalRows"]) == ("FAILED", 5, 5)
    reasons = final["reason"].split("; ")
    assert [r.split(": ")[:2] for r in reasons] == [["row 3", "deviceId"], ["row 5", "authType"]]
    assert listed(emulator) == ["good1", "good2", "good3"]


def test_a_running_bulk_id_is_409_other_ids_run_alongside_and_a_finished_one_is_reused(
    emulator: EmulatorClient,
) -> None:
    emulator.set_bulk_pace(20)
    put(emulator, devices_csv(100, "a"), "b1")
    reason = emulator.fail("PUT", f"{DEVICES}/bulk/b1", 409, "bulkId", content=devices_csv(1, "x").encode())
    assert reason == "bulkId: job b1 is still running"
    put(emulator, devices_csv(100, "b"), "b2")
    with EmulatorClient(emulator.url, OTHER_TOKEN) as other:  # bulkIds are per domain
        other.ok("PUT", f"/provisioning/device/{OTHER_DOMAIN}/bulk/b1", content=devices_csv(1, "o").encode())
    time.sleep(0.2)
    first, second = status_of(emulator, "b1"), status_of(emulator, "b2")
    assert (first["status"], second["status"]) == ("STARTED", "STARTED")
    assert min(first["processedRows"], second["processedRows"]) > 0  # both progress at once
    assert first["totalRows"] == 100  # the refused upload did not touch the running job
    assert "x-00000" not in listed(emulator)
    emulator.set_bulk_pace(0)  # a running job follows the new pace
    assert wait(emulator, "b1")["status"] == wait(emulator, "b2")["status"] == "COMPLETED"
    again = run(emulator, devices_csv(3, "c"), "b1")
    assert (again["status"], again["totalRows"], again["reason"]) == ("COMPLETED", 3, "3 devices provisioned")
    assert again["startedAt"] >= first["startedAt"]


def test_reset_stops_running_jobs_and_restores_the_default_pace(emulator: EmulatorClient) -> None:
    emulator.set_bulk_pace(50)
    assert emulator.http.get("/_emulator/bulk").json() == {"success": True, "rowsPerSecond": 50, "rejectDeviceIds": {}}
    put(emulator, devices_csv(100))
    time.sleep(0.1)
    emulator.reset()
    assert emulator.http.get("/_emulator/bulk").json() == {
        "success": True,
        "rowsPerSecond": BULK_ROWS_PER_SECOND,
        "rejectDeviceIds": {},
    }
    emulator.fail("GET", f"{DEVICES}/bulk/b1", 404, "bulkId")
    time.sleep(0.1)
    assert emulator.objects() == {}  # the stopped job wrote nothing after the reset
    assert run(emulator, devices_csv(2))["status"] == "COMPLETED"  # its bulkId is free again


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rowsPerSecond": "fast"},
        {"rowsPerSecond": True},
        {"rowsPerSecond": None},
        {"rowsPerSecond": 1, "x": 1},
        [1],
        {"rejectDeviceIds": ["dev-1"]},
        {"rejectDeviceIds": {"dev-1": ""}},
    ],
)
def test_pace_must_be_a_number(emulator: EmulatorClient, body: Any) -> None:
    resp = emulator.http.put("/_emulator/bulk", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["reason"].startswith(("(body):", "rowsPerSecond:", "rejectDeviceIds:"))
    assert emulator.http.get("/_emulator/bulk").json()["rowsPerSecond"] == BULK_ROWS_PER_SECOND


def test_refused_rows_fail_the_job_and_the_others_are_applied(emulator: EmulatorClient) -> None:
    emulator.reject_bulk_rows({"dev-00001": "registered in another tenant"})
    status = run(emulator, devices_csv(3))
    assert status["status"] == "FAILED"
    assert status["reason"] == "row 3: deviceId: registered in another tenant"
    assert sorted(emulator.objects()[DOMAIN]["device"]) == ["dev-00000", "dev-00002"]
    emulator.reset()
    assert run(emulator, devices_csv(3))["status"] == "COMPLETED"  # a reset refuses nothing
