"""Statistics and SIP logs recorded through ``/_emulator`` and read back through the API, filtered."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.samples import url
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, OTHER_TOKEN, EmulatorClient


def bucket(name: str, calls: int = 2, total: float = 30) -> dict[str, Any]:
    return {
        "name": name,
        "min_duration": 5,
        "sum_duration": total,
        "num_calls": calls,
        "max_duration": 25,
        "average_duration": total / calls if calls else 0,
    }


def item(ts: int, call_id: str = "c1", method: str = "INVITE", **extra: Any) -> dict[str, Any]:
    return {
        "timeStamp": ts,
        "type": "request",
        "method": method,
        "requestUri": "sip:112@acme.example",
        "srcIp": "10.0.0.1",
        "srcPort": 5060,
        "dstIp": "10.0.0.2",
        "dstPort": 5060,
        "transport": "udp",
        "body": "",
        "reason": "",
        "statusCode": "",
        "sipHeaders": {"Call-ID": call_id, "From": "<sip:alice@acme.example>"},
        **extra,
    }


def statistics(client: EmulatorClient, bucketsize: str = "day", **kw: Any) -> list[dict[str, Any]]:
    body = client.ok(*url("statistics.get", bucketsize=bucketsize, **kw))
    assert set(body) == {"success", "statistics"}
    return list(body["statistics"])


def sip_logs(client: EmulatorClient, **log_filter: Any) -> list[dict[str, Any]]:
    body = client.ok(*url("logs.sip"), json=log_filter)
    assert set(body) == {"success", "logItems"}
    return list(body["logItems"])


def test_statistics_answer_the_buckets_recorded_for_their_type_and_size(emulator: EmulatorClient) -> None:
    hours, days = [bucket("2024-05-01T10"), bucket("2024-05-01T11", 1, 7)], [bucket("2024-05-01", 3, 37)]
    assert emulator.set_statistics(hours, bucketsize="hour") == hours
    emulator.set_statistics(days, bucketsize="day")
    assert statistics(emulator, "hour") == hours
    assert statistics(emulator, "day") == days
    assert statistics(emulator, "month") == []
    assert emulator.ok(*url("statistics.get", domain=OTHER_DOMAIN), token=OTHER_TOKEN)["statistics"] == []


def test_recording_statistics_replaces_them(emulator: EmulatorClient) -> None:
    emulator.set_statistics([bucket("a"), bucket("b")])
    emulator.set_statistics([bucket("c")])
    assert [b["name"] for b in statistics(emulator)] == ["c"]
    emulator.set_statistics([])
    assert statistics(emulator) == []


def test_average_duration_is_computed_when_left_out(emulator: EmulatorClient) -> None:
    given = [
        {k: v for k, v in bucket(n, calls, 30).items() if k != "average_duration"} for n, calls in [("a", 4), ("b", 0)]
    ]
    stored = emulator.set_statistics(given)
    assert [b["average_duration"] for b in stored] == [7.5, 0]
    assert statistics(emulator) == stored


def test_recorded_statistics_are_forgotten_on_reset(emulator: EmulatorClient) -> None:
    emulator.set_statistics([bucket("a")])
    emulator.reset()
    assert statistics(emulator) == []


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (f"{DOMAIN}/cdr/day", {"statistics": []}, "type"),
        (f"{DOMAIN}/cdr_siprec/week", {"statistics": []}, "bucketsize"),
        (f"{DOMAIN}/cdr_siprec/day", [], "(body)"),
        (f"{DOMAIN}/cdr_siprec/day", {"buckets": []}, "(body)"),
        (f"{DOMAIN}/cdr_siprec/day", {"statistics": ["a"]}, "statistics[0]"),
        (f"{DOMAIN}/cdr_siprec/day", {"statistics": [{**bucket("a"), "numCalls": 1}]}, "statistics[0].numCalls"),
        (f"{DOMAIN}/cdr_siprec/day", {"statistics": [{**bucket("a"), "num_calls": "2"}]}, "statistics[0].num_calls"),
        (
            f"{DOMAIN}/cdr_siprec/day",
            {"statistics": [{**bucket("a"), "max_duration": True}]},
            "statistics[0].max_duration",
        ),
        (f"{DOMAIN}/cdr_siprec/day", {"statistics": [bucket("a"), {"name": "b"}]}, "statistics[1].min_duration"),
    ],
)
def test_recorded_statistics_are_validated(emulator: EmulatorClient, path: str, body: Any, field: str) -> None:
    resp = emulator.http.put(f"/_emulator/statistics/{path}", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["reason"].startswith(f"{field}:"), resp.text
    assert statistics(emulator) == []


def test_sip_logs_answer_the_recorded_items_oldest_first(emulator: EmulatorClient) -> None:
    assert emulator.add_sip_logs([item(30), item(10)]) == 2
    assert emulator.add_sip_logs([item(20)]) == 3
    assert [i["timeStamp"] for i in sip_logs(emulator)] == [10, 20, 30]
    assert sip_logs(emulator)[0] == item(10)
    assert emulator.ok(*url("logs.sip", domain=OTHER_DOMAIN), token=OTHER_TOKEN, json={})["logItems"] == []


@pytest.mark.parametrize(
    ("log_filter", "expected"),
    [
        ({}, [10, 20, 30, 40]),
        ({"startTime": 20}, [20, 30, 40]),
        ({"endTime": 30}, [10, 20, 30]),
        ({"startTime": 15, "endTime": 35}, [20, 30]),
        ({"startTime": 41}, []),
        ({"limit": 2}, [10, 20]),
        ({"limit": 0}, []),
        ({"startTime": 20, "limit": 1}, [20]),
        ({"filterPattern": "call-b"}, [20, 40]),
        ({"filterPattern": "call-b BYE"}, [40]),
        ({"filterPattern": "call-b CANCEL"}, []),
        ({"filterPattern": '"sip:alice@acme.example"'}, [10, 20, 30, 40]),
        ({"filterPattern": '"Busy Here"'}, [30]),
        ({"filterPattern": "5060"}, [10, 20, 30, 40]),
        ({"filterPattern": "invite"}, []),  # case-sensitive
        ({"filterPattern": "Call-ID"}, []),  # values are searched, not field or header names
        ({"filterPattern": "", "startTime": None, "limit": None}, [10, 20, 30, 40]),
        ({"filterPattern": "call-a", "startTime": 0, "endTime": 25, "limit": 5}, [10]),
    ],
)
def test_sip_log_filters(emulator: EmulatorClient, log_filter: dict[str, Any], expected: list[int]) -> None:
    emulator.add_sip_logs(
        [
            item(10, "call-a"),
            item(20, "call-b"),
            item(30, "call-a", method="", type="response", statusCode="486", reason="Busy Here"),
            item(40, "call-b", method="BYE"),
        ]
    )
    assert [i["timeStamp"] for i in sip_logs(emulator, **log_filter)] == expected


def test_recorded_sip_logs_are_forgotten_on_reset(emulator: EmulatorClient) -> None:
    emulator.add_sip_logs([item(1)])
    emulator.reset()
    assert sip_logs(emulator) == []
    assert emulator.add_sip_logs([item(2)]) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([item(1)], "(body)"),
        ({"logItems": item(1)}, "(body)"),
        ({"logItems": [item(1)], "extra": 1}, "(body)"),
        ({"logItems": [item(1), "x"]}, "logItems[1]"),
        ({"logItems": [{"method": "INVITE"}]}, "logItems[0].timeStamp"),
        ({"logItems": [item(1, timeStamp="1")]}, "logItems[0].timeStamp"),
        ({"logItems": [item(1, srcPort="5060")]}, "logItems[0].srcPort"),
        ({"logItems": [item(1, sipHeaders=[])]}, "logItems[0].sipHeaders"),
        ({"logItems": [item(1, callId="x")]}, "logItems[0].callId"),
    ],
)
def test_recorded_sip_logs_are_validated(emulator: EmulatorClient, body: Any, field: str) -> None:
    resp = emulator.http.post(f"/_emulator/siplogs/{DOMAIN}", json=body)
    assert resp.status_code == 400, resp.text
    assert resp.json()["reason"].startswith(f"{field}:"), resp.text
    assert sip_logs(emulator) == []
