"""Multi-environment: one program, one stack per environment (``dev`` and ``prod``).

Everything that differs between environments is stack config, never code:

* provider keys -- ``iotcomms:domain``, ``iotcomms:region`` (which picks the API endpoint unless
  ``iotcomms:endpoint`` is set, as it is for dev) and the secret ``iotcomms:token``;
* sizes -- ``phones`` (how many SIP phones) and ``trunkTargets`` (one trunk per carrier SBC);
* secrets of this program -- ``callbackSecret`` (signs the IVR's callbacks);
* plain settings -- ``numberRange`` and ``callbackBaseUrl``.

Compare Pulumi.dev.yaml and Pulumi.prod.yaml side by side.
"""

import pulumi

from pulumi_iotcomms import Device, MediaService, Trunk

DEFAULT_REGION = "prod-eu-north-1"

config = pulumi.Config()
provider = pulumi.Config("iotcomms")
environment = pulumi.get_stack()

phones = config.require_int("phones")
trunk_targets: list[str] = config.require_object("trunkTargets")
number_range = config.require("numberRange")

trunks = [
    Trunk(
        f"carrier-{n}",
        destination_target=target,
        destination_transport="udp",
        destination_match=f"^{number_range}",
        description=f"{environment}: carrier SBC {n}",
    )
    for n, target in enumerate(trunk_targets, start=1)
]

ivr = MediaService(
    "ivr",
    name=f"{environment} IVR",
    destination_match=f"^{number_range}0",
    callback_base_url=config.require("callbackBaseUrl"),
    rest_authentication=[
        {"type": "RS256", "sub": f"{environment}-ivr", "secret": config.require_secret("callbackSecret")}
    ],
)

devices = [
    Device(
        f"phone-{n}",
        device_id=f"{environment}-phone-{n}",
        auth_type="credentials",
        device_type="sipDevice",
        description=f"{environment} phone {n}",
    )
    for n in range(1, phones + 1)
]

pulumi.export("environment", environment)
pulumi.export("domain", provider.get("domain"))
pulumi.export("region", provider.get("region") or DEFAULT_REGION)
pulumi.export("trunk_ids", [trunk.trunk_id for trunk in trunks])
pulumi.export("media_service_id", ivr.media_service_id)
pulumi.export("phone_ids", [device.device_id for device in devices])
# One generated SIP password per phone, each a secret: `pulumi stack output --show-secrets`.
pulumi.export("sip_passwords", {f"phone-{n}": device.sip_password for n, device in enumerate(devices, start=1)})
