"""Provider overhead: create/read/update of a Device through the dynamic-provider host vs plain httpx.

One run against the emulator (its own subprocess, so it shares no GIL with the client) prints:

* per-operation latency through the SDK's provider host (``python -u -m pulumi.dynamic``) driven over
  gRPC by ``pulumi_iotcomms.testing.harness.host.ProviderHost`` -- ``Create`` alone and ``Check`` + ``Create`` (what the
  engine sends for a new resource), ``Read`` (refresh) and ``Update`` with one changed field. Requests
  are serialized before the clock starts (the engine marshals in Go, in microseconds), so a row is one
  gRPC round trip plus everything the host and the provider do;
* the same HTTP requests made with one keep-alive ``httpx.Client`` and the same bearer token: the
  provider's create is GET (lookup) + PUT + GET (outputs), its update GET + PATCH + GET, its read one
  GET -- and, to show what those extra lookups cost, the single request (PUT / PATCH / GET) alone;
* the same provider called in-process (no host, no gRPC): ``DeviceProvider().create/read/update``
  with the dicts the host would hand it -- what our code costs, apart from the SDK's host;
* the host's cold start: spawn + Handshake/GetPluginInfo + Configure + first ``Check`` of a Device
  (median of a few runs), and the import time of ``pulumi_iotcomms.resources.device`` in a fresh
  interpreter, by top-level package, so one sees where the time goes.

Every measurement is interleaved (provider, same requests, single request, then the next device), so
background load on a shared machine affects all columns alike.

    .venv/bin/python bench/provider_ops.py [-n 200] [--warmup 10] [--cold-runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from google.protobuf import empty_pb2  # noqa: E402
from pulumi.dynamic.dynamic import serialize_provider  # noqa: E402
from pulumi.runtime.proto import provider_pb2  # noqa: E402

from pulumi_iotcomms.resources._config import Settings  # noqa: E402
from pulumi_iotcomms.resources.device import DeviceProvider  # noqa: E402
from pulumi_iotcomms.testing.harness.host import ProviderHost, default_pythonpath  # noqa: E402
from pulumi_iotcomms.testing.harness.props import Secret, from_struct, to_struct  # noqa: E402

DOMAIN = "bench.example"
TOKEN = "bench-token"
TYPE = "pulumi-python:dynamic/iotcomms:Device"
BASE = f"/provisioning/device/{DOMAIN}"
TARGET_RATIO = 1.2
TARGET_COLD_S = 0.6
OPS = ("create", "read", "update")
LINE = re.compile(r"listening on (http://\S+)")
PROVIDER = serialize_provider(DeviceProvider())
P = ParamSpec("P")
T = TypeVar("T")


@contextmanager
def emulator() -> Iterator[str]:
    """Run ``python -m pulumi_iotcomms.emulator`` in a subprocess; yields its URL."""
    command = [sys.executable, "-m", "pulumi_iotcomms.emulator", "--port", "0", "--admin"]
    proc = subprocess.Popen([*command, "--token", f"{DOMAIN}={TOKEN}"], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        match = LINE.search(line)
        if not match:
            raise RuntimeError(f"emulator did not start: {line!r}")
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def host_for(url: str, call_timeout: float = 30) -> ProviderHost:
    """A provider host configured for the emulator, as the engine would configure it."""
    return ProviderHost(
        config={"iotcomms:endpoint": url, "iotcomms:token": Secret(TOKEN)},
        project="bench",
        pythonpath=default_pythonpath([ROOT]),
        cwd=ROOT,
        call_timeout=call_timeout,
    )


def urn(name: str) -> str:
    return f"urn:pulumi:bench::bench::{TYPE}::{name}"


def inputs(name: str, device_id: str, description: str) -> dict[str, Any]:
    return {
        "resource_name": name,
        "domain": DOMAIN,
        "device_id": device_id,
        "auth_type": "deviceid",
        "description": description,
        "__provider": PROVIDER,
    }


def struct(props: dict[str, Any]) -> Any:
    return to_struct(props, keep_secrets=False, keep_unknowns=False)


class Timer:
    """Named latency samples."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.recording = False

    def run(self, name: str, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(*args, **kwargs)``, timed under ``name`` while recording."""
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        if self.recording:
            self.samples[name].append(time.perf_counter() - started)
        return result

    def add(self, name: str, seconds: float) -> None:
        if self.recording:
            self.samples[name].append(seconds)

    def median(self, name: str) -> float:
        return statistics.median(self.samples[name]) * 1000

    def p90(self, name: str) -> float:
        ordered = sorted(self.samples[name])
        return ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] * 1000


def expect(response: httpx.Response, status: int) -> httpx.Response:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code}")
    return response


def ok(send: Callable[..., httpx.Response], path: str, status: int, **kwargs: Any) -> Any:
    """``send(path, **kwargs)`` expecting ``status``; the decoded body."""
    return expect(send(path, **kwargs), status).json()


def plain_create(http: httpx.Client, device_id: str) -> None:
    """What the provider's create sends: lookup, PUT, read back."""
    expect(http.get(f"{BASE}/{device_id}"), 404)
    ok(http.put, BASE, 200, json={"deviceId": device_id, "authType": "deviceid", "description": "x"})
    ok(http.get, f"{BASE}/{device_id}", 200)


def plain_update(http: httpx.Client, device_id: str, patch: list[dict[str, Any]]) -> None:
    """What the provider's update sends: read, PATCH, read back."""
    ok(http.get, f"{BASE}/{device_id}", 200)
    ok(http.patch, f"{BASE}/{device_id}", 200, json=patch)
    ok(http.get, f"{BASE}/{device_id}", 200)


def measure_ops(url: str, n: int, warmup: int) -> tuple[Timer, dict[str, list[str]]]:
    """Interleave provider, same-requests and single-request create/read/update for ``n`` devices."""
    timer = Timer()
    total = warmup + n
    # Everything the engine would marshal is built before the clock starts.
    checks = [
        provider_pb2.CheckRequest(
            urn=urn(f"d{i}"), name=f"d{i}", type=TYPE, olds=struct({}), news=struct(inputs(f"d{i}", f"p-{i}", "x"))
        )
        for i in range(total)
    ]
    updated = [struct(inputs(f"d{i}", f"p-{i}", f"y-{i}")) for i in range(total)]
    sequences: dict[str, list[str]] = {}
    local = DeviceProvider()
    local._settings = Settings(endpoint=url, token=TOKEN, domain=DOMAIN)
    with (
        host_for(url) as host,
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10) as http,
    ):
        stub, t = host.stub, host.call_timeout
        for i in range(total):
            timer.recording = i >= warmup
            if i == warmup:
                http.delete("/_emulator/requests")
            # -- create -------------------------------------------------------------------------------
            check = timer.run("provider Check", stub.Check, checks[i], timeout=t)
            if check.failures:
                raise RuntimeError(f"Check failed: {list(check.failures)}")
            create_req = provider_pb2.CreateRequest(urn=checks[i].urn, name=f"d{i}", type=TYPE, properties=check.inputs)
            created = timer.run("provider Create", stub.Create, create_req, timeout=t)
            if timer.recording:
                timer.add(
                    "provider Check+Create", timer.samples["provider Check"][-1] + timer.samples["provider Create"][-1]
                )
            timer.run("plain create", plain_create, http, f"h-{i}")
            local_inputs = local.check({}, inputs(f"l{i}", f"l-{i}", "x")).inputs
            local_created = timer.run("in-process create", local.create, local_inputs)
            body = {"deviceId": f"s-{i}", "authType": "deviceid", "description": "x"}
            timer.run("single PUT", ok, http.put, BASE, 200, json=body)
            # -- read ---------------------------------------------------------------------------------
            read_req = provider_pb2.ReadRequest(
                id=created.id,
                urn=checks[i].urn,
                name=f"d{i}",
                type=TYPE,
                properties=created.properties,
                inputs=check.inputs,
            )
            read = timer.run("provider Read", stub.Read, read_req, timeout=t)
            if read.id != created.id:
                raise RuntimeError(f"Read lost {created.id}")
            timer.run("plain read", ok, http.get, f"{BASE}/h-{i}", 200)
            timer.run("in-process read", local.read, str(local_created.id), dict(local_created.outs or {}))
            # -- update -------------------------------------------------------------------------------
            update_req = provider_pb2.UpdateRequest(
                id=created.id,
                urn=checks[i].urn,
                name=f"d{i}",
                type=TYPE,
                olds=created.properties,
                news=updated[i],
                old_inputs=check.inputs,
            )
            outs = timer.run("provider Update", stub.Update, update_req, timeout=t)
            if from_struct(outs.properties).get("description") != f"y-{i}":
                raise RuntimeError("Update did not change the description")
            patch = [{"op": "replace", "path": "/description", "value": f"y-{i}"}]
            timer.run("plain update", plain_update, http, f"h-{i}", patch)
            local_news = {**local_inputs, "description": f"y-{i}"}
            local_olds = {**local_inputs, **(local_created.outs or {})}
            timer.run("in-process update", local.update, str(local_created.id), local_olds, local_news)
            timer.run("single PATCH", ok, http.patch, f"{BASE}/s-{i}", 200, json=patch)
            # -- the floor: a gRPC round trip to the host that does nothing --------------------------
            timer.run("gRPC no-op", stub.GetPluginInfo, empty_pb2.Empty(), timeout=t)
        # What the provider actually sent for the first measured device (the comparison assumes it).
        device = f"p-{warmup}"
        log = expect(http.get("/_emulator/requests"), 200).json()["requests"]
        sequences[device] = [
            r["method"]
            for r in log
            if r["path"].endswith(f"/{device}") or (isinstance(r["body"], dict) and r["body"].get("deviceId") == device)
        ]
    return timer, sequences


