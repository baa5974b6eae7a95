"""AlarmBridge provider against the emulator: the shared lifecycle plus server defaults and the mapper link."""

from __future__ import annotations

from pulumi.runtime.rpc import UNKNOWN

from pulumi_iotcomms.resources._provider import IotcommsProvider
from pulumi_iotcomms.resources.alarm_bridge import AlarmBridge, AlarmBridgeProvider
from pulumi_iotcomms.resources.alarm_event_mapper import AlarmEventMapperProvider
from tests.emulator_client import EmulatorClient
from tests.resources._provider_cases import Case, ServiceLifecycle, server_doc, writes


class TestAlarmBridgeProvider(ServiceLifecycle):
    case = Case(
        provider=AlarmBridgeProvider,
        resource=AlarmBridge,
        collection="alarmbridge",
        path="/provisioning/alarmbridge",
        inputs={
            "name": "bridge",
            "protocol": "multiprotocol",
            "protocol_mode": "dtmf",
            "destination_match": "^48",
            "callback_base_url": "https://alarms.example.com/cb",
            "customer_site_id": "site-1",
            "tone_settings": {"dtmf_send_type": "2833"},
            "custom_event_map": {"E130": {"eventType": "burglary"}},
            "tone_powers": [0, -3],
            "protocol_candidates": ["bs8521", "scaip"],
            "protocol_modes": ["dtmf"],
        },
        change={"default_heartbeat_interval": 600000},
        change_ops=[{"op": "replace", "path": "/defaultHeartbeatInterval", "value": 600000}],
        edit=("customer_site_id", "site-2"),
        invalid=[
            ({"default_heartbeat_interval": 299999}, "default_heartbeat_interval"),
            ({"customer_site_id": "site 1"}, "customer_site_id"),
            ({"callback_base_url": "http://alarms.example.com"}, "callback_base_url"),
            ({"protocol": "morse"}, "protocol"),
            ({"protocol_modes": ["fsk"]}, "protocol_modes[0]"),
            ({"tone_settings": {"bogus": 1}}, "tone_settings.bogus"),
            ({"use_vpn_connection": "no"}, "use_vpn_connection"),
        ],
        unknown=("alarm_event_mapper_id", "customer_site_id"),
        defaults={
            "defaultHeartbeatInterval": 300000,
            "useVPNConnection": False,
            "callbackTimeout": 15000,
            "controlCommandsEnabled": True,
            "arcDisconnectClearsCall": True,
        },
        computed=("callback_id",),
    )

    def test_an_unknown_mapper_id_is_a_pending_change(self, provider: IotcommsProvider) -> None:
        olds = self.checked(provider, alarm_event_mapper_id="m-1")
        diff = provider.diff(f"x/{olds['alarm_bridge_id']}", olds, {**olds, "alarm_event_mapper_id": UNKNOWN})
        assert (diff.changes, diff.replaces) == (True, [])

    def test_links_the_mapper_created_first(self, provider: IotcommsProvider, emulator: EmulatorClient) -> None:
        mapper = AlarmEventMapperProvider()
        mapper._settings = provider._settings
        mapper_inputs = mapper.check(
            {}, {"resource_name": "mapper", "name": "m", "alarm_handling": "drop", "target_endpoint": {}}
        ).inputs
        mapper_id = dict(mapper.create(mapper_inputs).outs or {})["alarm_event_mapper_id"]
        inputs, _ = self.created(provider, alarm_event_mapper_id=mapper_id)
        assert server_doc(emulator, self.case, inputs["alarm_bridge_id"])["alarmEventMapperId"] == mapper_id

    def test_removing_a_value_lets_the_server_default_return(
        self, provider: IotcommsProvider, emulator: EmulatorClient
    ) -> None:
        inputs, result = self.created(provider, **self.case.change)
        emulator.clear_requests()
        news = {k: v for k, v in inputs.items() if k not in self.case.change}
        outs = dict(provider.update(result.id, dict(result.outs or {}), news).outs or {})
        assert [body for _, _, body in writes(emulator)] == [[{"op": "remove", "path": "/defaultHeartbeatInterval"}]]
        assert server_doc(emulator, self.case, inputs["alarm_bridge_id"])["defaultHeartbeatInterval"] == 300000
        assert provider.diff(result.id, outs, news).changes is False
