"""Event delivery: alarms and SIP events go where the domain's notification settings say -- SNS topics in
moto, or HTTP callbacks signed with the settings' restAuthentication -- retried, logged, never failing a
request; hosts drained or decommissioned with calls raise the documented alarm."""

from __future__ import annotations

import json
import logging
from typing import Any

import jwt
import pytest

from pulumi_iotcomms.api.events import MonitoringAlarm
from pulumi_iotcomms.emulator.notify import Notifier, route
from tests._aws import Aws
from tests._http_server import Received, Reply, ScriptedServer
from tests.emulator_client import DOMAIN, OTHER_DOMAIN, EmulatorClient
from tests.reliability._util import rsa_key_pair

SETTINGS = f"/provisioning/notificationsettings/{DOMAIN}"
HOSTS = f"/hybridadmin/site/{DOMAIN}/north"


def _settings(client: EmulatorClient, **fields: Any) -> None:
    client.ok("PUT", SETTINGS, json=fields)


@pytest.fixture
def receiver() -> Any:
    with ScriptedServer() as server:
        yield server


def _alarm_body(request: Received) -> dict[str, Any]:
    body = json.loads(request.body)
    MonitoringAlarm.model_validate(body)  # the documented shape
    return dict(body)


def test_alarm_published_to_the_alarm_topic(events_emulator: EmulatorClient, aws: Aws) -> None:
    topic = aws.topic("alarms-topic-test")
    queue = aws.subscribed_queue(topic, "alarms-topic-test-q")
    _settings(events_emulator, alarmTopic=topic)
    answer = events_emulator.raise_alarm("north", error="lowMemory", errorDetails={"message": "92% used", "value": 92})
    assert answer["delivery"]["channel"] == "sns"
    assert answer["delivery"]["target"] == topic
    [delivery] = events_emulator.deliveries()
    assert delivery["status"] == "delivered", delivery
    [message] = aws.messages(queue)
    assert message == answer["alarm"]
    assert MonitoringAlarm.model_validate(message).model_dump(by_alias=True, exclude_none=True) == {
        "type": "monitoringAlarm",
        "domain": DOMAIN,
        "error": "lowMemory",
        "errorDetails": {"message": "92% used", "value": 92},
        "status": "Set",
        "service": "sipserver",
        "severity": "warn",
        "siteId": "north",
        "siteBaseUrl": f"https://north.{DOMAIN}",
    }


def test_sip_events_go_to_their_own_topic(events_emulator: EmulatorClient, aws: Aws) -> None:
    alarms, sip = aws.topic("alarms-2"), aws.topic("sip-2")
    alarm_queue, sip_queue = aws.subscribed_queue(alarms, "alarms-2-q"), aws.subscribed_queue(sip, "sip-2-q")
    _settings(events_emulator, alarmTopic=alarms, sipEventsTopic=sip)
    event = {"event": "registered", "deviceId": "unit-1"}
    assert events_emulator.sip_event(event)["target"] == sip
    assert aws.messages(sip_queue) == [event]
    assert aws.messages(alarm_queue, expect=0) == []


