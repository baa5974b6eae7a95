"""Hybrid site: hosts commissioned on two sites of a tenant's hybrid system.

``stockholm`` hosts get static addresses (``network_interfaces`` + ``network_prefix_length``);
``gothenburg`` hosts get theirs from DHCP. Destroying a host drains it of calls first, then
decommissions it. Changing a host's addressing replaces it (decommission, then commission).

Stack config (see Pulumi.dev.yaml): the ``iotcomms:*`` provider keys; ``staticHosts`` (host id ->
IPv4 address on the Stockholm site), ``prefixLength`` and ``dhcpHosts`` (host ids in Gothenburg).
"""

import pulumi

from pulumi_iotcomms import SiteHost

config = pulumi.Config()
static_hosts: dict[str, str] = config.get_object("staticHosts") or {"sbc-1": "10.20.0.11", "sbc-2": "10.20.0.12"}
prefix_length = config.get_int("prefixLength") or 24
dhcp_hosts: list[str] = config.get_object("dhcpHosts") or ["edge-1"]

stockholm = {
    host_id: SiteHost(
        f"stockholm-{host_id}",
        site_id="stockholm",
        host_id=host_id,
        network_interfaces=[address],
        network_prefix_length=prefix_length,
    )
    for host_id, address in sorted(static_hosts.items())
}

gothenburg = {
    # DHCP: no addressing. drain_on_delete=False would skip draining on destroy, and
    # do_not_reschedule=True would keep the drained host's services from moving to other hosts.
    host_id: SiteHost(f"gothenburg-{host_id}", site_id="gothenburg", host_id=host_id)
    for host_id in dhcp_hosts
}

# Host states as the platform reports them ("active" once commissioned).
pulumi.export("stockholm_hosts", {host_id: host.state for host_id, host in stockholm.items()})
pulumi.export("gothenburg_hosts", {host_id: host.state for host_id, host in gothenburg.items()})
