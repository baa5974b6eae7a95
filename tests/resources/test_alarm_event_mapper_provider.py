"""AlarmEventMapper provider against the emulator: the shared lifecycle plus the nested target endpoint."""

from __future__ import annotations

from typing import Any

from pulumi.runtime.rpc import UNKNOWN

from pulumi_iotcomms.api._schema import WireModel
from pulumi_iotcomms.resources._engine import secret_fields
from pulumi_iotcomms.resources._provider import IotcommsProvider
from pulumi_iotcomms.resources.alarm_event_mapper import AlarmEventMapper, AlarmEventMapperProvider
from tests.resources._provider_cases import NAME, Case, ServiceLifecycle

BACKUP = {"backup_dest_addr": "sip:arc@backup.example.com", "backup_sip_auth_password": "bpw"}
TARGET: dict[str, Any] = {
    "protocol": "scaip",
    "dest_addr": "sip:arc@receiver.example.com",
    "sip_auth_user": "arc",
    "sip_auth_password": "pw",
    "backup_endpoint": BACKUP,
}


class TestAlarmEventMapperProvider(ServiceLifecycle):
    case = Case(
        provider=AlarmEventMapperProvider,
        resource=AlarmEventMapper,
        collection="alarmeventmapper",
        path="/provisioning/alarmeventmapper",
        inputs={
            "name": "mapper",
            "alarm_handling": "callEmergencyCenter",
            "target_endpoint": TARGET,
            "mapping_rules": {"scaip": {"eventCode": "X"}},
            "wait_for_callback": 5,
        },
        change={"target_endpoint": {**TARGET, "backup_endpoint": {**BACKUP, "backup_dest_addr": "b"}}},
        change_ops=[{"op": "replace", "path": "/targetEndpoint/backupEndpoint/backupDestAddr", "value": "b"}],
        edit=("alarm_handling", "drop"),
        invalid=[
            ({"device_id_pad_length": 11}, "device_id_pad_length"),
            ({"controller_id_pad_length": -1}, "controller_id_pad_length"),
            ({"device_id_pad_length": 2.5}, "device_id_pad_length"),
            (
                {"target_endpoint": {"backup_endpoint": {"backup_dest_addr": 5}}},
                "target_endpoint.backup_endpoint.backup_dest_addr",
            ),
            ({"target_endpoint": {"bogus": 1}}, "target_endpoint.bogus"),
            ({"alarm_handling": "ignore"}, "alarm_handling"),
            ({"target_endpoint": None}, "target_endpoint"),
        ],
        unknown=("alarm_handling",),
        defaults={"deviceIdPadLength": 0, "controllerIdPadLength": 0, "mapDeviceIdToControllerId": False},
    )

    def test_pad_lengths_accept_pulumi_floats_and_the_bounds(self, provider: IotcommsProvider) -> None:
        news = {"resource_name": NAME, **self.case.inputs, "device_id_pad_length": 10.0, "controller_id_pad_length": 0}
        assert provider.check({}, news).failures == []

    def test_unknown_nested_values_are_skipped(self, provider: IotcommsProvider) -> None:
        target = {**TARGET, "dest_addr": UNKNOWN, "backup_endpoint": {"backup_dest_addr": UNKNOWN}}
        news = {"resource_name": NAME, **self.case.inputs, "target_endpoint": target}
        assert provider.check({}, news).failures == []

    def test_secrets_nested_in_the_target_make_it_secret(self) -> None:
        model: type[WireModel] = AlarmEventMapperProvider.spec.model
        assert secret_fields(model) == {"target_endpoint"}
