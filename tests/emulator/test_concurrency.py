"""Concurrent clients: writes are not lost or mixed up, and PATCH test-and-set is atomic."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from tests.emulator.samples import DEVICES
from tests.emulator_client import EmulatorClient

THREADS, ROUNDS = 8, 50
T = TypeVar("T")


def in_threads(url: str, work: Callable[[EmulatorClient, int], T]) -> list[T]:
    """Run ``work(client, thread_number)`` in ``THREADS`` threads, each with its own keep-alive client."""

    def one(n: int) -> T:
        with EmulatorClient(url) as client:
            return work(client, n)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(THREADS)))


def test_distinct_ids_each_read_back_what_was_written(emulator: EmulatorClient) -> None:
    def work(client: EmulatorClient, n: int) -> int:
        for i in range(ROUNDS):
            device_id = f"t{n}-{i:02d}"
            client.ok("PUT", DEVICES, json={"deviceId": device_id, "authType": "deviceid", "description": device_id})
            assert client.ok("GET", f"{DEVICES}/{device_id}")["description"] == device_id
        return ROUNDS

    assert sum(in_threads(emulator.url, work)) == THREADS * ROUNDS
    listed = emulator.objects()["acme.example"]["device"]
    assert len(listed) == THREADS * ROUNDS
    assert all(d["description"] == k for k, d in listed.items())


def test_same_id_ends_with_one_whole_write(emulator: EmulatorClient) -> None:
    def work(client: EmulatorClient, n: int) -> set[str]:
        written = set()
        for i in range(ROUNDS):
            text = f"{n}-{i}"
            client.ok("PUT", DEVICES, json={"deviceId": "shared", "authType": "deviceid", "description": text, "n": n})
            got = client.ok("GET", f"{DEVICES}/shared")
            assert got["description"].split("-")[0] == str(got["n"])  # never a mix of two writes
            written.add(text)
        return written

    written = set().union(*in_threads(emulator.url, work))
    final = emulator.ok("GET", DEVICES)["devices"]
    assert len(final) == 1
    assert final[0]["description"] in written


def test_patch_test_and_set_counts_every_increment(emulator: EmulatorClient) -> None:
    emulator.ok("PUT", DEVICES, json={"deviceId": "counter", "authType": "deviceid", "n": 0})
    increments = 10

    def work(client: EmulatorClient, n: int) -> int:
        conflicts = 0
        for _ in range(increments):
            while True:
                value = client.ok("GET", f"{DEVICES}/counter")["n"]
                ops = [
                    {"op": "test", "path": "/n", "value": value},
                    {"op": "replace", "path": "/n", "value": value + 1},
                ]
                resp = client.call("PATCH", f"{DEVICES}/counter", json=ops)
                if resp.status_code == 200:
                    break
                assert resp.status_code == 409, resp.text
                conflicts += 1
        return conflicts

    in_threads(emulator.url, work)
    assert emulator.ok("GET", f"{DEVICES}/counter")["n"] == THREADS * increments
