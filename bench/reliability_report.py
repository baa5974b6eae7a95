"""Reliability report: the fault campaign over the mixed 20-resource stack, with figures.

    .venv/bin/python bench/reliability_report.py [--cycles 100] [--seed 1]

Starts an emulator (admin endpoints on) in this process, runs the campaign of
``tests/reliability/campaign.py`` (each cycle: up, up with changes, refresh, destroy, under 20%
injected faults, every failed operation run again until it converges) and prints cycles,
operations, injected faults by kind, retries, failed operations, orphans, duplicates, leftovers,
secrets found, and the bad-input corpus figures (caught / tried, requests that reached the server).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_iotcomms.emulator import Emulator, EmulatorServer
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, TOKEN, EmulatorClient
from tests.reliability.campaign import FAULTS, Figures, run_campaign


def _progress(cycle: int, figures: Figures) -> None:
    if (cycle + 1) % 10 == 0:
        print(
            f"  ... {cycle + 1} cycles, {figures.failed_attempts} failed attempts, {figures.seconds:.0f} s", flush=True
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    emu = Emulator(admin=True, tokens=[(DOMAIN, TOKEN), (OTHER_DOMAIN, OTHER_TOKEN)])
    with EmulatorServer(emu) as server, EmulatorClient(server.url) as client, tempfile.TemporaryDirectory() as tmp:
        print(f"fault campaign: {args.cycles} cycles, seed {args.seed}, faults {FAULTS}", flush=True)
        f = run_campaign(client, Path(tmp), cycles=args.cycles, seed=args.seed, progress=_progress)
        corpus = _bad_inputs(client)
    print()
    print(f"cycles                 {f.cycles}")
    print(f"operations             {f.operations}  (attempts {f.attempts}, failed attempts {f.failed_attempts})")
    print(f"operations unconverged {f.unconverged}")
    print(f"API requests           {f.requests}")
    print(
        f"injected faults        {sum(f.faults.values())}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(f.faults.items()))
    )
    print(f"retries (same request) {f.retries}")
    print(f"orphans                {f.orphans}")
    print(f"missing                {f.missing}")
    print(f"duplicates             {f.duplicates}")
    print(f"leftovers after destroy {f.leftovers}")
    print(f"secrets found          {f.secrets_found}")
    print(f"bad inputs caught      {corpus[0]} / {corpus[1]}  (requests reaching the emulator: {corpus[2]})")
    print(f"time                   {f.seconds:.0f} s")
    ok = f.ok() and corpus[0] == corpus[1] and corpus[2] == 0
    print("result                 " + ("PASS" if ok else "FAIL"))
    return 0 if ok else 1


def _bad_inputs(client: EmulatorClient) -> tuple[int, int, int]:
    try:
        from tests.reliability.corpus import run_corpus
    except ImportError:
        return 0, 0, 0
    return run_corpus(client)


if __name__ == "__main__":
    sys.exit(main())
