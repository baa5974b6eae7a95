"""Alarm receiving centre: social alarms from a care site forwarded to an ARC, with a backup receiver.

The chain, in creation order: an alarm event mapper (where events go: the ARC and its backup
endpoint) -> an alarm bridge using that mapper -> the site's alarm units, each with
``serviceData.alarmBridge`` settings -> the tenant's notification settings (alarm events and
Alarmbridge callbacks posted over HTTPS).

Stack config (see Pulumi.dev.yaml): the ``iotcomms:*`` provider keys; secrets ``arcSipPassword``,
``backupSipPassword`` and ``callbackSecret``; ``customerSiteId`` and ``alarmUnits`` (how many units).
"""

import pulumi

from pulumi_iotcomms import AlarmBridge, AlarmEventMapper, Device, NotificationSettings

config = pulumi.Config()
site = config.get("customerSiteId") or "care-home-north"
unit_count = config.get_int("alarmUnits") or 3
callback_secret = config.require_secret("callbackSecret")

# Where alarm events go: the ARC first, the backup receiver when the ARC does not answer.
# target_endpoint holds SIP passwords, so the provider keeps the whole object secret.
mapper = AlarmEventMapper(
    "arc-mapper",
    name="ARC forwarding",
    alarm_handling="callEmergencyCenter",
    target_endpoint={
        "protocol": "scaip",
        "dest_addr": "sip:alarms@arc.example.com",
        "sip_auth_user": "care-home-north",
        "sip_auth_password": config.require_secret("arcSipPassword"),
        "default_voice_destination": "sip:operator@arc.example.com",
        "backup_endpoint": {
            "backup_dest_addr": "sip:alarms@backup-arc.example.com",
            "backup_sip_auth_user": "care-home-north",
            "backup_sip_auth_password": config.require_secret("backupSipPassword"),
        },
    },
    enable_destination_monitoring=True,
    description="Care alarms to the ARC, backup ARC on failure",
)

# The service destination receiving the units' alarm calls; it uses the mapper above.
bridge = AlarmBridge(
    "care-alarms",
    name="Care alarms",
    protocol="scaip",
    protocol_mode="dtmf",
    destination_match="^4690",
    alarm_event_mapper_id=mapper.alarm_event_mapper_id,
    customer_site_id=site,
    default_heartbeat_interval=300000,
    callback_base_url="https://alarms.example.com/callbacks",
    rest_authentication=[{"type": "RS256", "sub": "care-alarms", "secret": callback_secret}],
)

# Alarm units are white-listed by id (customerSiteId:controllerId:deviceId); the bridge finds them
# by the customer site id prefix.
units = [
    Device(
        f"alarm-unit-{n}",
        device_id=f"{site}:controller-{n}:1",
        auth_type="deviceid",
        device_type="alarmUnit",
        description=f"Apartment {n}",
        service_data={
            "alarmBridge": {
                "heartbeatInterval": 300000,
                "alarmProtocol": "scaip",
                "emergencyDestination": "+46101234567",
            }
        },
        opts=pulumi.ResourceOptions(depends_on=[bridge]),
    )
    for n in range(1, unit_count + 1)
]

# One per tenant. A tenant usually has settings already (made in the portal): adopt=True takes them
# over; the settings in place before are recorded, and restored by `pulumi destroy`.
notifications = NotificationSettings(
    "notifications",
    adopt=True,
    use_http_events=True,
    alarm_events_rest_endpoint="https://alarms.example.com/events",
    alarmbridge_callback_endpoint="https://alarms.example.com/alarmbridge",
    http_timeout=5000,
    rest_authentication=[{"type": "RS256", "sub": "notifications", "secret": callback_secret}],
    opts=pulumi.ResourceOptions(depends_on=units),
)

pulumi.export("alarm_event_mapper_id", mapper.alarm_event_mapper_id)
pulumi.export("alarm_bridge_id", bridge.alarm_bridge_id)
pulumi.export("alarm_bridge_callback_id", bridge.callback_id)
pulumi.export("alarm_unit_ids", [unit.device_id for unit in units])
pulumi.export("notification_settings_id", notifications.id)
