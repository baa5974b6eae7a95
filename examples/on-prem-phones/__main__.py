"""On-premise phones: the provd server that provisions the office's phones (its plugins and settings) and
the phones' SIP accounts on the iotcomms tenant, in one program.

Each plugin is a ``ProvdPlugin`` (installed after updating the server's installable list when needed;
progress in the log); ``NAT`` and ``locale`` are ``ProvdConfigParam`` resources, put back to what they were on
destroy. Each phone is an iotcomms ``Device`` with a generated SIP password, described with the plugin that
provisions it and depending on it.

Stack config (see Pulumi.dev.yaml): the ``iotcomms:*`` and ``provd:*`` provider keys; ``plugins`` (name -> plugin
id: a new id of the same family upgrades that plugin in place), ``nat`` (0 or 1), ``locale`` and ``phones``
(device id -> plugin name).
"""

import pulumi

from pulumi_iotcomms import Device
from pulumi_iotcomms.provd import ProvdConfigParam, ProvdPlugin

config = pulumi.Config()
plugin_ids: dict[str, str] = config.get_object("plugins") or {"polycom": "xivo-polycom-4.0.4"}
phones: dict[str, str] = config.get_object("phones") or {"reception-1": "polycom"}

plugins = {name: ProvdPlugin(name, plugin_id=plugin_id) for name, plugin_id in sorted(plugin_ids.items())}
nat = ProvdConfigParam("nat", param_id="NAT", value=config.get_int("nat") or 0)
locale = ProvdConfigParam("locale", param_id="locale", value=config.get("locale"))

devices = {
    device_id: Device(
        device_id,
        device_id=device_id,
        auth_type="credentials",
        device_type="sipDevice",
        description=f"Desk phone provisioned by the {plugin} plugin",
        # The phone is useless until its plugin is on the provd server.
        opts=pulumi.ResourceOptions(depends_on=[plugins[plugin]] if plugin in plugins else []),
    )
    for device_id, plugin in sorted(phones.items())
}

pulumi.export("plugin_versions", {name: plugin.version for name, plugin in plugins.items()})
pulumi.export("sip_passwords", {device_id: device.sip_password for device_id, device in devices.items()})
