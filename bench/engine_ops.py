"""Engine overhead: ``pulumi up`` of Devices through the real Pulumi CLI vs a trivial provider and plain httpx.

Drives the Pulumi CLI on ``PATH`` with the Automation API (inline programs, a local file backend, a
passphrase, a throw-away ``PULUMI_HOME``; the dynamic-provider host runs from this virtualenv with the
repository on ``PYTHONPATH``) against the emulator in its own subprocess, and prints:

* a no-op ``pulumi up`` of ``--devices`` Devices (``auth_type="deviceid"``) after the initial up: its
  wall time against the same program shape (same props, same secret markings) whose resources belong
  to a trivial dynamic provider (``bench/_trivial_provider.py``: check/diff/create return at once), and
  the HTTP requests the emulator received during it (its admin request log) -- the target is the one
  credential check per provider process and nothing per resource. The initial ups are shown for context;
* ``pulumi up`` of ``--new-devices`` new Devices on a fresh stack against plain httpx replaying the
  requests the emulator logged during that up (same method, path and body, the device ids renamed so
  the objects are new again), each device's requests in order, devices spread over 4 threads (the SDK
  provider host's worker count) sharing one keep-alive client. The same up with the trivial provider
  and the up of an empty program show the part of the time the engine itself takes.

Every measurement is repeated ``--repeat`` times, interleaved (ours, baseline, ours, ...) so that
background load on a shared machine affects both columns alike; rows show medians.

The programs run in this process, each up as in a fresh one (``ORIGINAL_BATCH``). Before providers
pickled with no state, a program of more than about 960 Devices failed with RecursionError;
``--recursion-limit`` is kept to study programs of other providers that still pickle a dict.

    PATH=<engine bin>:$PATH .venv/bin/python bench/engine_ops.py [--devices 1000] [--new-devices 200] [--repeat 3]

(``make engine`` builds the CLI; ``tools/engine/bin-dir.sh`` prints its bin directory.)
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

#: ``serialize_provider`` (pulumi/dynamic/dynamic.py) replaces ``pickle._Pickler._batch_setitems`` with a
#: sorting wrapper of the *current* one on every call and never restores it, so each call in a process
#: adds a frame to every later pickling of a dict: the n-th Device of a program (whose provider pickles
#: its ``{}`` state) recurses n deep. Taken before anything here calls it (``provider_ops`` does on import).
BATCH = "_batch_setitems"
ORIGINAL_BATCH = vars(pickle._Pickler)[BATCH]
assert ORIGINAL_BATCH.__qualname__ == f"_Pickler.{BATCH}", "serialize_provider ran before this module"

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for entry in (ROOT, HERE):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import pulumi  # noqa: E402
import pulumi.dynamic  # noqa: E402
from _trivial_provider import TrivialProvider  # noqa: E402
from provider_ops import DOMAIN, TOKEN, emulator  # noqa: E402
from pulumi import automation as auto  # noqa: E402
from pulumi.dynamic import ResourceProvider  # noqa: E402
from pulumi.dynamic.dynamic import serialize_provider  # noqa: E402

from pulumi_iotcomms.resources import _claims  # noqa: E402
from pulumi_iotcomms.resources._config import CREDENTIALS_PROBE, Settings  # noqa: E402
from pulumi_iotcomms.resources._resource import resource_args  # noqa: E402
from pulumi_iotcomms.resources.device import SIP_PASSWORD, Device, DeviceProvider  # noqa: E402
from pulumi_iotcomms.testing.automation import workspace_options  # noqa: E402

PROJECT = "enginebench"
TARGET_NOOP_RATIO = 1.2
HOST_WORKERS = 4  # futures.ThreadPoolExecutor(max_workers=4) in pulumi/dynamic/__main__.py
Program = Callable[[], None]


class Trivial(pulumi.dynamic.Resource, module="bench", name="Trivial"):
    """The baseline resource: a Device's props and options, the trivial provider."""

    def __init__(self, resource_name: str, **args: Any) -> None:
        # As Device.__init__ builds them: the same inputs, secrets and additional secret outputs.
        props, options = resource_args(
            DeviceProvider.spec, resource_name, {**args, SIP_PASSWORD: pulumi.Output.secret(None)}, None
        )
        options = pulumi.ResourceOptions.merge(
            options, pulumi.ResourceOptions(additional_secret_outputs=[SIP_PASSWORD])
        )
        super().__init__(TrivialProvider(), resource_name, props, options)