def cold_start(url: str, runs: int) -> list[dict[str, float]]:
    """Spawn + handshake + Configure + first Check of a Device, ``runs`` times."""
    results = []
    for run in range(runs):
        host = host_for(url)
        started = time.perf_counter()
        try:
            host.start()
            ready = time.perf_counter()
            outcome = host.check(urn("cold"), {}, inputs("cold", f"cold-{run}", "x"), allow_unknowns=False)
            done = time.perf_counter()
        finally:
            host.close()
        if outcome.failures:
            raise RuntimeError(f"cold Check failed: {outcome.failures}")
        configure = next(c.seconds for c in host.calls if c.method == "Configure")
        results.append(
            {
                "total": done - started,
                "spawn": ready - started - configure,
                "configure": configure,
                "check": done - ready,
            }
        )
    return results


def interpreter_seconds(codes: list[str], runs: int = 5) -> list[float]:
    """Best wall time of ``python -c code`` in a fresh interpreter, per code; run round-robin so that
    drifting background load hits every code alike."""
    best = [float("inf")] * len(codes)
    for _ in range(runs):
        for k, code in enumerate(codes):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
            best[k] = min(best[k], time.perf_counter() - started)
    return best


def import_breakdown(after: str, module: str) -> tuple[float, list[tuple[str, float]]]:
    """Self import time of ``module`` after ``after`` is imported, summed by top-level package."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {after}; print('---', flush=True); import {module}"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    lines = proc.stderr.splitlines()
    # -X importtime writes to stderr as modules finish; everything after the marker's position is ours.
    # The marker is on stdout, so split by the last line naming ``after`` (it finishes before the marker).
    last = max(i for i, line in enumerate(lines) if line.rstrip().endswith(f"| {after}"))
    by_package: dict[str, float] = defaultdict(float)
    for line in lines[last + 1 :]:
        parts = line.split("|")
        if len(parts) != 3 or not parts[0].strip().startswith("import time:"):
            continue
        try:
            self_us = int(parts[0].split(":")[1])
        except ValueError:
            continue
        name = parts[2].strip().split(".")
        by_package[".".join(name[:2] if name[0] == "pulumi_iotcomms" else name[:1])] += self_us / 1e6
    total = sum(by_package.values())
    return total, sorted(by_package.items(), key=lambda kv: -kv[1])[:8]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=200, help="measured devices per operation (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured devices first (default 10)")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold starts to take the median of (default 5)")
    parser.add_argument(
        "--wan-ms", type=float, default=20.0, help="API latency of the second, WAN-like measurement (default 20)"
    )
    args = parser.parse_args(argv)
    began = time.perf_counter()
    with emulator() as url:
        timer, sequences = measure_ops(url, args.n, args.warmup)
        cold = cold_start(url, args.cold_runs)
        # The same comparison when every API request takes a WAN-like round trip, as the real service does.
        httpx.post(f"{url}/_emulator/reset").raise_for_status()
        body = {"latency_ms": args.wan_ms, "latency_rate": 1.0}
        httpx.put(f"{url}/_emulator/faults", json=body).raise_for_status()
        wan, _ = measure_ops(url, max(20, args.n // 10), 3)
    host_imports = "import dill, grpc, pulumi.runtime, pulumi.dynamic"
    python_s, device_s, host_mods_s, both_s = interpreter_seconds(
        [
            "pass",
            "import pulumi_iotcomms.resources.device",
            host_imports,
            f"{host_imports}, pulumi_iotcomms.resources.device",
        ]
    )
    extra_s, packages = import_breakdown("pulumi.dynamic", "pulumi_iotcomms.resources.device")

    print(
        f"iotcomms provider-host benchmark: {args.n} devices per operation after {args.warmup} warm-up, "
        f"emulator in a subprocess, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(f"HTTP sent by the provider for one device (emulator log): {' '.join(sequences[f'p-{args.warmup}'])}")
    print()
    print(
        f"{'operation':16} {'provider host':>15}   {'plain httpx, same requests':>30} {'ratio':>6} {'extra':>6}   "
        f"{'plain, single request':>21} {'ratio':>6}"
    )
    print(f"{'':16} {'p50 / p90 ms':>15}   {'p50 / p90 ms':>30} {'':>6} {'ms':>6}   {'p50 ms':>21}")
    rows = [
        ("create", "provider Create", "plain create", "GET+PUT+GET", "single PUT", "PUT"),
        ("Check+Create", "provider Check+Create", "plain create", "GET+PUT+GET", "single PUT", "PUT"),
        ("read", "provider Read", "plain read", "GET", "plain read", "GET"),
        ("update", "provider Update", "plain update", "GET+PATCH+GET", "single PATCH", "PATCH"),
    ]
    ratios: dict[str, float] = {}
    for label, prov, same, same_what, single, single_what in rows:
        ratios[label] = ratio = timer.median(prov) / timer.median(same)
        print(
            f"{label:16} {timer.median(prov):6.2f} / {timer.p90(prov):6.2f}   "
            f"{same_what:>14} {timer.median(same):6.2f} / {timer.p90(same):6.2f} {ratio:5.2f}x "
            f"{timer.median(prov) - timer.median(same):6.2f}   "
            f"{single_what:>14} {timer.median(single):6.2f} {timer.median(prov) / timer.median(single):5.2f}x"
        )
    for label, name, what in (("Check", "provider Check", "no HTTP"), ("gRPC no-op", "gRPC no-op", "GetPluginInfo")):
        print(f"{label:16} {timer.median(name):6.2f} / {timer.p90(name):6.2f}   ({what})")
    print()
    print("the provider called in-process (no host, no gRPC) vs plain httpx, same requests:")
    for op in OPS:
        local_ms, plain_ms = timer.median(f"in-process {op}"), timer.median(f"plain {op}")
        print(
            f"  {op:8} in-process {local_ms:6.2f} ms, plain {plain_ms:6.2f} ms, ratio {local_ms / plain_ms:4.2f}x; "
            f"the SDK's host adds {timer.median(f'provider {op.capitalize()}') - local_ms:5.2f} ms"
        )
    print()
    med = {key: statistics.median(r[key] for r in cold) for key in cold[0]}
    runs = ", ".join(f"{r['total']:.2f}" for r in cold)
    print(
        f"cold start (median of {len(cold)}): {med['total']:.3f} s = spawn to port + Handshake "
        f"{med['spawn']:.3f} s + Configure {med['configure']:.3f} s + first Check {med['check']:.3f} s "
        f"(runs: {runs} s; best {min(r['total'] for r in cold):.3f} s)"
    )
    print(
        f"fresh interpreter (best of 5, minus `python -c pass` = {python_s:.3f} s): "
        f"import pulumi_iotcomms.resources.device +{device_s - python_s:.3f} s (includes the pulumi SDK); "
        f"the host's own imports (dill, grpc, pulumi.runtime, pulumi.dynamic) +{host_mods_s - python_s:.3f} s; "
        f"both +{both_s - python_s:.3f} s, i.e. the device module adds {both_s - host_mods_s:.3f} s to the host"
    )
    print(
        f"import of the device module after pulumi.dynamic (-X importtime self time, {extra_s:.3f} s): "
        + ", ".join(f"{pkg} {sec * 1000:.0f} ms" for pkg, sec in packages)
    )
    print()
    for label in OPS:
        ok = ratios[label] <= TARGET_RATIO
        print(
            f"target {label} via provider host <= {TARGET_RATIO}x plain httpx (same requests): "
            f"{'met' if ok else 'NOT met'} ({ratios[label]:.2f}x)"
        )
    for op in OPS:
        local_ratio = timer.median(f"in-process {op}") / timer.median(f"plain {op}")
        print(
            f"  the same, our code alone (in-process, no SDK host): "
            f"{'met' if local_ratio <= TARGET_RATIO else 'NOT met'} for {op} ({local_ratio:.2f}x)"
        )
    floor = timer.median("gRPC no-op") / timer.median("plain read")
    print(
        f"  (a gRPC round trip to the SDK's host that does nothing already costs {floor:.2f}x a loopback GET; "
        f"the {TARGET_RATIO}x budget of a loopback read is {(TARGET_RATIO - 1) * timer.median('plain read'):.2f} ms)"
    )
    print(f"with {args.wan_ms:g} ms API latency (a WAN-like round trip; {max(20, args.n // 10)} devices per op):")
    for op in OPS:
        prov_ms, plain_ms = wan.median(f"provider {op.capitalize()}"), wan.median(f"plain {op}")
        print(f"  {op:8} provider {prov_ms:7.2f} ms, plain httpx {plain_ms:7.2f} ms, ratio {prov_ms / plain_ms:4.2f}x")
    cold_ok = med["total"] <= TARGET_COLD_S
    print(f"target cold start <= {TARGET_COLD_S} s: {'met' if cold_ok else 'NOT met'} ({med['total']:.3f} s)")
    print(f"({time.perf_counter() - began:.1f} s in all)")
    met = cold_ok and all(ratios[label] <= TARGET_RATIO for label in OPS)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
