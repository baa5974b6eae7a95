"""DeviceFleet: 10,000 devices as one resource, through the SDK's provider host, vs plain httpx and vs Devices.

One run against the emulator (its own subprocess, so it shares no GIL with the client or the host)
prints, for a fleet of ``--devices`` alarm units (``auth_type="deviceid"``, an Alarmbridge
``service_data``) of which every 100th is a ``credentials`` SIP device (the fleet generates its SIP
password and sends it as ``ha1``):

* P1, creating the fleet in an empty domain (the emulator is reset before every measurement):

  - ``DeviceFleet`` through the SDK's provider host (``python -u -m pulumi.dynamic``, driven over gRPC
    by ``pulumi_iotcomms.testing.harness.host.ProviderHost``): ``Check`` (olds empty) then ``Create`` with the checked
    inputs, as the engine sends them for a new resource. Requests are serialized before the clock
    starts (the engine marshals in Go); each measurement gets a fresh host (one per deployment, as the
    engine starts one), warmed by a ``Check`` that fails before any request (so the imports and the
    unpickling of the provider are not timed, the credential check is);
  - baseline (a): plain httpx, one keep-alive client made before the clock: render the same CSV
    (``bulk_csv`` of the same devices, an ``ha1`` for each credentials device), PUT it to
    ``.../bulk/{bulkId}`` and GET the job's status every ``PLAIN_POLL_S`` (0.1 s: a hand-written script
    that polls eagerly, stricter than ``wait_bulk``'s schedule) until it is COMPLETED;
  - baseline (b): the same devices as ``Device`` resources through a provider host, ``Check`` +
    ``Create`` per device, 4 devices in flight (the SDK host's 4 worker threads). Only
    ``--device-sample`` devices are created (the first ones of the fleet, 1 % credentials devices as
    well) and the time is scaled linearly to the fleet's size; the report says so.

  Fleet, (a) and (b) are interleaved (``--repeat`` rounds, rows show medians) so that background load
  affects every column alike; all of it at the emulator's default bulk pace and latency, then again
  with ``--latency-ms`` added to every API request (the emulator's latency fault).
* P3, on a fleet that exists (created first, untimed, in the emulator without added latency):

  (i) one changed ``description``: ``Check`` + ``Diff`` + ``Update`` through a fresh host, with the
  recorded inputs and outputs as the engine keeps them; the writes in the emulator's request log (must
  be exactly 1) and the size of its body (target at most 1 KB);
  (ii) CPU seconds (``time.process_time()``) of ``DeviceFleetProvider().check`` + ``.diff`` called in
  this process with the dicts the host would pass them (the request structs deserialized as the host
  does, not timed), for a no-op and for the one change (target at most 1 s each);
  (iii) a no-op preview: ``Check`` + ``Diff`` through a fresh host; the requests the emulator received
  (target 0).
* State size: the bytes of the Create response's properties as JSON (what the engine records as the
  outputs; the inputs are recorded beside them), and the peak RSS (``VmHWM``) of the provider host after
  the P1 create and after the P3 update, beside the host's after its warm-up.

    .venv/bin/python bench/fleet.py [--devices 10000] [--device-sample 2000] [--repeat 3] [--latency-ms 20]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import statistics
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (ROOT, HERE):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from provider_ops import DOMAIN, TOKEN, emulator, expect, host_for, ok  # noqa: E402
from provider_ops import PROVIDER as DEVICE_PROVIDER  # noqa: E402
from pulumi.dynamic.dynamic import serialize_provider  # noqa: E402
from pulumi.runtime import rpc  # noqa: E402
from pulumi.runtime.proto import provider_pb2  # noqa: E402

from pulumi_iotcomms.api.device import Device as DeviceModel  # noqa: E402
from pulumi_iotcomms.api.device import bulk_csv  # noqa: E402
from pulumi_iotcomms.resources import _claims  # noqa: E402
from pulumi_iotcomms.resources._config import Settings  # noqa: E402
from pulumi_iotcomms.resources.device_fleet import DeviceFleetProvider  # noqa: E402
from pulumi_iotcomms.testing.harness.host import ProviderHost  # noqa: E402
from pulumi_iotcomms.testing.harness.props import from_struct, to_struct  # noqa: E402

BASE = f"/provisioning/device/{DOMAIN}"
OWNER = "bench/bench"
FLEET_NAME = "fleet"
FLEET_TYPE = "pulumi-python:dynamic/iotcomms:DeviceFleet"
DEVICE_TYPE = "pulumi-python:dynamic/iotcomms:Device"
FLEET_PROVIDER = serialize_provider(DeviceFleetProvider())
HOST_WORKERS = 4  # futures.ThreadPoolExecutor(max_workers=4) in pulumi/dynamic/__main__.py
CREDENTIALS_EVERY = 100
CALL_TIMEOUT_S = 900.0
#: The plain baseline polls at this fixed interval: as eager as a script would sensibly be.
PLAIN_POLL_S = 0.1
TARGET_PLAIN_RATIO = 1.5
TARGET_DEVICES_SPEEDUP = 20.0
TARGET_PATCH_BYTES = 1024
TARGET_CPU_S = 1.0
DONE = ("COMPLETED", "FAILED")


# -- the fleet and what the engine sends ---------------------------------------------------------------


def unit(n: int, **changes: Any) -> dict[str, Any]:
    """Device ``n`` of the fleet: an alarm unit; every 100th a ``credentials`` SIP device (no password
    given: the provider generates one)."""
    if n % CREDENTIALS_EVERY == 0:
        device: dict[str, Any] = {"device_id": f"sip-{n:05d}", "auth_type": "credentials", "device_type": "sipDevice"}
    else:
        device = {
            "device_id": f"site-{n // 1000:02d}:ctrl-1:unit-{n:05d}",
            "auth_type": "deviceid",
            "device_type": "alarmUnit",
            "service_data": {"alarmBridge": {"heartbeatInterval": 300000, "alarmProtocol": "scaip"}},
        }
    device["description"] = f"unit {n}, building {n % 17}, floor {n % 5}"
    return {**device, **changes}


def fleet_props(devices: list[dict[str, Any]]) -> dict[str, Any]:
    """What the program registers for ``DeviceFleet(FLEET_NAME, devices=devices, domain=DOMAIN)`` (its
    ``None`` values left out, as the SDK leaves them out of the request)."""
    return {
        "resource_name": FLEET_NAME,
        "owner": OWNER,
        "domain": DOMAIN,
        "devices": devices,
        "__provider": FLEET_PROVIDER,
    }


def device_props(n: int, device: dict[str, Any]) -> dict[str, Any]:
    """What the program registers for ``Device(f"d{n}", domain=DOMAIN, **device)``."""
    return {"resource_name": f"d{n:05d}", "owner": OWNER, "domain": DOMAIN, **device, "__provider": DEVICE_PROVIDER}


def struct(props: Mapping[str, Any]) -> Any:
    return to_struct(props, keep_secrets=False, keep_unknowns=False)


def urn(typ: str, name: str) -> str:
    return f"urn:pulumi:bench::bench::{typ}::{name}"


def check_request(typ: str, name: str, olds: Any, news: Any) -> Any:
    return provider_pb2.CheckRequest(urn=urn(typ, name), name=name, type=typ, olds=olds, news=news)


def checked(response: Any, what: str) -> Any:
    """The inputs of a Check response that must have no failures."""
    if response.failures:
        shown = [(f.property, f.reason) for f in response.failures[:3]]
        raise RuntimeError(f"Check of {what} failed: {shown}")
    return response.inputs


def warm(host: ProviderHost, typ: str, props: dict[str, Any]) -> None:
    """A Check that fails before any request: the host imports our modules and unpickles the provider
    (what a deployment's first resource pays once) before the clock starts."""
    response = host.stub.Check(check_request(typ, "warm-up", struct({}), struct(props)), timeout=CALL_TIMEOUT_S)
    if not response.failures:
        raise RuntimeError("the warm-up Check was expected to fail")


def vm_hwm_kib(pid: int | None) -> int:
    """Peak resident set size (``VmHWM``) of process ``pid``, KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmHWM for process {pid}")


def sip_ha1(device_id: str, password: str) -> str:
    return hashlib.md5(f"{device_id}:{DOMAIN}:{password}".encode(), usedforsecurity=False).hexdigest()


def body_bytes(body: Any) -> int:
    """Size of a JSON body as ``pulumi_iotcomms._transport`` sends it."""
    return len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())


def host_view(message: Any) -> dict[str, Any]:
    """A request struct as the SDK's host hands it to the provider (``rpc.deserialize_properties``)."""
    return dict(rpc.deserialize_properties(message, True))


# -- the emulator's admin API --------------------------------------------------------------------------


class Admin:
    """Reset, latency fault and request log of the emulator."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60)

    def reset(self, latency_ms: float) -> None:
        """An empty emulator (default bulk pace, no faults, empty log), then ``latency_ms`` on every request."""
        self.http.post("/_emulator/reset").raise_for_status()
        if latency_ms:
            body = {"latency_ms": latency_ms, "latency_rate": 1.0}
            self.http.put("/_emulator/faults", json=body).raise_for_status()

    def clear(self) -> None:
        self.http.delete("/_emulator/requests").raise_for_status()

    def log(self) -> list[dict[str, Any]]:
        return list(expect(self.http.get("/_emulator/requests"), 200).json()["requests"])

    def job_seconds(self, bulk_id: str) -> float:
        """How long the bulk job ran on the server (its ``startedAt`` to ``stoppedAt``)."""
        path = f"{BASE}/bulk/{bulk_id}"
        status = ok(self.http.get, path, 200, headers={"Authorization": f"Bearer {TOKEN}"})["status"]
        return (float(status["stoppedAt"]) - float(status["startedAt"])) / 1000

    def pace(self) -> float:
        return float(expect(self.http.get("/_emulator/bulk"), 200).json()["rowsPerSecond"])


_FOLD = (
    (re.compile(r"/bulk/[^/?]+"), "/bulk/{bulkId}"),
    (re.compile(r"/(site-\d+:ctrl-1:unit|sip)-\d+"), "/{deviceId}"),
)


def shape(log: list[dict[str, Any]]) -> str:
    """``1 x PUT .../bulk/{bulkId} -> 200; 4 x GET ...``: the requests counted by method, path (ids folded,
    the domain's base path shortened) and status, in order of first appearance."""
    counts: Counter[str] = Counter()
    for entry in log:
        path = str(entry["path"]).replace(BASE, "...")
        for pattern, folded in _FOLD:
            path = pattern.sub(folded, path)
        query = f"?{entry['query']}" if entry.get("query") else ""
        counts[f"{entry['method']} {path}{query} -> {entry['status']}"] += 1
    return "; ".join(f"{n} x {what}" for what, n in counts.items()) or "none"


def bulk_put_bytes(log: list[dict[str, Any]]) -> list[int]:
    """Sizes of the bulk CSV uploads in the log (a large body is logged as ``<N bytes>``)."""
    sizes = []
    for entry in log:
        if entry["method"] == "PUT" and "/bulk/" in str(entry["path"]):
            body = entry["body"]
            match = re.fullmatch(r"<(\d+) bytes>", body) if isinstance(body, str) else None
            sizes.append(int(match.group(1)) if match else len(str(body).encode()))
    return sizes


# -- P1: create ------------------------------------------------------------------------------------------


@dataclass
class FleetRun:
    check_s: float
    create_s: float
    hwm_warm_kib: int
    hwm_kib: int
    inputs: Any
    outputs: Any
    fleet_id: str
    log: list[dict[str, Any]]
    job_s: float

    @property
    def total_s(self) -> float:
        return self.check_s + self.create_s


def fleet_create(url: str, admin: Admin, news: Any, count: int) -> FleetRun:
    """``Check`` + ``Create`` of the fleet in a fresh, warmed host."""
    with host_for(url, CALL_TIMEOUT_S) as host:
        stub = host.stub
        warm(host, FLEET_TYPE, {**fleet_props([]), "devices": None})
        hwm_warm = vm_hwm_kib(host.pid)
        request = check_request(FLEET_TYPE, FLEET_NAME, struct({}), news)
        started = time.perf_counter()
        check = stub.Check(request, timeout=CALL_TIMEOUT_S)
        inputs = checked(check, "the fleet")
        middle = time.perf_counter()
        create = provider_pb2.CreateRequest(urn=request.urn, name=FLEET_NAME, type=FLEET_TYPE, properties=inputs)
        created = stub.Create(create, timeout=CALL_TIMEOUT_S)
        done = time.perf_counter()
        hwm = vm_hwm_kib(host.pid)
    outputs = from_struct(created.properties)
    result = outputs.get("bulk_result") or {}
    if outputs.get("count") != count or result.get("status") != "COMPLETED":
        raise RuntimeError(f"the fleet create made {outputs.get('count')} devices, bulk result {result}")
    log = admin.log()
    job_s = admin.job_seconds(str(outputs["bulk_id"]))
    return FleetRun(middle - started, done - middle, hwm_warm, hwm, inputs, created.properties, created.id, log, job_s)


@dataclass
class PlainRun:
    render_s: float
    total_s: float
    polls: int
    log: list[dict[str, Any]]
    job_s: float


def plain_bulk(url: str, admin: Admin, models: list[DeviceModel]) -> PlainRun:
    """Render the CSV, PUT it, poll the job every ``PLAIN_POLL_S`` until it is done."""
    bulk_id = f"plain-{secrets.token_hex(6)}-1"
    path = f"{BASE}/bulk/{bulk_id}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=url, headers=headers, timeout=CALL_TIMEOUT_S) as http:
        started = time.perf_counter()
        text = bulk_csv(models)
        rendered = time.perf_counter()
        ok(http.put, path, 200, content=text.encode(), headers={"Content-Type": "text/csv"})
        polls = 0
        while True:
            time.sleep(PLAIN_POLL_S)
            status = ok(http.get, path, 200)["status"]
            polls += 1
            if status.get("status") in DONE:
                break
        done = time.perf_counter()
    if status["status"] != "COMPLETED":
        raise RuntimeError(f"the plain bulk job failed: {status.get('reason')}")
    log = admin.log()
    return PlainRun(rendered - started, done - started, polls, log, admin.job_seconds(bulk_id))


@dataclass
class DevicesRun:
    seconds: float
    devices: int


def devices_create(url: str, checks: list[Any]) -> DevicesRun:
    """``Check`` + ``Create`` of one ``Device`` per request in ``checks``, ``HOST_WORKERS`` at a time, in a
    fresh, warmed host."""
    with host_for(url, CALL_TIMEOUT_S) as host:
        stub = host.stub
        warm(host, DEVICE_TYPE, {**device_props(0, unit(1)), "auth_type": None})

        def one(request: Any) -> None:
            inputs = checked(stub.Check(request, timeout=CALL_TIMEOUT_S), request.name)
            create = provider_pb2.CreateRequest(urn=request.urn, name=request.name, type=DEVICE_TYPE, properties=inputs)
            if not stub.Create(create, timeout=CALL_TIMEOUT_S).id:
                raise RuntimeError(f"Create of {request.name} returned no id")

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=HOST_WORKERS) as pool:
            list(pool.map(one, checks))
        elapsed = time.perf_counter() - started
    return DevicesRun(elapsed, len(checks))


@dataclass
class P1:
    latency_ms: float
    fleet: list[FleetRun] = field(default_factory=list)
    plain: list[PlainRun] = field(default_factory=list)
    devices: list[DevicesRun] = field(default_factory=list)


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def measure_p1(
    url: str,
    admin: Admin,
    latency_ms: float,
    repeat: int,
    count: int,
    fleet_news: Any,
    models: list[DeviceModel],
    device_checks: list[Any],
) -> P1:
    """Fleet, plain bulk job and Devices, interleaved, each from an empty domain."""
    res = P1(latency_ms)
    for r in range(repeat):
        admin.reset(latency_ms)
        res.fleet.append(fleet_create(url, admin, fleet_news, count))
        admin.reset(latency_ms)
        res.plain.append(plain_bulk(url, admin, models))
        admin.reset(latency_ms)
        res.devices.append(devices_create(url, device_checks))
        progress(
            f"P1 +{latency_ms:g} ms, round {r + 1}/{repeat}: fleet {res.fleet[-1].total_s:.2f} s, plain "
            f"{res.plain[-1].total_s:.2f} s, {len(device_checks)} Devices {res.devices[-1].seconds:.2f} s"
        )
    return res


# -- P3: one change, no-op preview, CPU of check + diff --------------------------------------------------


@dataclass
class P3:
    changed_id: str
    created: FleetRun
    preview_check_s: float = 0.0
    preview_diff_s: float = 0.0
    preview_changes: str = ""
    preview_log: list[dict[str, Any]] = field(default_factory=list)
    update_check_s: float = 0.0
    update_diff_s: float = 0.0
    update_s: float = 0.0
    update_changes: str = ""
    update_log: list[dict[str, Any]] = field(default_factory=list)
    update_hwm_kib: int = 0
    update_warm_hwm_kib: int = 0
    updated_outputs: dict[str, Any] = field(default_factory=dict)
    cpu: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    deserialize_cpu_s: float = 0.0


DIFF_NAMES = {provider_pb2.DiffResponse.DIFF_NONE: "none", provider_pb2.DiffResponse.DIFF_SOME: "some"}


def diff_request(run: FleetRun, news: Any) -> Any:
    return provider_pb2.DiffRequest(
        id=run.fleet_id,
        urn=urn(FLEET_TYPE, FLEET_NAME),
        name=FLEET_NAME,
        type=FLEET_TYPE,
        olds=run.outputs,
        news=news,
        old_inputs=run.inputs,
    )


def measure_p3(url: str, admin: Admin, count: int, devices: list[dict[str, Any]], cpu_runs: int) -> P3:
    admin.reset(0)
    news = struct(fleet_props(devices))
    created = fleet_create(url, admin, news, count)
    index = count // 2
    changed_devices = [*devices]
    changed_devices[index] = {**devices[index], "description": "moved to room 12, building 3"}
    changed_news = struct(fleet_props(changed_devices))
    res = P3(str(devices[index]["device_id"]), created)
    # (iii) a no-op preview in a fresh host (a preview is a deployment of its own).
    with host_for(url, CALL_TIMEOUT_S) as host:
        stub = host.stub
        warm(host, FLEET_TYPE, {**fleet_props([]), "devices": None})
        admin.clear()
        request = check_request(FLEET_TYPE, FLEET_NAME, created.inputs, news)
        started = time.perf_counter()
        noop_inputs = checked(stub.Check(request, timeout=CALL_TIMEOUT_S), "the no-op preview")
        middle = time.perf_counter()
        diff = stub.Diff(diff_request(created, noop_inputs), timeout=CALL_TIMEOUT_S)
        done = time.perf_counter()
        res.preview_log = admin.log()
    res.preview_check_s, res.preview_diff_s = middle - started, done - middle
    res.preview_changes = DIFF_NAMES.get(diff.changes, "unknown")
    # (i) one changed description: Check + Diff + Update in a fresh host.
    with host_for(url, CALL_TIMEOUT_S) as host:
        stub = host.stub
        warm(host, FLEET_TYPE, {**fleet_props([]), "devices": None})
        res.update_warm_hwm_kib = vm_hwm_kib(host.pid)
        admin.clear()
        request = check_request(FLEET_TYPE, FLEET_NAME, created.inputs, changed_news)
        started = time.perf_counter()
        changed_inputs = checked(stub.Check(request, timeout=CALL_TIMEOUT_S), "the one-change update")
        after_check = time.perf_counter()
        diff = stub.Diff(diff_request(created, changed_inputs), timeout=CALL_TIMEOUT_S)
        after_diff = time.perf_counter()
        update = provider_pb2.UpdateRequest(
            id=created.fleet_id,
            urn=request.urn,
            name=FLEET_NAME,
            type=FLEET_TYPE,
            olds=created.outputs,
            news=changed_inputs,
            old_inputs=created.inputs,
        )
        updated = stub.Update(update, timeout=CALL_TIMEOUT_S)
        done = time.perf_counter()
        res.update_hwm_kib = vm_hwm_kib(host.pid)
        res.update_log = admin.log()
    res.update_check_s, res.update_diff_s, res.update_s = (
        after_check - started,
        after_diff - after_check,
        done - after_diff,
    )
    res.update_changes = DIFF_NAMES.get(diff.changes, "unknown")
    res.updated_outputs = from_struct(updated.properties)
    described = res.updated_outputs["devices"][res.changed_id]["description"]
    if described != changed_devices[index]["description"]:
        raise RuntimeError(f"the update recorded description {described!r}")
    # (ii) check + diff in this process, with the dicts the host would pass.
    res.cpu, res.deserialize_cpu_s = in_process_cpu(
        url,
        created,
        {"no-op": (news, noop_inputs), "one change": (changed_news, changed_inputs)},
        cpu_runs,
    )
    return res


def in_process_cpu(
    url: str, created: FleetRun, cases: Mapping[str, tuple[Any, Any]], runs: int
) -> tuple[dict[str, list[tuple[float, float]]], float]:
    """Per case, ``runs`` pairs of CPU seconds of ``check`` and ``diff``; and the CPU seconds of the
    SDK host's deserialization of one case's Check and Diff requests (context, not ours)."""
    provider = DeviceFleetProvider()
    provider._settings = Settings(endpoint=url, token=TOKEN, domain=DOMAIN)
    result: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    started = time.process_time()
    for message in (created.inputs, cases["no-op"][0], created.outputs, cases["no-op"][1]):
        host_view(message)
    deserialize_s = time.process_time() - started
    sink = io.StringIO()  # pulumi.log.info without an engine prints to stderr
    for _ in range(runs):
        for name, (news_struct, checked_struct) in cases.items():
            olds, news = host_view(created.inputs), host_view(news_struct)
            outputs, checked_news = host_view(created.outputs), host_view(checked_struct)
            _claims.reset()
            with contextlib.redirect_stderr(sink):
                started = time.process_time()
                check = provider.check(olds, news)
                middle = time.process_time()
                diff = provider.diff(created.fleet_id, outputs, checked_news)
                done = time.process_time()
            if check.failures or bool(diff.changes) != (name != "no-op"):
                raise RuntimeError(f"in-process {name}: failures {check.failures}, changes {diff.changes}")
            result[name].append((middle - started, done - middle))
    _claims.reset()
    return result, deserialize_s


# -- report ----------------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def runs_text(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def state_sizes(props: Mapping[str, Any]) -> tuple[int, list[tuple[str, int]]]:
    """JSON bytes of ``props`` and of its largest top-level values."""
    total = len(json.dumps(props, separators=(",", ":")).encode())
    parts = sorted(
        ((k, len(json.dumps(v, separators=(",", ":")).encode())) for k, v in props.items()), key=lambda kv: -kv[1]
    )
    return total, parts


def report_p1(res: P1, count: int, sample: int) -> tuple[float, float]:
    """Print P1's rows; the fleet's ratio to plain httpx and its speed-up over Devices."""
    fleet = [r.total_s for r in res.fleet]
    plain = [r.total_s for r in res.plain]
    scale = count / sample
    devices = [r.seconds * scale for r in res.devices]
    ratio = median(fleet) / median(plain)
    speedup = median(devices) / median(fleet)
    latency = f"+{res.latency_ms:g} ms per request" if res.latency_ms else "no added latency"
    print(f"P1: create {count:,} devices in an empty domain ({latency}; median of {len(fleet)}, s)")
    print(f"  {'DeviceFleet via host, Check + Create':52} {median(fleet):8.2f}   runs {runs_text(fleet)}")
    print(
        f"  {'':4}Check {median([r.check_s for r in res.fleet]):.2f} + Create "
        f"{median([r.create_s for r in res.fleet]):.2f}; the bulk job ran {median([r.job_s for r in res.fleet]):.2f}; "
        f"HTTP: {shape(res.fleet[-1].log)}"
    )
    print(
        f"  {'(a) plain httpx: bulk_csv + PUT + polls':52} {median(plain):8.2f}   runs {runs_text(plain)}   "
        f"fleet / plain {ratio:.2f}x"
    )
    print(
        f"  {'':4}render {median([r.render_s for r in res.plain]):.2f}, the bulk job ran "
        f"{median([r.job_s for r in res.plain]):.2f}, {res.plain[-1].polls} status polls; "
        f"CSV bytes: fleet {bulk_put_bytes(res.fleet[-1].log)}, plain {bulk_put_bytes(res.plain[-1].log)}"
    )
    what = f"(b) {count:,} Devices via host, 4 in flight" + (" *" if sample < count else "")
    print(f"  {what:52} {median(devices):8.2f}   runs {runs_text(devices)}   Devices / fleet {speedup:.1f}x")
    if sample < count:
        measured = median([r.seconds for r in res.devices])
        print(
            f"  {'':4}* SCALED linearly: {sample:,} Devices were created ({measured:.2f} s, "
            f"{measured / sample * 1000:.2f} ms per device), times {scale:g}"
        )
    return ratio, speedup


def report(
    args: argparse.Namespace, p1s: list[P1], p3: P3, pace: float, began: float, load: tuple[float, float]
) -> int:
    count, sample = args.devices, min(args.device_sample, args.devices)
    creds = count // CREDENTIALS_EVERY
    print(
        f"iotcomms DeviceFleet benchmark: {count:,} devices ({count - creds:,} deviceid alarm units, {creds:,} "
        f"credentials SIP devices), emulator in a subprocess (bulk pace {pace:g} rows/s), SDK provider host "
        f"driven over gRPC; {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average "
        f"{load[0]:.2f} -> {load[1]:.2f}"
    )
    print()
    met: list[tuple[str, bool, str]] = []
    for res in p1s:
        ratio, speedup = report_p1(res, count, sample)
        tag = f"(+{res.latency_ms:g} ms)" if res.latency_ms else "(no added latency)"
        met.append(
            (
                f"P1 {tag} fleet <= {TARGET_PLAIN_RATIO}x plain httpx bulk job",
                ratio <= TARGET_PLAIN_RATIO,
                f"{ratio:.2f}x",
            )
        )
        scaled = f", Devices scaled from {sample:,}" if sample < count else ""
        met.append(
            (
                f"P1 {tag} fleet >= {TARGET_DEVICES_SPEEDUP:g}x faster than {count:,} Devices",
                speedup >= TARGET_DEVICES_SPEEDUP,
                f"{speedup:.1f}x{scaled}",
            )
        )
        print()

    print(f"P3: the existing fleet of {count:,} devices (no added latency)")
    writes = [e for e in p3.update_log if e["method"] != "GET"]
    sizes = [body_bytes(e["body"]) for e in writes]
    print(
        f"  (i)   one description changed ({p3.changed_id}): Check {p3.update_check_s:.2f} s + Diff "
        f"{p3.update_diff_s:.2f} s ({p3.update_changes}) + Update {p3.update_s:.2f} s = "
        f"{p3.update_check_s + p3.update_diff_s + p3.update_s:.2f} s"
    )
    print(f"        HTTP: {shape(p3.update_log)}")
    for entry, size in zip(writes, sizes, strict=True):
        print(f"        write: {entry['method']} {entry['path']} {size} bytes: {json.dumps(entry['body'])}")
    print(
        f"  (iii) no-op preview: Check {p3.preview_check_s:.2f} s + Diff {p3.preview_diff_s:.2f} s "
        f"({p3.preview_changes}); HTTP: {shape(p3.preview_log)}"
    )
    print(f"  (ii)  in this process, CPU s (time.process_time), median of {args.cpu_runs}:")
    cpu_total: dict[str, float] = {}
    for name, pairs in p3.cpu.items():
        check_s, diff_s = median([c for c, _ in pairs]), median([d for _, d in pairs])
        cpu_total[name] = median([c + d for c, d in pairs])
        print(
            f"        {name:10} check {check_s:.3f} + diff {diff_s:.3f} = {cpu_total[name]:.3f}   "
            f"runs {', '.join(f'{c + d:.3f}' for c, d in pairs)}"
        )
    print(
        f"        (context, the SDK host's part: deserializing the no-op's Check olds + news and Diff olds + "
        f"news costs {p3.deserialize_cpu_s:.3f} CPU s)"
    )
    print()

    created = p3.created
    outputs = from_struct(created.outputs)
    total, parts = state_sizes(outputs)
    inputs_total, _ = state_sizes(from_struct(created.inputs))
    print(f"State of the {count:,}-device fleet")
    print(
        f"  outputs (Create response properties as JSON): {total:,} bytes ({total / count:.0f} per device): "
        + ", ".join(f"{k} {v:,}" for k, v in parts[:5])
    )
    print(f"  recorded inputs (Check response, kept beside the outputs): {inputs_total:,} bytes")
    p1_hwm = [r.hwm_kib for res in p1s for r in res.fleet]
    warm_hwm = [r.hwm_warm_kib for res in p1s for r in res.fleet]
    print(
        f"  provider host peak RSS (VmHWM): after warm-up {mib(int(median(warm_hwm)))}; after the P1 create "
        f"{mib(int(median(p1_hwm)))} (median of {len(p1_hwm)} hosts, max {mib(max(p1_hwm))}); after the P3 "
        f"update {mib(p3.update_hwm_kib)} (its host after warm-up {mib(p3.update_warm_hwm_kib)})"
    )
    print()

    met.append(("P3 (i) one change sends exactly 1 write", len(writes) == 1, f"{len(writes)} write(s)"))
    body = sizes[0] if len(sizes) == 1 else sum(sizes)
    met.append((f"P3 (i) its body <= {TARGET_PATCH_BYTES} bytes", body <= TARGET_PATCH_BYTES, f"{body} bytes"))
    for name, seconds in cpu_total.items():
        met.append(
            (f"P3 (ii) check + diff CPU, {name}, <= {TARGET_CPU_S:g} s", seconds <= TARGET_CPU_S, f"{seconds:.3f} s")
        )
    met.append(("P3 (iii) no-op preview sends 0 requests", not p3.preview_log, f"{len(p3.preview_log)} request(s)"))
    for label, good, value in met:
        print(f"target {label}: {'met' if good else 'NOT met'} ({value})")
    print(f"(no target) state {total:,} bytes of outputs; host peak RSS {mib(max(p1_hwm))} after create")
    print(f"({time.perf_counter() - began:.1f} s in all)")
    return 0 if all(good for _, good, _ in met) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000, help="devices of the fleet (default 10000)")
    parser.add_argument(
        "--device-sample",
        type=int,
        default=2000,
        help="Devices created per baseline (b) measurement, scaled linearly to --devices (default 2000)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="P1 rounds per latency, medians shown (default 3)")
    parser.add_argument(
        "--latency-ms", type=float, default=20.0, help="added API latency of P1's second run (default 20)"
    )
    parser.add_argument("--cpu-runs", type=int, default=5, help="in-process check + diff runs per case (default 5)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    count, sample = args.devices, min(args.device_sample, args.devices)
    devices = [unit(n) for n in range(1, count + 1)]
    # Everything the engine would marshal, and the baseline's models, are built before any clock starts.
    fleet_news = struct(fleet_props(devices))
    device_checks = [
        check_request(DEVICE_TYPE, f"d{n:05d}", struct({}), struct(device_props(n, d)))
        for n, d in enumerate(devices[:sample], start=1)
    ]
    models = [
        DeviceModel.model_validate(
            {**d, "ha1": sip_ha1(d["device_id"], secrets.token_urlsafe(18))} if d["auth_type"] == "credentials" else d
        )
        for d in devices
    ]
    with emulator() as url:
        admin = Admin(url)
        pace = admin.pace()
        p1s = []
        for latency in (0.0, args.latency_ms):
            p1s.append(measure_p1(url, admin, latency, args.repeat, count, fleet_news, models, device_checks))
        progress("P3")
        p3 = measure_p3(url, admin, count, devices, args.cpu_runs)
        admin.http.close()
    return report(args, p1s, p3, pace, began, (load_before, os.getloadavg()[0]))


if __name__ == "__main__":
    sys.exit(main())