def program(kind: type[Device] | type[Trivial] | None, count: int, prefix: str) -> Program:
    """``count`` devices (of ``kind``) with ids ``<prefix><n>``; ``kind=None`` declares nothing."""

    def declare() -> None:
        for i in range(count if kind is not None else 0):
            assert kind is not None
            kind(
                f"d{i:05d}",
                device_id=f"{prefix}{i:05d}",
                domain=DOMAIN,
                auth_type="deviceid",
                description=f"bench device {i} of {count}",
            )

    return declare


class Engine:
    """Stacks of one project in a throw-away backend and ``PULUMI_HOME``, configured for the emulator."""

    def __init__(self, workdir: Path, url: str) -> None:
        # The provider host unpickles DeviceProvider (the repository) and TrivialProvider (bench/).
        self.options = workspace_options(workdir, PROJECT, pythonpath=[HERE], work_dir=workdir / "project")
        self.config = {
            "iotcomms:endpoint": auto.ConfigValue(value=url),
            "iotcomms:token": auto.ConfigValue(value=TOKEN, secret=True),
        }

    def stack(self, name: str) -> auto.Stack:
        stack = auto.create_or_select_stack(
            stack_name=name, project_name=PROJECT, program=lambda: None, opts=self.options
        )
        stack.set_all_config(self.config)
        return stack


class ProgramRecursion(RuntimeError):
    """The program failed with the RecursionError of ``serialize_provider``'s pickler wrappers."""


def fresh_pickler() -> None:
    """Undo the wrappers ``serialize_provider`` left (see ``ORIGINAL_BATCH``): every up's program starts
    as in the new interpreter the CLI runs a program in, whatever ran in this process before."""
    setattr(pickle._Pickler, BATCH, ORIGINAL_BATCH)


def up(stack: auto.Stack, declare: Program, expect: dict[str, int]) -> float:
    """Wall time of ``pulumi up``; the summary's resource changes must be ``expect``."""
    fresh_pickler()
    started = time.perf_counter()
    try:
        result = stack.up(program=declare, color="never", suppress_progress=True)
    except auto.CommandError as err:
        if "RecursionError" in str(err) and BATCH in str(err):
            summary = re.findall(r"^ +(\d+ (?:created|unchanged|errored|to create))", str(err), re.MULTILINE)
            raise ProgramRecursion(
                f"the program of stack {stack.name} failed with RecursionError in pickle.{BATCH}: "
                f"serialize_provider wraps that method once per resource (see ORIGINAL_BATCH), and a provider "
                f"whose pickled state is a dict (DeviceProvider's {{}}) walks every wrapper, so a program cannot "
                f"declare more Devices than about the recursion limit ({sys.getrecursionlimit()}); "
                f"--recursion-limit raises it in this process (engine: {', '.join(summary) or 'no summary'})"
            ) from None
        raise
    elapsed = time.perf_counter() - started
    changes = dict(result.summary.resource_changes or {})
    if changes != expect:
        raise RuntimeError(f"{stack.name}: expected {expect}, the engine reported {changes}")
    return elapsed


