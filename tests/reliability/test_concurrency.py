"""Concurrency: 4 Creates, then 4 Reads, at once in one provider host (its worker count), sharing one HTTP
client and one JWT signer, give the same results as the same operations one after another."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from pulumi_iotcomms.resources import DeviceProvider
from pulumi_iotcomms.testing.harness import ProviderHost, Secret
from pulumi_iotcomms.testing.harness.host import default_pythonpath
from pulumi_iotcomms.testing.harness.props import PropertyMap, reveal
from tests.emulator_client import DOMAIN, EmulatorClient
from tests.reliability._util import PROJECT, md5, register_public_key, serialized, urn
from tests.resources._lifecycle import config_for

WORKERS = 4
"""``pulumi.dynamic``'s gRPC server runs 4 worker threads."""
PER_ID = ("resource_name", "device_id", "sip_password")
T = TypeVar("T")


def _timed(calls: Sequence[Callable[[], T]], concurrently: bool) -> tuple[list[T], float]:
    started = time.monotonic()
    if concurrently:
        with ThreadPoolExecutor(WORKERS) as pool:
            results = [f.result() for f in [pool.submit(call) for call in calls]]
    else:
        results = [call() for call in calls]
    return results, time.monotonic() - started


def _run(host: ProviderHost, prefix: str, concurrently: bool) -> tuple[list[PropertyMap], list[PropertyMap], float]:
    """Check, then Create and Read 4 credentials devices; returns outputs of both and the Create time."""
    provider = serialized(DeviceProvider())
    names = [f"{prefix}-{i}" for i in range(WORKERS)]
    news = [
        {"__provider": provider, "resource_name": n, "domain": DOMAIN, "device_id": n, "auth_type": "credentials"}
        for n in names
    ]
    inputs = [
        host.check(urn(DeviceProvider, n), {}, p, allow_unknowns=False).inputs for n, p in zip(names, news, strict=True)
    ]
    created, seconds = _timed(
        [functools.partial(host.create, urn(DeviceProvider, n), i) for n, i in zip(names, inputs, strict=True)],
        concurrently,
    )
    read, _ = _timed(
        [
            functools.partial(host.read, urn(DeviceProvider, n), c[0], i, c[1])
            for n, c, i in zip(names, created, inputs, strict=True)
        ],
        concurrently,
    )
    return [reveal(outputs) for _, outputs in created], [reveal(r.outputs) for r in read], seconds


def _shared(outputs: PropertyMap) -> dict[str, Any]:
    return {k: v for k, v in outputs.items() if k not in PER_ID}


def test_concurrent_operations_match_sequential_ones(emulator: EmulatorClient) -> None:
    config = config_for(emulator, {"iotcomms:token": "", "iotcomms:privateKey": Secret(register_public_key(emulator))})
    emulator.faults(latency_ms=150, latency_rate=1.0)  # every request takes a while: the calls overlap
    with ProviderHost(config=config, project=PROJECT, pythonpath=default_pythonpath()) as host:
        together, together_read, together_s = _run(host, "together", concurrently=True)
        apart, apart_read, apart_s = _run(host, "apart", concurrently=False)
    emulator.faults()

    assert together_s < 0.75 * apart_s, (together_s, apart_s)  # the 4 Creates really ran at the same time
    assert [_shared(o) for o in together] == [_shared(o) for o in apart]
    assert [_shared(o) for o in together_read] == [_shared(o) for o in apart_read]
    assert together_read == together
    assert apart_read == apart
    for outputs in (*together, *apart):
        device_id, password = outputs["device_id"], outputs["sip_password"]
        ha1 = emulator.ok("GET", f"/provisioning/device/{DOMAIN}/{device_id}")["ha1"]
        assert ha1 == md5(f"{device_id}:{DOMAIN}:{password}")
    assert 401 not in {r["status"] for r in emulator.requests()}
