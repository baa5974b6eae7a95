"""The fault campaign: the mixed stack's lifecycle, cycle after cycle, under seeded injected faults.

Each cycle: ``up`` (create), ``up`` (update), ``refresh``, ``destroy``. An operation that fails is run
again (the next ``up`` must converge) up to ``attempts`` times. After every converged operation the
server must hold exactly what the state says: no orphans, nothing missing, no duplicates; after
``destroy``, nothing. Used by ``tests/reliability/test_faults.py`` (a few cycles) and
``bench/reliability_report.py`` (100 cycles).
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_iotcomms.testing.harness import Harness
from tests.emulator_client import EmulatorClient
from tests.reliability.stack import SECRETS, compare, mixed_stack
from tests.resources._lifecycle import config_for, state_text

FAULTS: dict[str, Any] = {
    "error_rate": 0.07,
    "error_statuses": [500, 502, 503],
    "rate_limit_rate": 0.05,
    "retry_after_s": 0.05,
    "drop_rate": 0.04,
    "apply_then_fail_rate": 0.04,
    "latency_ms": 300,
    "latency_rate": 0.03,
}
"""20% of API requests get a fault (5xx, 429 + Retry-After, dropped connection, apply-then-fail),
and 3% a 300 ms latency spike."""


@dataclass
class Figures:
    """What a campaign did and found."""

    cycles: int = 0
    operations: int = 0
    attempts: int = 0
    failed_attempts: int = 0
    unconverged: int = 0
    requests: int = 0
    retries: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    orphans: int = 0
    missing: int = 0
    duplicates: int = 0
    leftovers: int = 0
    secrets_found: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)

    def ok(self) -> bool:
        """No invariant broken."""
        bad = (self.unconverged, self.orphans, self.missing, self.duplicates, self.leftovers, self.secrets_found)
        return not any(bad)


def _retries(log: list[dict[str, Any]]) -> int:
    """Requests that repeat the one before them (same method, path and body) after a fault."""
    count = 0
    for prev, cur in itertools.pairwise(log):
        same = (prev["method"], prev["path"], prev["body"]) == (cur["method"], cur["path"], cur["body"])
        if same and (prev.get("fault") or (prev.get("status") or 0) >= 429 or prev.get("status") == 0):
            count += 1
    return count


def run_campaign(
    emulator: EmulatorClient,
    workdir: Path,
    *,
    cycles: int,
    seed: int = 1,
    attempts: int = 6,
    faults: dict[str, Any] | None = None,
    progress: Callable[[int, Figures], None] | None = None,
) -> Figures:
    """Run ``cycles`` lifecycle cycles of the mixed stack under seeded faults; never raises for a
    failed operation (it is counted), only returns the figures."""
    figures = Figures()
    started = time.monotonic()
    config = {**config_for(emulator), "iotcomms:timeoutSeconds": "30", "iotcomms:maxRetries": "4"}
    harness = Harness(state_dir=workdir / "state", config=config)
    for cycle in range(cycles):
        emulator.faults(seed=seed * 100_003 + cycle, **(faults if faults is not None else FAULTS))
        emulator.clear_requests()
        for op, program in (("up", mixed_stack(0)), ("up", mixed_stack(1)), ("refresh", None), ("destroy", None)):
            figures.operations += 1
            for _attempt in range(attempts):
                figures.attempts += 1
                try:
                    if op == "up":
                        harness.up(program)
                    elif op == "refresh":
                        harness.refresh()
                    else:
                        harness.destroy()
                    break
                except Exception as exc:  # a failed operation is allowed; the next run must converge
                    figures.failed_attempts += 1
                    figures.errors.append(str(exc))
            else:
                figures.unconverged += 1
                continue
            found = compare(emulator.objects(), harness.state.resources.values())
            if op == "destroy":
                figures.leftovers += found["orphans"]
            else:
                figures.orphans += found["orphans"]
            figures.missing += found["missing"]
            figures.duplicates += found["duplicates"]
        snapshot = emulator.http.get("/_emulator/faults").json()["injected"]
        figures.faults.update(snapshot)
        log = emulator.requests()
        figures.requests += len(log)
        figures.retries += _retries(log)
        text = state_text(workdir) + "\n".join(figures.errors)
        figures.secrets_found += sum(text.count(s) for s in (*SECRETS, emulator.token))
        figures.cycles += 1
        figures.seconds = time.monotonic() - started
        if progress is not None:
            progress(cycle, figures)
    emulator.faults()
    figures.seconds = time.monotonic() - started
    return figures
