"""Quickstart: a SIP trunk, one device of each auth type and an IVR media service in one tenant.

Stack config (see Pulumi.dev.yaml): ``iotcomms:endpoint``, ``iotcomms:domain`` and ``iotcomms:token``
for the provider, and two secrets of this program: ``appPassword`` (the ``userid`` device's password
for the /authorize API) and ``callbackSecret`` (signs the media service's callbacks).
"""

import pulumi

from pulumi_iotcomms import Device, MediaService, Trunk

config = pulumi.Config()

# Calls to Swedish numbers starting 4655 go to the office PBX; calls from its network come in.
trunk = Trunk(
    "office-pbx",
    destination_target="pbx.example.com",
    destination_transport="udp",
    destination_match="^4655",
    source_networks=["192.0.2.0/24"],
    local_codec="PCMA",
    description="Office PBX",
)

# auth_type "credentials": SIP digest; the provider generates a random SIP password (a secret output).
desk_phone = Device(
    "desk-phone",
    device_id="desk-phone-1",
    auth_type="credentials",
    device_type="sipDevice",
    description="Reception desk phone",
)
softphone = Device(
    "softphone",
    device_id="softphone-1",
    auth_type="credentials",
    device_type="sipDevice",
    description="Support softphone",
)

# auth_type "deviceid": a SCAIP white-listed device, no password.
alarm_unit = Device(
    "alarm-unit",
    device_id="alarm-unit-1",
    auth_type="deviceid",
    device_type="alarmUnit",
    description="Lobby alarm unit",
)

# auth_type "userid": an app that gets JWTs from the /authorize API with this password.
mobile_app = Device(
    "mobile-app",
    device_id="mobile-app-1",
    auth_type="userid",
    password=config.require_secret("appPassword"),
    authorized={"register": True, "invite": "^46"},
    description="Field staff app",
)

# An IVR: calls to 4610... are handled by HTTPS callbacks, signed with callbackSecret.
ivr = MediaService(
    "welcome-ivr",
    name="Welcome IVR",
    destination_match="^4610",
    callback_base_url="https://ivr.example.com/callbacks",
    rest_authentication=[{"type": "RS256", "sub": "quickstart-ivr", "secret": config.require_secret("callbackSecret")}],
    offered_codecs=["opus", "PCMA"],
)

pulumi.export("trunk_id", trunk.trunk_id)
pulumi.export("device_ids", [desk_phone.device_id, softphone.device_id, alarm_unit.device_id, mobile_app.device_id])
pulumi.export("media_service_id", ivr.media_service_id)
pulumi.export("media_service_callback_id", ivr.callback_id)
# Generated once at creation and kept encrypted in the state: `pulumi stack output --show-secrets`.
pulumi.export("desk_phone_sip_password", desk_phone.sip_password)
pulumi.export("softphone_sip_password", softphone.sip_password)
