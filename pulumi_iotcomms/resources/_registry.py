"""The one list of resources: the package's exports, the generated classes and reference pages, and
the per-resource tests all derive from it. Adding a resource: its model (``api/``), its provider
module here (``resources/<module>.py`` with ``<Name>Provider`` and its ``Spec``), and an entry below;
then ``make generate``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._provider import IotcommsProvider

__all__ = ["REGISTRY", "Entry", "entry", "provider_class"]


@dataclass(frozen=True)
class Entry:
    """One resource type.

    Args:
        name: the class name and Pulumi type name, e.g. ``"Device"``.
        module: the module under ``pulumi_iotcomms.resources`` holding ``<name>Provider``.
        example: a program fragment declaring one (in the class docstring and on the reference page).
        package: the subpackage of ``pulumi_iotcomms`` the resource is exported from (e.g. ``"provd"``
            for ``pulumi_iotcomms.provd``, generated with its ``__init__``); ``""``: the top level.
    """

    name: str
    module: str
    example: str
    package: str = ""

    @property
    def namespace(self) -> str:
        """The module a program imports the resource from, e.g. ``"pulumi_iotcomms.provd"``."""
        return f"pulumi_iotcomms.{self.package}" if self.package else "pulumi_iotcomms"


REGISTRY: tuple[Entry, ...] = (
    Entry(
        "AlarmBridge",
        "alarm_bridge",
        """bridge = AlarmBridge(
    "care-alarms",
    name="Care alarms",
    protocol="scaip",
    protocol_mode="dtmf",
    destination_match="^4690",
    alarm_event_mapper_id=mapper.alarm_event_mapper_id,
    customer_site_id="care-home-north",
)""",
    ),
    Entry(
        "AlarmEventMapper",
        "alarm_event_mapper",
        """mapper = AlarmEventMapper(
    "arc-mapper",
    name="ARC forwarding",
    alarm_handling="callEmergencyCenter",
    target_endpoint={
        "protocol": "scaip",
        "dest_addr": "sip:alarms@arc.example.com",
        "sip_auth_user": "care-home-north",
        "sip_auth_password": config.require_secret("arcSipPassword"),
    },
)""",
    ),
    Entry(
        "ApiKey",
        "api_key",
        """deployer_key = ApiKey("ci-deployer", public_key=config.require("deployerPublicKey"))
pulumi.export("deployer_key_id", deployer_key.key_id)
integration = ApiKey("crm-integration")  # no public_key: the service generates a bearer token
pulumi.export("crm_token", integration.token)  # a secret""",
    ),
    Entry(
        "AutoFacilitateTrigger",
        "autofacilitate_trigger",
        """version = config.require("dialPlanVersion")
announce = AutoFacilitateTrigger(
    "announce-dial-plan",
    service="ServerName",
    trigger_parameters={"site": "care-home-north", "dialPlanVersion": version},
    callback_urls=["https://ops.example.com/callbacks/dial-plan"],
    triggers=[version],  # executes again when the version changes
)
pulumi.export("announce_trigger", announce.trigger_uuid)""",
        package="alvaria",
    ),
    Entry(
        "CloudSipUa",
        "cloud_sip_ua",
        """agent = CloudSipUa(
    "dialer",
    name="Dialer",
    destination_match="^4620",
    callback_base_url="https://dialer.example.com/callbacks",
)""",
    ),
    Entry(
        "CurrentUserProfile",
        "current_user_profile",
        """profile = CurrentUserProfile(
    "operator-profile",
    adopt=True,
    first_name="Ada",
    last_name="Lovelace",
    company="Acme Care",
    email="ada@acme.example",
)""",
    ),
    Entry(
        "Device",
        "device",
        """phone = Device(
    "desk-phone",
    device_id="desk-phone-1",
    auth_type="credentials",
    device_type="sipDevice",
    description="Reception desk phone",
)
pulumi.export("desk_phone_sip_password", phone.sip_password)""",
    ),
    Entry(
        "DeviceFleet",
        "device_fleet",
        """units = DeviceFleet(
    "care-home-units",
    devices=[
        {"device_id": f"care-home-north:ctrl-1:unit-{n}", "auth_type": "deviceid", "device_type": "alarmUnit"}
        for n in range(1, 201)
    ],
)
pulumi.export("unit_count", units.count)""",
    ),
    Entry(
        "IvrFallback",
        "ivr_fallback",
        """fallback = IvrFallback(
    "support-line-fallback",
    number="46812345",
    mode="onError",
    expiration="MONTH",
    command={
        "action": {"type": "call", "dest_addr": "sip:on-call@pbx.example.com", "max_ring_time": 30},
        "phrases": [{"file_name": "we-are-closed.wav"}],
    },
)""",
    ),
    Entry(
        "MediaService",
        "media_service",
        """ivr = MediaService(
    "welcome-ivr",
    name="Welcome IVR",
    destination_match="^4610",
    callback_base_url="https://ivr.example.com/callbacks",
    rest_authentication=[{"type": "RS256", "sub": "ivr", "secret": config.require_secret("callbackSecret")}],
)""",
    ),
    Entry(
        "NotificationSettings",
        "notification_settings",
        """notifications = NotificationSettings(
    "notifications",
    adopt=True,
    use_http_events=True,
    alarm_events_rest_endpoint="https://alarms.example.com/events",
)""",
    ),
    Entry(
        "ProvdConfigParam",
        "provd_config_param",
        """nat = ProvdConfigParam("nat", param_id="NAT", value=1)
locale = ProvdConfigParam("locale", param_id="locale", value="fr_FR")""",
        package="provd",
    ),
    Entry(
        "ProvdPlugin",
        "provd_plugin",
        """polycom = ProvdPlugin("polycom", plugin_id="xivo-polycom-4.0.4")
pulumi.export("polycom_plugin_version", polycom.version)""",
        package="provd",
    ),
    Entry(
        "SiprecService",
        "siprec_service",
        """siprec = SiprecService(
    "siprec",
    alarm_topic="arn:aws:sns:eu-north-1:123456789012:siprec-alarms",
)""",
    ),
    Entry(
        "SiteHost",
        "site_host",
        """host = SiteHost(
    "stockholm-sbc-1",
    site_id="stockholm",
    host_id="sbc-1",
    network_interfaces=["10.20.0.11"],
    network_prefix_length=24,
)""",
    ),
    Entry(
        "Trunk",
        "trunk",
        """trunk = Trunk(
    "office-pbx",
    destination_target="pbx.example.com",
    destination_transport="udp",
    destination_match="^4655",
    source_networks=["192.0.2.0/24"],
)""",
    ),
)


def entry(name: str) -> Entry:
    """The registry entry of the resource ``name``."""
    for item in REGISTRY:
        if item.name == name:
            return item
    raise KeyError(name)


def provider_class(name: str) -> type[IotcommsProvider]:
    """The provider class of the resource ``name`` (its module imported on first use)."""
    module = importlib.import_module(f"pulumi_iotcomms.resources.{entry(name).module}")
    provider: type[IotcommsProvider] = getattr(module, f"{name}Provider")
    return provider
