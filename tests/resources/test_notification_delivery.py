"""The wiring test of issue 13: a program points NotificationSettings at an SNS topic (moto) and an alarm of
the emulated platform arrives in a queue subscribed to it with the documented body; switching the program to
``use_http_events`` moves delivery to an HTTP receiver; destroy restores the earlier settings and delivery
stops. Through the harness here, through the real engine in tests/automation/test_resources.py."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pulumi

from pulumi_iotcomms import NotificationSettings
from pulumi_iotcomms.api.events import MonitoringAlarm
from pulumi_iotcomms.testing.harness import Secret
from pulumi_iotcomms.testing.harness.scenario import (
    HarnessRunner,
    Scenario,
    ScenarioContext,
    ScenarioStep,
    StepOutcome,
    run_scenario,
)
from tests._aws import Aws
from tests._http_server import ScriptedServer
from tests.emulator_client import DOMAIN, EmulatorClient
from tests.resources._lifecycle import config_for, state_text
from tests.resources._settings_lifecycle import stored

EARLIER = {"sipEventsRestEndpoint": "https://old-receiver.example.com/sip", "httpTimeout": 4000}
CALLBACK_SECRET = "Callback-Secret-4471-abcdefghijklmnop"


def program() -> None:
    """Alarms to the topic of config ``alarmTopicArn``, or by HTTP to ``receiverUrl`` when ``useHttp``."""
    config = pulumi.Config()
    if config.get_bool("useHttp"):
        NotificationSettings(
            "notify",
            adopt=True,
            use_http_events=True,
            alarm_events_rest_endpoint=config.require("receiverUrl"),
            rest_authentication=[{"type": "HS256", "sub": "alarms", "secret": config.require_secret("callbackSecret")}],
        )
    else:
        NotificationSettings("notify", adopt=True, alarm_topic=config.require("alarmTopicArn"))


def delivery_scenario(emulator: EmulatorClient, aws: Aws, receiver: ScriptedServer) -> Scenario:
    """The scenario against ``emulator`` (one that delivers to ``aws``), its HTTP receiver ``receiver``."""
    run = secrets.token_hex(4)
    topic = aws.topic(f"alarm-centre-{run}")
    queue = aws.subscribed_queue(topic, f"alarm-centre-{run}")

    def seed(ctx: ScenarioContext) -> None:
        emulator.ok("PUT", f"/provisioning/notificationsettings/{DOMAIN}", json=EARLIER)

    def alarm_reaches_the_queue(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        alarm = emulator.raise_alarm("north", error="noHeartbeatReply", service="ivrservice")["alarm"]
        [message] = aws.messages(queue)
        assert message == alarm
        MonitoringAlarm.model_validate(message)
        assert [d["channel"] for d in emulator.deliveries()] == ["sns"]

    def alarm_reaches_the_receiver(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        before = len(receiver.requests)
        alarm = emulator.raise_alarm("north", error="lowMemory", severity="error")["alarm"]
        assert emulator.deliveries()[-1]["status"] == "delivered"
        [request] = receiver.requests[before:]
        assert json.loads(request.body) == alarm
        assert request.headers["authorization"].startswith("Bearer ")
        assert aws.messages(queue, expect=0) == []

    def delivery_stopped(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert stored(emulator, "notificationsettings") == EARLIER
        before = len(receiver.requests)
        delivery = emulator.raise_alarm("north", error="lowMemory")["delivery"]
        assert delivery["status"] == "undeliverable"
        assert emulator.deliveries()[-1]["status"] == "undeliverable"
        assert receiver.requests[before:] == []
        assert aws.messages(queue, expect=0) == []
        assert CALLBACK_SECRET not in state_text(ctx.workdir)

    def config(_workdir: Path) -> dict[str, Any]:
        return config_for(
            emulator,
            {
                "iotcomms:domain": DOMAIN,
                "alarmTopicArn": topic,
                "receiverUrl": f"{receiver.url}/alarms",
                "callbackSecret": Secret(CALLBACK_SECRET),
            },
        )

    return Scenario(
        "notification-delivery",
        [
            ScenarioStep("up", program, before=seed, expect={"notify": "create"}, check=alarm_reaches_the_queue),
            ScenarioStep("preview", expect={}),
            ScenarioStep(
                "up", config={"useHttp": "true"}, expect={"notify": "update"}, check=alarm_reaches_the_receiver
            ),
            ScenarioStep("destroy", expect={"notify": "delete"}, check=delivery_stopped),
        ],
        config=config,
    )


def test_alarms_follow_the_program(events_emulator: EmulatorClient, aws: Aws, tmp_path: Path) -> None:
    with ScriptedServer() as receiver:
        run_scenario(delivery_scenario(events_emulator, aws, receiver), HarnessRunner(), tmp_path)
