"""examples/aws-alarm-topic through the engine-protocol harness: its ``aws.sns.Topic`` is created in moto by the
harness's AWS stand-in (:class:`tests._aws.MotoSnsTopics`), its NotificationSettings in an emulator that
publishes to that moto server, so the delivery check of issue 13 runs on the example itself.

It has no run through the real engine: that needs the AWS provider plugin (``pulumi-resource-aws``), which
only the Pulumi registry serves."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pulumi_iotcomms.api.events import MonitoringAlarm
from pulumi_iotcomms.testing.harness.scenario import (
    HarnessRunner,
    Scenario,
    ScenarioContext,
    ScenarioStep,
    StepOutcome,
    run_scenario,
)
from tests._aws import Aws, MotoSnsTopics
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient
from tests.examples._projects import REPO, Project
from tests.resources._lifecycle import clear_log, writes_nothing
from tests.resources._settings_lifecycle import stored

DIRECTORY = "examples/aws-alarm-topic"
EARLIER = {"alarmTopic": "arn:aws:sns:eu-north-1:123456789012:made-in-the-portal", "httpTimeout": 4000}


def aws_alarm_topic_scenario(emulator: EmulatorClient, aws: Aws) -> Scenario:
    """preview (nothing created, in AWS either) → up → an alarm reaches a queue on the topic → second
    preview empty → refresh clean → destroy: topic gone, earlier settings back, alarms undeliverable."""
    project = Project(REPO / DIRECTORY)
    topics_before = set(aws.topic_arns())

    def new_topics() -> list[str]:
        return sorted(set(aws.topic_arns()) - topics_before)

    def nothing_in_aws(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        writes_nothing(emulator)(outcome, ctx)
        assert new_topics() == []

    def alarms_reach_the_topic(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        [topic] = new_topics()
        assert outcome.outputs["alarm_topic_arn"] == topic
        assert stored(emulator, "notificationsettings") == {"alarmTopic": topic}
        queue = aws.subscribed_queue(topic, "alarm-centre")
        alarm = emulator.raise_alarm("north", error="serviceFailure", severity="error")["alarm"]
        [message] = aws.messages(queue)
        assert message == alarm
        assert MonitoringAlarm.model_validate(message).error == "serviceFailure"

    def given_back(outcome: StepOutcome, ctx: ScenarioContext) -> None:
        assert new_topics() == []
        assert stored(emulator, "notificationsettings") == EARLIER
        delivery: dict[str, Any] = emulator.raise_alarm("north", error="lowMemory")["delivery"]
        assert (delivery["channel"], delivery["target"]) == ("sns", EARLIER["alarmTopic"])

    def seed(_ctx: ScenarioContext) -> None:
        emulator.ok("PUT", f"/provisioning/notificationsettings/{DOMAIN}", json=EARLIER)
        clear_log(emulator)(_ctx)

    created = {"iotcomms-alarms": "create", "notifications": "create"}
    steps = [
        ScenarioStep("preview", project.program, expect=created, before=seed, check=nothing_in_aws),
        ScenarioStep("up", expect=created, check=alarms_reach_the_topic),
        ScenarioStep("preview", expect={}, label="second preview is empty"),
        ScenarioStep("refresh", expect={}, label="refresh without drift"),
        ScenarioStep("destroy", expect={"iotcomms-alarms": "delete", "notifications": "delete"}, check=given_back),
    ]
    config = project.test_config("dev", emulator, DOMAIN, TOKEN)
    return Scenario("example-aws-alarm-topic", steps, config=lambda _w: config, project=project.name, stack="dev")


def test_aws_alarm_topic(events_emulator: EmulatorClient, aws: Aws, tmp_path: Path) -> None:
    runner = HarnessRunner(providers={"aws": MotoSnsTopics(aws)})
    run_scenario(aws_alarm_topic_scenario(events_emulator, aws), runner, tmp_path)
