"""NotificationSettings through the engine protocol: take over, PUT updates, destroy restores the earlier ones."""

from pathlib import Path

from pulumi_iotcomms import NotificationSettings
from tests.emulator_client import EmulatorClient
from tests.harness.scenario import HarnessRunner, run_scenario
from tests.resources._lifecycle import lifecycle_scenario
from tests.resources._settings_lifecycle import settings_lifecycle


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    life = settings_lifecycle(NotificationSettings, "notificationsettings", emulator)
    run_scenario(lifecycle_scenario(life, emulator), HarnessRunner(), tmp_path)


def test_alarm_topics_accept_real_sns_topic_arns() -> None:
    """The ARNs come from an SNS service (moto's), not from our own pattern."""
    import boto3
    from moto import mock_aws

    from pulumi_iotcomms.resources._engine import validate_state
    from pulumi_iotcomms.resources.notification_settings import NotificationSettingsProvider

    with mock_aws():
        sns = boto3.client("sns", region_name="eu-north-1")
        arns = [sns.create_topic(Name=name)["TopicArn"] for name in ("alarms", "sip-events")]
    model = NotificationSettingsProvider.spec.model
    assert validate_state(model, {"alarm_topic": arns[0], "sip_events_topic": arns[1]}) == []
    assert [p for p, _ in validate_state(model, {"alarm_topic": "alarms"})] == ["alarm_topic"]
