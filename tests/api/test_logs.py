"""``pulumi_iotcomms.api.logs``: SipLogApi.read against the emulator (items recorded through its admin endpoint):
the filter as the wire body, the typed items, and answers of another shape (a scripted server)."""

from __future__ import annotations

from typing import Any

import pytest

from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.logs import LogFilter, SipLogApi, SipLogItem
from pulumi_iotcomms.errors import ApiError
from tests._http_server import Reply
from tests.api._util import scripted_transport
from tests.emulator_client import DOMAIN, EmulatorClient

LOGS = f"/provisioning/logs/{DOMAIN}/sip"


def item(ts: int, method: str = "INVITE", **extra: Any) -> dict[str, Any]:
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
        "sipHeaders": {"Call-ID": f"call-{ts}"},
        **extra,
    }


@pytest.fixture
def api(transport: Transport) -> SipLogApi:
    return SipLogApi(transport)


def test_read_answers_the_matching_items_typed(api: SipLogApi, emulator: EmulatorClient) -> None:
    emulator.add_sip_logs([item(30, "BYE"), item(10), item(20, statusCode="200", reason="OK")])
    emulator.clear_requests()
    got = api.read(DOMAIN, LogFilter(start_time=15))
    assert [i.time_stamp for i in got] == [20, 30]
    assert got[0] == SipLogItem(
        time_stamp=20,
        type="request",
        method="INVITE",
        request_uri="sip:112@acme.example",
        status_code="200",
        reason="OK",
        src_ip="10.0.0.1",
        src_port=5060,
        dst_ip="10.0.0.2",
        dst_port=5060,
        transport="udp",
        sip_headers={"Call-ID": "call-20"},
    )
    assert got[1].body is None  # absent: None


def test_the_filter_travels_camel_case_with_only_the_given_fields(api: SipLogApi, emulator: EmulatorClient) -> None:
    api.read(DOMAIN, LogFilter(filter_pattern="INVITE", limit=5, start_time=1, end_time=2))
    api.read(DOMAIN, LogFilter())
    requests = emulator.requests()
    assert [(r["method"], r["path"]) for r in requests] == [("POST", LOGS), ("POST", LOGS)]
    assert [r["body"] for r in requests] == [{"filterPattern": "INVITE", "limit": 5, "startTime": 1, "endTime": 2}, {}]


def test_filter_pattern_and_limit_select_items(api: SipLogApi, emulator: EmulatorClient) -> None:
    emulator.add_sip_logs([item(1), item(2, "BYE"), item(3), item(4)])
    assert [i.time_stamp for i in api.read(DOMAIN, LogFilter(filter_pattern="INVITE", limit=2))] == [1, 3]
    assert api.read(DOMAIN, LogFilter(limit=0)) == []


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ({"success": True, "logItems": "none"}, "logItems"),
        ({"success": True, "logItems": [{"srcPort": "fifty"}]}, "logItems[0].srcPort"),
        ({"success": True, "logItems": [item(1), {"sipHeaders": []}]}, "logItems[1].sipHeaders"),
    ],
)
def test_an_answer_of_another_shape_is_an_api_error_naming_the_field(answer: Any, field: str) -> None:
    with scripted_transport(Reply(json=answer)) as t, pytest.raises(ApiError) as info:
        SipLogApi(t).read(DOMAIN, LogFilter())
    assert f"unexpected answer: {field}:" in str(info.value)


def test_an_answer_without_items_is_empty() -> None:
    with scripted_transport(Reply(json={"success": True})) as t:
        assert SipLogApi(t).read(DOMAIN, LogFilter()) == []