def test_http_events_posted_and_signed(events_emulator: EmulatorClient, aws: Aws, receiver: ScriptedServer) -> None:
    """useHttpEvents moves alarms to the REST endpoint, signed with a JWT of the restAuthentication
    object (HS256 shared secret, sub and scope claims) plus its request headers; the topic gets nothing."""
    topic = aws.topic("alarms-3")
    queue = aws.subscribed_queue(topic, "alarms-3-q")
    auth = {"type": "HS256", "secret": "shared-secret-0123456789abcdef0123", "sub": "iotcomms", "scope": "alarms"}
    _settings(
        events_emulator,
        alarmTopic=topic,
        useHttpEvents=True,
        alarmEventsRestEndpoint=f"{receiver.url}/alarms",
        restAuthentication=[{**auth, "requestHeaders": {"x-functions-key": "fn-key"}}],
    )
    answer = events_emulator.raise_alarm("north", error="noHeartbeatReply", service="rtpengine", severity="error")
    [delivery] = events_emulator.deliveries()
    assert (delivery["channel"], delivery["status"], delivery["auth"]) == ("http", "delivered", 0), delivery
    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/alarms")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x-functions-key"] == "fn-key"
    token = request.headers["authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, auth["secret"], algorithms=["HS256"])
    assert (claims["sub"], claims["scope"], claims["domain"]) == ("iotcomms", "alarms", DOMAIN)
    assert _alarm_body(request) == answer["alarm"]
    assert aws.messages(queue, expect=0) == []


def test_rs256_and_next_authentication_after_a_refusal(
    events_emulator: EmulatorClient, receiver: ScriptedServer
) -> None:
    """A receiver refusing the first signature gets the request again signed with the next object."""
    private_pem, public_pem = rsa_key_pair()
    receiver.script(Reply(401))
    _settings(
        events_emulator,
        useHttpEvents=True,
        alarmEventsRestEndpoint=receiver.url,
        restAuthentication=[
            {"type": "HS256", "secret": "old-secret-0123456789abcdef012345"},
            {"type": "RS256", "secret": private_pem, "sub": "s"},
        ],
    )
    events_emulator.raise_alarm("north", error="serviceFailure")
    [delivery] = events_emulator.deliveries()
    assert (delivery["status"], delivery["auth"], delivery["attempts"]) == ("delivered", 1, 1), delivery
    first, second = receiver.requests
    assert first.body == second.body
    claims = jwt.decode(second.headers["authorization"].removeprefix("Bearer "), public_pem, algorithms=["RS256"])
    assert claims["sub"] == "s"


def test_failures_are_retried_then_logged(
    events_emulator: EmulatorClient, receiver: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.script(Reply(503), Reply(500))
    _settings(events_emulator, useHttpEvents=True, alarmEventsRestEndpoint=receiver.url)
    events_emulator.raise_alarm("north", error="serviceStartFailed")
    [delivery] = events_emulator.deliveries()
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 3), delivery
    assert len(receiver.requests) == 3

    receiver.default = Reply(503)
    events_emulator.http.delete("/_emulator/deliveries").raise_for_status()
    with caplog.at_level(logging.WARNING, logger="pulumi_iotcomms.emulator.notify"):
        events_emulator.raise_alarm("north", error="serviceStartFailed")
        # the API keeps answering while a delivery fails
        events_emulator.ok("GET", SETTINGS)
        [delivery] = events_emulator.deliveries()
    assert (delivery["status"], delivery["attempts"], delivery["error"]) == ("failed", 4, "HTTP 503"), delivery
    assert any("failed after 4 attempt(s): HTTP 503" in r.getMessage() for r in caplog.records)


def test_receiver_down_and_refusals_fail_without_crashing(events_emulator: EmulatorClient) -> None:
    with ScriptedServer() as gone:
        url = gone.url
    _settings(events_emulator, useHttpEvents=True, alarmEventsRestEndpoint=url, httpTimeout=1500)
    events_emulator.raise_alarm("north", error="lowMemory")
    [delivery] = events_emulator.deliveries()
    assert delivery["status"] == "failed", delivery
    assert delivery["attempts"] > 1
    events_emulator.ok("GET", SETTINGS)


def test_plain_http_needs_the_flag_and_a_loopback_host(receiver: ScriptedServer) -> None:
    strict = Notifier(allow_loopback_http=False, retry_delays=())
    settings = {"useHttpEvents": True, "alarmEventsRestEndpoint": receiver.url}
    strict.submit(DOMAIN, settings, "alarm", {"type": "monitoringAlarm"})
    assert strict.wait_idle(10)
    [delivery] = strict.deliveries()
    assert delivery["status"] == "failed"
    assert "--allow-loopback-http" in delivery["error"]

    lenient = Notifier(allow_loopback_http=True, retry_delays=())
    lenient.submit(DOMAIN, {**settings, "alarmEventsRestEndpoint": "http://alarms.example.com/x"}, "alarm", {})
    lenient.submit(DOMAIN, settings, "alarm", {"n": 1})
    assert lenient.wait_idle(10)
    remote, local = lenient.deliveries()
    assert remote["status"] == "failed"
    assert "HTTPS only" in remote["error"]
    assert local["status"] == "delivered"
    assert [json.loads(r.body) for r in receiver.requests] == [{"n": 1}]
    strict.close()
    lenient.close()


@pytest.mark.parametrize(
    ("settings", "kind", "expected"),
    [
        ({}, "alarm", ("none", None)),
        ({"alarmTopic": "arn:aws:sns:eu-north-1:1:a"}, "alarm", ("sns", "arn:aws:sns:eu-north-1:1:a")),
        ({"alarmTopic": "arn:aws:sns:eu-north-1:1:a"}, "sipEvent", ("none", None)),
        ({"useHttpEvents": True, "alarmTopic": "arn:aws:sns:eu-north-1:1:a"}, "alarm", ("none", None)),
        ({"useHttpEvents": False, "alarmEventsRestEndpoint": "https://x"}, "alarm", ("none", None)),
        ({"useHttpEvents": True, "sipEventsRestEndpoint": "https://s"}, "sipEvent", ("http", "https://s")),
    ],
)
def test_route(settings: dict[str, Any], kind: Any, expected: tuple[str, str | None]) -> None:
    assert route(settings, kind) == expected


def test_no_destination_is_recorded_not_sent(events_emulator: EmulatorClient) -> None:
    answer = events_emulator.raise_alarm("north", error="lowMemory")
    assert answer["delivery"]["status"] == "undeliverable"
    assert "name no destination" in answer["delivery"]["error"]


def test_alarm_injection_is_validated(events_emulator: EmulatorClient) -> None:
    def refused(body: dict[str, Any]) -> str:
        resp = events_emulator.http.post("/_emulator/alarms", json=body)
        assert resp.status_code == 400, resp.text
        return str(resp.json()["reason"])

    assert refused({"siteId": "north", "error": "lowMemory"}).startswith("domain:")
    assert refused({"domain": DOMAIN, "error": "lowMemory"}).startswith("siteId:")
    assert refused({"domain": DOMAIN, "siteId": "n", "error": "diskFull"}).startswith("error:")
    assert refused({"domain": DOMAIN, "siteId": "n", "error": "lowMemory", "status": "On"}).startswith("status:")
    assert refused({"domain": DOMAIN, "siteId": "n", "error": "lowMemory", "colour": "red"}).startswith("colour:")
    resp = events_emulator.http.post("/_emulator/sipevents", json={"domain": DOMAIN, "event": "x"})
    assert resp.status_code == 400
    assert resp.json()["reason"].startswith("event:")


def test_events_follow_each_domains_settings(events_emulator: EmulatorClient, aws: Aws) -> None:
    topic = aws.topic("alarms-other")
    queue = aws.subscribed_queue(topic, "alarms-other-q")
    events_emulator.ok(
        "PUT",
        f"/provisioning/notificationsettings/{OTHER_DOMAIN}",
        json={"alarmTopic": topic},
        token="test-token-other",
    )
    events_emulator.raise_alarm("north", error="lowMemory")  # acme has no settings
    events_emulator.raise_alarm("south", domain=OTHER_DOMAIN, error="lowMemory")
    [message] = aws.messages(queue)
    assert (message["domain"], message["siteId"]) == (OTHER_DOMAIN, "south")


def test_draining_and_decommissioning_with_calls_raise_alarms(events_emulator: EmulatorClient, aws: Aws) -> None:
    topic = aws.topic("alarms-hosts")
    queue = aws.subscribed_queue(topic, "alarms-hosts-q")
    _settings(events_emulator, alarmTopic=topic)
    for host in ("h1", "h2", "h3"):
        events_emulator.ok("POST", f"{HOSTS}/host/{host}")
    events_emulator.set_calls("north", "h1", 2, drain_per_read=1)
    events_emulator.set_calls("north", "h2", 3, drain_per_read=0)  # calls that never end by themselves
    events_emulator.ok("PUT", f"{HOSTS}/host/h3/drain")  # no calls: no alarm
    events_emulator.ok("PUT", f"{HOSTS}/host/h1/drain")
    events_emulator.ok("PUT", f"{HOSTS}/host/h2/drain")
    events_emulator.ok("PUT", f"{HOSTS}/host/h1/drain")  # drained again: no second alarm
    for _ in range(2):
        events_emulator.ok("GET", f"/hybridadmin/site/{DOMAIN}")  # h1's calls end, one per listing
    events_emulator.ok("DELETE", f"{HOSTS}/host/h2")  # its 3 calls are cut
    events_emulator.ok("DELETE", f"{HOSTS}/host/h3")
    messages = aws.messages(queue, expect=4)
    summary = [
        (m["error"], m["status"], m["severity"], m["errorDetails"]["value"], m["errorDetails"]["message"])
        for m in messages
    ]
    assert summary == [
        ("serviceFailure", "Set", "warn", 2, "host h1 is draining with 2 active calls"),
        ("serviceFailure", "Set", "warn", 3, "host h2 is draining with 3 active calls"),
        ("serviceFailure", "Clear", "warn", 0, "host h1 has no calls left"),
        ("serviceFailure", "Set", "error", 3, "host h2 was decommissioned with 3 active calls: the calls were ended"),
    ]
    for message in messages:
        assert MonitoringAlarm.model_validate(message).site_id == "north"


def test_a_reset_forgets_deliveries(events_emulator: EmulatorClient) -> None:
    events_emulator.raise_alarm("north", error="lowMemory")
    assert len(events_emulator.deliveries()) == 1
    events_emulator.reset()
    assert events_emulator.deliveries() == []


def test_sns_failures_are_retried_then_logged(caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier(aws_endpoint="http://127.0.0.1:9", retry_delays=(0.01, 0.01, 0.01))
    with caplog.at_level(logging.WARNING, logger="pulumi_iotcomms.emulator.notify"):
        notifier.submit(DOMAIN, {"alarmTopic": "arn:aws:sns:eu-north-1:1:gone"}, "alarm", {"type": "monitoringAlarm"})
        assert notifier.wait_idle(60)
    [delivery] = notifier.deliveries()
    assert (delivery["status"], delivery["attempts"]) == ("failed", 4), delivery
    assert any("arn:aws:sns:eu-north-1:1:gone failed after 4 attempt(s)" in r.getMessage() for r in caplog.records)
    notifier.close()
