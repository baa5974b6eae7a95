"""iotcomms-export on a tenant of every kind with ``--devices`` devices, vs plain httpx listing the same.

One run against the emulator in its own subprocess (no GIL shared with the exporter) seeds the tenant
of the export tests (``tests/export/_tenant.py``: settings, profile, trunks, every service kind in both
spaces, an IVR fallback, site hosts, an API key, 12 single devices and a fleet of ``--devices`` made by
one bulk job), then times, interleaved over ``--repeat`` rounds (medians shown):

* the export: ``export_tenant`` (reads through the API operations, writes ``__main__.py``, the stack
  files and the fleet's CSV into a temporary directory), through a fresh transport each round;
* baseline: plain httpx, one keep-alive client made before the clock, GETting the same collections
  sequentially: every page of the device listing (100 per page), the trunks, the four service kinds
  in both spaces, both settings objects, the profile, the sites, the IVR fallback numbers and each
  number's object, the API keys. It reads; it writes no file.

The issue's target is an export under 10 s for a tenant of >= 1,000 devices against the emulator.

    .venv/bin/python bench/export.py [--devices 1000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient  # noqa: E402
from tests.export._tenant import run_export, seed  # noqa: E402

_LINE = re.compile(r"(http://127\.0\.0\.1:\d+)")
_SERVICES = ("mediaservice", "alarmbridge", "alarmeventmapper", "cloudsipua")


@contextmanager
def emulator() -> Iterator[str]:
    """The emulator in a subprocess, admin endpoints on, accepting the tests' token; yields its URL."""
    command = [
        sys.executable,
        "-m",
        "pulumi_iotcomms.emulator",
        "--port",
        "0",
        "--admin",
        "--token",
        f"{DOMAIN}={TOKEN}",
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        match = _LINE.search(line)
        if not match:
            raise RuntimeError(f"emulator did not start: {line!r}")
        yield match.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def baseline(client: httpx.Client) -> int:
    """GET what the export reads, as a hand-written script would; returns the number of requests."""
    requests = 0

    def get(path: str, **params: str) -> dict[str, object]:
        nonlocal requests
        requests += 1
        response = client.get(path, params=params)
        response.raise_for_status()
        body = response.json()
        assert isinstance(body, dict)
        return body

    token: str | None = ""
    while token is not None:
        page = get(f"/provisioning/device/{DOMAIN}", limit="100", **({"nextToken": token} if token else {}))
        next_token = page.get("nextToken")
        token = next_token if isinstance(next_token, str) and next_token else None
    get(f"/provisioning/trunk/{DOMAIN}", limit="100")
    for kind in _SERVICES:
        for provisory in ("false", "true"):
            get(f"/provisioning/{kind}/{DOMAIN}", limit="100", provisory=provisory)
    get(f"/provisioning/notificationsettings/{DOMAIN}")
    get(f"/provisioning/siprecservice/{DOMAIN}")
    get("/provisioning/currentuser/profile")
    get(f"/hybridadmin/site/{DOMAIN}")
    numbers = get(f"/cache/{DOMAIN}/ivrfallback").get("data") or []
    for number in numbers if isinstance(numbers, list) else []:
        get(f"/cache/{DOMAIN}/ivrfallback/{number}")
    get(f"/provisioning/apiKey/{DOMAIN}", limit="100")
    return requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1000, help="devices of the fleet (12 single ones besides)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with emulator() as url, EmulatorClient(url) as admin:
        admin.reset()
        seed(admin, args.devices)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        exports: list[float] = []
        plains: list[float] = []
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client, tempfile.TemporaryDirectory() as tmp:
            requests = baseline(client)  # warm: the connection, the emulator's caches
            run_export(admin, Path(tmp) / "warm")
            for index in range(args.repeat):
                started = time.perf_counter()
                project = run_export(admin, Path(tmp) / f"round-{index}")
                exports.append(time.perf_counter() - started)
                started = time.perf_counter()
                baseline(client)
                plains.append(time.perf_counter() - started)
    export_s, plain_s = statistics.median(exports), statistics.median(plains)
    declared = ", ".join(f"{n} {kind}" for kind, n in project.declared.items())
    print(f"tenant: {args.devices} fleet devices + 12 single ones, every kind ({declared})")
    print(f"emulator in a subprocess; medians of {args.repeat} interleaved rounds")
    print(f"export (read + write the project): {export_s:.3f} s   (target: under 10 s)")
    print(f"baseline (plain httpx, the same {requests} GETs, no files): {plain_s:.3f} s")
    print(f"ratio export / baseline: {export_s / plain_s:.2f}")


if __name__ == "__main__":
    main()
