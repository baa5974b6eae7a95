"""AlarmBridge through the engine protocol: the acceptance lifecycle against the emulator."""

from pathlib import Path

import tests.resources.test_alarm_bridge_provider as provider_tests
import tests.resources.test_alarm_event_mapper_provider as mapper_tests
from pulumi_iotcomms.testing.harness.scenario import HarnessRunner, run_scenario
from tests.emulator_client import EmulatorClient
from tests.resources._lifecycle import from_case, lifecycle_scenario

LIFE = from_case(
    provider_tests.TestAlarmBridgeProvider.case,
    extra={"rest_authentication": [{"type": "RS256", "sub": "arc", "secret": "Bridge-Secret-5523"}]},
    secrets=("Bridge-Secret-5523",),
)


def test_lifecycle(emulator: EmulatorClient, tmp_path: Path) -> None:
    run_scenario(lifecycle_scenario(LIFE, emulator), HarnessRunner(), tmp_path)


def test_bridge_referencing_a_mapper_previews_with_the_reference_unknown(
    emulator: EmulatorClient, tmp_path: Path
) -> None:
    import pulumi

    from pulumi_iotcomms import AlarmBridge, AlarmEventMapper
    from pulumi_iotcomms.resources._config import CREDENTIALS_PROBE
    from pulumi_iotcomms.testing.harness import UNKNOWN, Harness
    from tests.emulator_client import DOMAIN
    from tests.resources._lifecycle import config_for

    mapper_case = mapper_tests.TestAlarmEventMapperProvider.case
    bridge_case = provider_tests.TestAlarmBridgeProvider.case

    def program() -> None:
        mapper = AlarmEventMapper("mapper", domain=DOMAIN, **mapper_case.inputs)
        # The Pulumi id of a resource being created is unknown during preview, so this reference is.
        local_id = mapper.id.apply(lambda pulumi_id: pulumi_id.split("/", 1)[1])
        bridge = AlarmBridge("bridge", domain=DOMAIN, alarm_event_mapper_id=local_id, **bridge_case.inputs)
        pulumi.export("bridge_mapper", bridge.alarm_event_mapper_id)
        pulumi.export("mapper", mapper.alarm_event_mapper_id)

    harness = Harness(state_dir=tmp_path, config=config_for(emulator))
    preview = harness.preview(program)
    assert preview.changes == {"mapper": "create", "bridge": "create"}
    (check,) = preview.calls_for("Check", "bridge")
    assert check.request["news"]["alarm_event_mapper_id"] == UNKNOWN
    (mapper_check,) = preview.calls_for("Check", "mapper")
    # A preview reads nothing but the one credential check.
    assert [r["path"] for r in emulator.requests()] == [f"/provisioning/device/{DOMAIN}/{CREDENTIALS_PROBE}"]

    up = harness.up(program)
    assert [s.name for s in up.steps] == ["mapper", "bridge"]
    mapper_id = up.plain_outputs["mapper"]
    # The id check assigned during preview is the one created: previews are stable.
    assert mapper_id == mapper_check.request["news"].get("alarm_event_mapper_id") or mapper_id.startswith("mapper-")
    assert up.plain_outputs["bridge_mapper"] == mapper_id
    (bridge,) = emulator.ok("GET", f"/provisioning/alarmbridge/{DOMAIN}")["alarmbridges"]
    assert bridge["alarmEventMapperId"] == mapper_id
    assert harness.preview(program).changes == {}
    assert [s.name for s in harness.destroy().steps] == ["bridge", "mapper"]
    assert emulator.objects() == {}
