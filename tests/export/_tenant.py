"""A varied tenant for the export tests: every resource kind, odd ids, secrets, and a fleet of devices."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pulumi_iotcomms._auth import TokenAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.alarmbridge import AlarmBridgeApi
from pulumi_iotcomms.api.alarmeventmapper import AlarmEventMapperApi
from pulumi_iotcomms.api.apikey import ApiKeyApi
from pulumi_iotcomms.api.cache import IvrFallbackApi
from pulumi_iotcomms.api.cloudsipua import CloudSipUaApi
from pulumi_iotcomms.api.device import Device, DeviceApi
from pulumi_iotcomms.api.mediaservice import MediaServiceApi
from pulumi_iotcomms.api.notificationsettings import NotificationSettingsApi
from pulumi_iotcomms.api.profile import ProfileApi
from pulumi_iotcomms.api.siprecservice import SiprecServiceApi
from pulumi_iotcomms.api.site import SiteApi
from pulumi_iotcomms.api.trunk import TrunkApi
from pulumi_iotcomms.export import export_tenant
from pulumi_iotcomms.export.writer import Project
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient

AUTH = [{"type": "RS256", "sub": "ivr", "secret": "callback-secret-1"}]
MAPPER_PASSWORD = "arc-sip-password-1"
SINGLE_DEVICES = 12
"""Devices a fleet CSV cannot hold exactly, or that are not fleet material: one ``Device`` each."""


@contextmanager
def transport(emulator: EmulatorClient) -> Iterator[Transport]:
    """A transport to the test emulator as ``DOMAIN``."""
    with Transport(emulator.url, TokenAuth(TOKEN), max_retries=1, timeout_seconds=30) as t:
        yield t


def seed(emulator: EmulatorClient, fleet_devices: int = 1000) -> None:
    """Fill ``DOMAIN`` with every kind of object, through the API (devices by one bulk job)."""
    emulator.set_bulk_pace(0)
    with transport(emulator) as t:
        NotificationSettingsApi(t).put(
            DOMAIN,
            {
                "alarmTopic": "arn:aws:sns:eu-north-1:123456789012:alarms",
                "httpTimeout": 5000,
                "useHttpEvents": False,
                "restAuthentication": AUTH,
            },
        )
        SiprecServiceApi(t).put(DOMAIN, {"alarmTopic": "arn:aws:sns:eu-north-1:123456789012:siprec"})
        # Created with fields of the create body that Profile does not model: adopting leaves them.
        ProfileApi(t).create({"firstName": "Ada", "lastName": "Lovelace", "company": "Acme", "useCase": "alarms"})
        trunks = TrunkApi(t)
        trunks.create(
            DOMAIN,
            "pbx-main",
            {
                "destinationTarget": "pbx.example.com",
                "destinationTransport": "udp",
                "destinationMatch": "^4655",
                "sourceNetworks": ["192.0.2.0/24"],
            },
        )
        trunks.create(
            DOMAIN,
            "carrier.1",
            {
                "destinationTarget": "sip.carrier.example",
                "destinationTransport": "tcp",
                "destinationMatch": "^00",
                "userName": "acme",
                "realm": "carrier",
                "password": "trunk-password-1",
                "description": 'say "hi"\n',
            },
        )
        mappers = AlarmEventMapperApi(t)
        target = {
            "protocol": "scaip",
            "destAddr": "sip:alarms@arc.example.com",
            "sipAuthUser": "north",
            "sipAuthPassword": MAPPER_PASSWORD,
        }
        mappers.create(DOMAIN, "arc", {"name": "ARC", "alarmHandling": "callEmergencyCenter", "targetEndpoint": target})
        mappers.create(
            DOMAIN, "arc", {"name": "ARC test", "alarmHandling": "drop", "targetEndpoint": {}}, provisory=True
        )
        AlarmBridgeApi(t).create(
            DOMAIN,
            "care",
            {
                "name": "Care",
                "protocol": "scaip",
                "protocolMode": "dtmf",
                "destinationMatch": "^4690",
                "alarmEventMapperId": "arc",
                "customerSiteId": "north",
                "defaultHeartbeatInterval": 600000,
            },
        )
        MediaServiceApi(t).create(
            DOMAIN,
            "welcome-ivr",
            {
                "name": "Welcome",
                "destinationMatch": "^4610",
                "callbackBaseUrl": "https://ivr.example.com/cb",
                "restAuthentication": AUTH,
                "offeredCodecs": ["opus"],
            },
        )
        CloudSipUaApi(t).create(
            DOMAIN,
            "dialer",
            {"name": "Dialer", "destinationMatch": "^4620", "callbackBaseUrl": "https://dialer.example.com/cb"},
        )
        command = {"action": {"type": "call", "destAddr": "sip:on-call@pbx.example.com", "maxRingTime": 30}}
        IvrFallbackApi(t).put(DOMAIN, "46812345", {"mode": "onError", "expiration": "MONTH", "command": command})
        sites = SiteApi(t)
        sites.commission(DOMAIN, "stockholm", "sbc-1", {"networkInterfaces": ["10.20.0.11"], "networkPrefixLength": 24})
        sites.commission(DOMAIN, "gothenburg", "sbc-1", {})
        ApiKeyApi(t).create(DOMAIN, None)
        devices = DeviceApi(t)
        for body in _single_devices():
            devices.create(DOMAIN, body["deviceId"], body)
        fleet = [
            Device(
                device_id=f"north:ctrl-{n // 100}:unit-{n:04d}",
                auth_type="deviceid",
                device_type="alarmUnit",
                description=f"Room {n}",
                service_data={"alarmBridge": {"heartbeatInterval": 300000}},
            )
            for n in range(fleet_devices - 50)
        ]
        fleet += [
            Device(device_id=f"phone-{n:03d}", auth_type="credentials", device_type="sipDevice") for n in range(50)
        ]
        devices.bulk_upload(DOMAIN, "seed", fleet)
        assert devices.wait_bulk(DOMAIN, "seed", timeout=120).status == "COMPLETED"


def _single_devices() -> list[dict[str, Any]]:
    """Odd ids (two that make the same safe name), a userid device, values a CSV cannot carry."""
    return [
        {"deviceId": "desk:1", "authType": "credentials", "deviceType": "sipDevice"},
        {"deviceId": "desk~1", "authType": "credentials", "deviceType": "sipDevice", "description": "Reception"},
        {
            "deviceId": "app-user",
            "authType": "userid",
            "password": "user-password-1",
            "authorized": {"domain": DOMAIN, "invite": "^46", "register": True},
        },
        {"deviceId": "empty-description", "authType": "deviceid", "description": ""},
        {"deviceId": "formula", "authType": "deviceid", "description": "=1+1"},
        {
            "deviceId": "gateway",
            "authType": "deviceid",
            "deviceType": "alarmbridgeConnect",
            "macAddress": "00:11:22:33:44:55",
            "deviceCLI": "+46812345",
        },
        {"deviceId": "plus+1", "authType": "deviceid", "description": "漢字 ✓"},
        *[{"deviceId": f"plain-{n}", "authType": "deviceid"} for n in range(SINGLE_DEVICES - 7)],
    ]


def run_export(emulator: EmulatorClient, out: Path, **options: Any) -> Project:
    """Export ``DOMAIN`` of the emulator into ``out``."""
    with transport(emulator) as t:
        return export_tenant(t, DOMAIN, out, endpoint=emulator.url, **options)
