"""Contact-centre trigger: a SIP trunk to the contact centre's PBX, and an Alvaria AutoFacilitate service
executed whenever the trunk's routing changes (so the contact centre hears of it).

Stack config (see Pulumi.dev.yaml): ``iotcomms:*`` for the trunk, ``alvaria:*`` for the trigger
(``orgId``, ``endpoint``/``tokenUrl`` or ``region``, ``clientId``, and the secrets ``clientSecret`` and
``apiKey``), and this program's ``pbxTarget`` and ``service``.
"""

import pulumi

from pulumi_iotcomms import Trunk
from pulumi_iotcomms.alvaria import AutoFacilitateTrigger

config = pulumi.Config()

# Calls to numbers starting 4650 go to the contact centre's PBX.
pbx = Trunk(
    "contact-centre-pbx",
    destination_target=config.get("pbxTarget") or "pbx.contact.example.com",
    destination_transport="udp",
    destination_match="^4650",
    description="Contact centre PBX",
)

# Executes the service when first deployed and again whenever the trunk's target changes (a replacement,
# the pulumi-command `triggers` pattern); `pulumi up` waits for its result. Destroying it sends nothing.
announce = AutoFacilitateTrigger(
    "announce-routing",
    service=config.get("service") or "ServerName",
    trigger_parameters={"trunk": pbx.trunk_id, "target": pbx.destination_target},
    callback_urls=["https://ops.example.com/callbacks/routing"],
    triggers=[pbx.destination_target],
)

pulumi.export("trunk_id", pbx.trunk_id)
pulumi.export("trigger_uuid", announce.trigger_uuid)
pulumi.export("trigger_message", announce.message)
pulumi.export("trigger_status", announce.result_status)