class Log:
    """The emulator's admin request log."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)

    def clear(self) -> None:
        self.http.delete("/_emulator/requests").raise_for_status()

    def take(self) -> list[dict[str, Any]]:
        """Everything logged since the last clear, then clear."""
        response = self.http.get("/_emulator/requests")
        response.raise_for_status()
        self.clear()
        return list(response.json()["requests"])


def is_probe(entry: dict[str, Any]) -> bool:
    return bool(entry["method"] == "GET" and str(entry["path"]).endswith(f"/{CREDENTIALS_PROBE}"))


def shape(log: list[dict[str, Any]], prefix: str) -> str:
    """``3 x GET /provisioning/device/bench.example/{id} -> 404; ...``: the requests counted by method,
    path (device ids with ``prefix`` folded) and status."""
    ids = re.compile(re.escape(prefix) + r"\d+")
    counts = Counter(f"{e['method']} {ids.sub('{id}', str(e['path']))} -> {e['status']}" for e in log)
    return "; ".join(f"{n} x {what}" for what, n in sorted(counts.items())) or "none"


@dataclass
class Replayed:
    seconds: float
    requests: int


def replay(url: str, log: list[dict[str, Any]], old: str, new: str) -> Replayed:
    """Send the logged requests again with ``old`` id prefixes renamed ``new`` (same length): requests
    naming no device first, then each device's requests in order, devices over ``HOST_WORKERS`` threads
    sharing one keep-alive client. Every status must be the logged one."""
    if len(old) != len(new):
        raise ValueError("the renamed prefix must keep the request sizes")
    pattern = re.compile(re.escape(old) + r"\d+")
    alone: list[dict[str, Any]] = []
    per_device: dict[str, list[dict[str, Any]]] = {}
    for entry in log:
        body = None if entry.get("body") is None else json.dumps(entry["body"])
        found = pattern.search(str(entry["path"])) or (pattern.search(body) if body else None)
        query = entry.get("query")
        path = str(entry["path"]).replace(old, new) + (f"?{query}" if query else "")
        request = {
            "method": entry["method"],
            "path": path,
            "body": body.replace(old, new) if body else None,
            "status": entry["status"],
        }
        (per_device.setdefault(found.group(0), []) if found else alone).append(request)
    devices = list(per_device.values())
    errors: list[str] = []
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=8)  # as pulumi_iotcomms._transport

    with httpx.Client(base_url=url, headers=headers, timeout=30, limits=limits) as http:

        def send(request: dict[str, Any]) -> None:
            response = http.request(request["method"], request["path"], content=request["body"])
            if response.status_code != request["status"]:
                errors.append(f"{request['method']} {request['path']}: {response.status_code} != {request['status']}")

        def worker(k: int) -> None:
            for device in devices[k::HOST_WORKERS]:
                for request in device:
                    send(request)

        started = time.perf_counter()
        for request in alone:
            send(request)
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(HOST_WORKERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(f"the replay got other answers than the up: {errors[:3]}")
    return Replayed(elapsed, len(alone) + sum(len(d) for d in devices))


def in_process(url: str, n: int) -> dict[str, float]:
    """Per device, ms: what the provider host's Check + Diff of a no-op up cost in the provider alone
    (called in this process, no host, no gRPC), for ``DeviceProvider`` and ``TrivialProvider``."""
    device = DeviceProvider()
    device._settings = Settings(endpoint=url, token=TOKEN, domain=DOMAIN)
    providers: dict[str, ResourceProvider] = {"ours": device, "base": TrivialProvider()}
    result: dict[str, float] = {}
    for key, provider in providers.items():
        _claims.reset()
        pickled = serialize_provider(provider)

        def news(i: int, pickled: str = pickled) -> dict[str, Any]:
            return {
                "__provider": pickled,
                "resource_name": f"d{i:05d}",
                "owner": f"{PROJECT}/bench",
                "domain": DOMAIN,
                "device_id": f"inproc-{i:05d}",
                "auth_type": "deviceid",
                "description": f"bench device {i} of {n}",
            }

        provider.check({}, news(n))  # the credential check, once per process
        samples = []
        for i in range(n):
            olds = {**provider.check({}, news(i)).inputs, "heartbeat_status": "offline", "heartbeat_expiration": 0}
            started = time.perf_counter()
            checked = provider.check(olds, news(i)).inputs
            diff = provider.diff(f"{DOMAIN}/inproc-{i:05d}", olds, checked)
            samples.append(time.perf_counter() - started)
            if diff.changes:
                raise RuntimeError(f"{key}: a no-op diff found changes: {diff}")
        result[key] = statistics.median(samples) * 1000
    _claims.reset()
    return result


def serialize_seconds(n: int) -> dict[str, float]:
    """Seconds ``serialize_provider`` takes for ``n`` resources of a fresh program, per provider: what each
    resource's constructor costs the program apart from the rest of the SDK."""
    providers: dict[str, ResourceProvider] = {"ours": DeviceProvider(), "base": TrivialProvider()}
    result: dict[str, float] = {}
    for key, provider in providers.items():
        fresh_pickler()
        started = time.perf_counter()
        for _ in range(n):
            serialize_provider(provider)
        result[key] = time.perf_counter() - started
    fresh_pickler()
    return result


