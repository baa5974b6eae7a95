"""A realistic mixed stack of 20 resources, and how to compare it with what the server holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pulumi

from pulumi_iotcomms import (
    AlarmBridge,
    AlarmEventMapper,
    CloudSipUa,
    Device,
    MediaService,
    NotificationSettings,
    SiprecService,
    SiteHost,
    Trunk,
)
from pulumi_iotcomms.inputs import RestAuthenticationArgs
from tests.emulator_client import DOMAIN

SECRETS = ("Stack-Trunk-Pass-93", "Stack-Mapper-Pass-41", "Stack-Notify-Secret-77", "Stack-User-Pass-15")
"""Secret input values of the stack; none may appear in plaintext in state, logs or errors."""

COLLECTIONS = {
    "Device": "device",
    "Trunk": "trunk",
    "MediaService": "mediaservice",
    "AlarmBridge": "alarmbridge",
    "AlarmEventMapper": "alarmeventmapper",
    "CloudSipUa": "cloudsipua",
    "SiteHost": "host",
    "NotificationSettings": "notificationsettings",
    "SiprecService": "siprecservice",
}
SINGLETONS = {"notificationsettings", "siprecservice"}


def mixed_stack(variant: int) -> Callable[[], None]:
    """20 resources of every type; ``variant`` changes one field of most of them (an update)."""
    tag = f"v{variant}"

    def program() -> None:
        auth: list[RestAuthenticationArgs] = [{"type": "RS256", "sub": "arc", "secret": SECRETS[2]}]
        mapper = AlarmEventMapper(
            "mapper",
            domain=DOMAIN,
            name="arc",
            alarm_handling="callEmergencyCenter",
            description=tag,
            target_endpoint={
                "protocol": "scaip",
                "dest_addr": "sip:arc@receiver.example.com",
                "sip_auth_password": SECRETS[1],
                "backup_endpoint": {"backup_dest_addr": "sip:arc@backup.example.com"},
            },
        )
        AlarmBridge(
            "bridge",
            domain=DOMAIN,
            name="bridge",
            protocol="scaip",
            protocol_mode="dtmf",
            destination_match="^4610",
            alarm_event_mapper_id=mapper.alarm_event_mapper_id,
            description=tag,
        )
        MediaService(
            "ivr",
            domain=DOMAIN,
            name="ivr",
            destination_match="^4620",
            callback_base_url="https://ivr.example.com/cb",
            rest_authentication=auth,
            description=tag,
        )
        CloudSipUa(
            "ua",
            domain=DOMAIN,
            name="ua",
            destination_match="^4630",
            callback_base_url="https://ua.example.com",
            description=tag,
        )
        Trunk(
            "pstn",
            domain=DOMAIN,
            destination_target="pstn.example.com",
            destination_transport="udp",
            destination_match="^00",
            description=tag,
        )
        Trunk(
            "pbx",
            domain=DOMAIN,
            destination_target="pbx.example.com",
            destination_transport="tcp",
            destination_match="^4640",
            user_name="pbx",
            realm="pbx.example.com",
            password=SECRETS[0],
            description=tag,
        )
        for i in range(8):
            Device(
                f"unit-{i}",
                domain=DOMAIN,
                device_id=f"site-1:ctrl:{i}",
                auth_type="deviceid",
                device_type="alarmUnit",
                description=f"{tag} unit {i}",
                service_data={"alarmBridge": {"heartbeatInterval": 300000 + 60000 * (variant % 2)}},
            )
        phone = Device("phone", domain=DOMAIN, device_id="phone-1", auth_type="credentials", description=tag)
        Device(
            "app-user",
            domain=DOMAIN,
            device_id="app-user",
            auth_type="userid",
            password=SECRETS[3],
            authorized={"domain": DOMAIN, "invite": ".*", "register": True},
            description=tag,
        )
        SiteHost(
            "host-a",
            domain=DOMAIN,
            site_id="stockholm",
            host_id="a",
            network_interfaces=["10.0.0.2"],
            network_prefix_length=24,
            do_not_reschedule=bool(variant % 2),
        )
        SiteHost("host-b", domain=DOMAIN, site_id="malmo", host_id="b")
        NotificationSettings(
            "notify",
            domain=DOMAIN,
            use_http_events=True,
            rest_authentication=auth,
            sip_events_rest_endpoint=f"https://events.example.com/{tag}",
        )
        SiprecService("siprec", domain=DOMAIN, http_timeout=5000 + variant)
        pulumi.export("phone_password", phone.sip_password)

    return program


def server_keys(objects: dict[str, Any]) -> list[tuple[str, str]]:
    """``(collection, key)`` of every object the server holds for the test domain (settings excluded
    while they are empty, since a settings object can never be deleted)."""
    out = []
    for coll, docs in objects.get(DOMAIN, {}).items():
        for key, doc in docs.items():
            if coll in SINGLETONS and not doc:
                continue
            out.append((coll, key))
    return out


def state_keys(resources: Any) -> list[tuple[str, str]]:
    """``(collection, key)`` of every resource in a harness state."""
    out = []
    for res in resources:
        coll = COLLECTIONS[res.type.rsplit(":", 1)[-1]]
        local = "" if coll in SINGLETONS else str(res.id).split("/", 1)[1]
        out.append((coll, local))
    return out


def compare(objects: dict[str, Any], resources: Any) -> dict[str, int]:
    """Orphans (on the server, not in state), missing (in state, not on the server), duplicates."""
    server, state = Counter(server_keys(objects)), Counter(state_keys(resources))
    names = Counter(
        (coll, doc.get("name") or doc.get("deviceId") or doc.get("destinationTarget") or key)
        for coll, docs in objects.get(DOMAIN, {}).items()
        if coll not in SINGLETONS
        for key, doc in docs.items()
    )
    return {
        "orphans": sum((server - state).values()),
        "missing": sum((state - server).values()),
        "duplicates": sum(n - 1 for n in names.values() if n > 1),
    }