def median(values: list[float]) -> float:
    return statistics.median(values)


def runs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


@dataclass
class Results:
    initial: dict[str, float] = field(default_factory=dict)
    noop: dict[str, list[float]] = field(default_factory=lambda: {"ours": [], "base": []})
    new: dict[str, list[float]] = field(default_factory=lambda: {"ours": [], "base": [], "plain": [], "empty": []})
    initial_log: list[dict[str, Any]] = field(default_factory=list)
    noop_logs: list[list[dict[str, Any]]] = field(default_factory=list)
    new_logs: list[list[dict[str, Any]]] = field(default_factory=list)
    local: dict[str, float] = field(default_factory=dict)
    pickling: dict[str, float] = field(default_factory=dict)


def measure(n: int, m: int, repeat: int) -> Results:
    """Every up, interleaved; the emulator's log of each of ours."""
    res = Results()
    with emulator() as url, tempfile.TemporaryDirectory(prefix="engine-ops-") as tmp:
        engine, log = Engine(Path(tmp), url), Log(url)
        ours, base = engine.stack("devices"), engine.stack("trivial")
        ours_program, base_program = program(Device, n, "dev-"), program(Trivial, n, "dev-")
        # -- the initial ups, then no-op ups, interleaved --------------------------------------------
        log.clear()
        res.initial["ours"] = up(ours, ours_program, {"create": n + 1})
        res.initial_log = log.take()
        res.initial["base"] = up(base, base_program, {"create": n + 1})
        log.clear()
        for _ in range(repeat):
            res.noop["ours"].append(up(ours, ours_program, {"same": n + 1}))
            res.noop_logs.append(log.take())
            res.noop["base"].append(up(base, base_program, {"same": n + 1}))
            log.clear()
        # -- ups of new devices on fresh stacks, and the same requests with plain httpx -------------
        empty = engine.stack("empty")
        for r in range(repeat):
            eng, raw = f"eng{r:02d}-", f"raw{r:02d}-"
            fresh_ours, fresh_base = engine.stack(f"new-devices-{r}"), engine.stack(f"new-trivial-{r}")
            log.clear()
            res.new["ours"].append(up(fresh_ours, program(Device, m, eng), {"create": m + 1}))
            res.new_logs.append(log.take())
            res.new["plain"].append(replay(url, res.new_logs[-1], eng, raw).seconds)
            res.new["base"].append(up(fresh_base, program(Trivial, m, f"tri{r:02d}-"), {"create": m + 1}))
            res.new["empty"].append(up(empty, program(None, 0, ""), {"same": 1} if r else {"create": 1}))
        log.http.close()
        res.local = in_process(url, min(n, 1000))
    res.pickling = serialize_seconds(n)
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000, help="devices of the no-op up (default 1000)")
    parser.add_argument("--new-devices", type=int, default=200, help="devices created by the timed up (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="measurements per row, median shown (default 3)")
    parser.add_argument(
        "--recursion-limit",
        type=int,
        help="sys.setrecursionlimit of this process, which runs the programs (a program of more Devices than "
        "about Python's default, 1000, fails: see ORIGINAL_BATCH)",
    )
    args = parser.parse_args(argv)
    if args.recursion_limit:
        sys.setrecursionlimit(args.recursion_limit)
    if shutil.which("pulumi") is None:
        print("no `pulumi` on PATH: put the engine's bin directory there (tools/engine/bin-dir.sh prints it)")
        return 2
    version = subprocess.run(["pulumi", "version"], capture_output=True, text=True, check=True).stdout.strip()
    began = time.perf_counter()
    load_before = os.getloadavg()
    n, m = args.devices, args.new_devices
    try:
        res = measure(n, m, args.repeat)
    except ProgramRecursion as err:
        print(f"error: {err} ({time.perf_counter() - began:.1f} s in all)")
        return 1
    noop, initial, new, local, pickling = res.noop, res.initial, res.new, res.local, res.pickling
    initial_log, noop_logs, new_logs = res.initial_log, res.noop_logs, res.new_logs
    load_after = os.getloadavg()

    # -- report ----------------------------------------------------------------------------------------
    print(
        f"iotcomms engine benchmark: {version} via the Automation API (local file backend), emulator in a "
        f"subprocess, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; load average "
        f"{load_before[0]:.2f} -> {load_after[0]:.2f} (shared machine)"
    )
    print(
        f"{n} devices for the no-op up, {m} new devices per timed up, median of {args.repeat} runs per row; "
        f"recursion limit of the programs' process {sys.getrecursionlimit()}"
    )
    print()
    noop_ratio = median(noop["ours"]) / median(noop["base"])
    new_ratio = median(new["ours"]) / median(new["plain"])
    print(f"{'':44} {'Device':>9} {'baseline':>9} {'ratio':>7}")
    rows = [
        (f"no-op up, {n} resources (s)", noop["ours"], noop["base"], "trivial provider"),
        (f"up of {m} new resources (s)", new["ours"], new["plain"], f"plain httpx, {HOST_WORKERS} threads"),
    ]
    for label, mine, theirs, what in rows:
        print(f"{label:44} {median(mine):9.2f} {median(theirs):9.2f} {median(mine) / median(theirs):6.2f}x  vs {what}")
        print(f"{'':46}runs: Device {runs(mine)}; baseline {runs(theirs)}")
    print(
        f"{f'initial up, {n} resources (s, once)':44} {initial['ours']:9.2f} {initial['base']:9.2f} "
        f"{initial['ours'] / initial['base']:6.2f}x  vs trivial provider"
    )
    print(
        f"context: up of {m} new trivial-provider resources {median(new['base']):.2f} s "
        f"(runs {runs(new['base'])}); no-op up of an empty program {median(new['empty']):.2f} s "
        f"(runs {runs(new['empty'])})"
    )
    print(
        f"context: check + diff of a no-op up called in-process (no host, no gRPC), median per device: "
        f"DeviceProvider {local['ours']:.3f} ms, TrivialProvider {local['base']:.3f} ms; "
        f"x {n} = {local['ours'] * n / 1000:.2f} s vs {local['base'] * n / 1000:.2f} s"
    )
    print(
        f"context: serialize_provider for the {n} resources of a program (in the program's process): "
        f"DeviceProvider {pickling['ours']:.2f} s, TrivialProvider {pickling['base']:.2f} s"
    )
    print()
    print(f"HTTP during the initial up ({len(initial_log)} requests): {shape(initial_log, 'dev-')}")
    for k, entries in enumerate(noop_logs):
        print(f"HTTP during no-op up {k + 1} ({len(entries)} requests): {shape(entries, 'dev-')}")
    print(
        f"HTTP during the up of {m} new devices, replayed by plain httpx ({len(new_logs[0])} requests): "
        f"{shape(new_logs[0], 'eng00-')}"
    )
    print()
    probes = max(sum(is_probe(e) for e in entries) for entries in noop_logs)
    others = max(sum(not is_probe(e) for e in entries) for entries in noop_logs)
    http_ok = probes <= 1 and others == 0
    print(
        f"target: no-op up sends at most the credential check (one provider process): "
        f"{'met' if http_ok else 'NOT met'} ({probes} credential check(s), {others} other request(s), worst run)"
    )
    print(
        f"target: no-op up <= {TARGET_NOOP_RATIO}x the trivial provider: "
        f"{'met' if noop_ratio <= TARGET_NOOP_RATIO else 'NOT met'} ({noop_ratio:.2f}x)"
    )
    print(f"(no target) up of {m} new devices = {new_ratio:.2f}x plain httpx sending the same requests")
    print(f"({time.perf_counter() - began:.1f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
