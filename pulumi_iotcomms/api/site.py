"""Hybrid sites: ``/hybridadmin/site/{domain}`` — commission, drain and decommission hosts."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import Field, model_validator

from pulumi_iotcomms._transport import Transport, render_path
from pulumi_iotcomms.errors import NotFoundError, error_for_malformed_body

from ._ops import parse_reply
from ._schema import COMPUTED, REPLACE, IpAddress, ReplyModel, WireModel
from .contract import route

__all__ = ["HostCommission", "HostReport", "SiteApi", "SiteReport"]


class HostCommission(WireModel):
    """A site host: the commission body (static addressing, or nothing for DHCP) and its reported state."""

    network_interfaces: Annotated[list[IpAddress] | None, Field(min_length=1), REPLACE] = None
    """Static IPv4/IPv6 addresses (with ``network_prefix_length``); omit for DHCP."""
    network_prefix_length: Annotated[int | None, REPLACE] = None
    """Network prefix length in bits (0-32 for IPv4, 0-128 for IPv6)."""
    state: Annotated[str | None, COMPUTED] = None
    """The host's state as the site reports it (server-set)."""
    active_calls: Annotated[int | None, COMPUTED] = None
    """Calls in progress on the host (server-set)."""

    @model_validator(mode="after")
    def _both_or_neither(self) -> HostCommission:
        if (self.network_interfaces is None) != (self.network_prefix_length is None):
            missing = "networkPrefixLength" if self.network_prefix_length is None else "networkInterfaces"
            raise ValueError(f"{missing}: networkInterfaces and networkPrefixLength go together")
        if self.network_interfaces is not None and self.network_prefix_length is not None:
            for addr in self.network_interfaces:
                top = 32 if ipaddress.ip_address(addr).version == 4 else 128
                if not 0 <= self.network_prefix_length <= top:
                    raise ValueError(f"networkPrefixLength: must be 0..{top} for {addr}")
        return self


class HostReport(ReplyModel):
    """A host as the site listing reports it (read leniently: no addressing rule is enforced on a read)."""

    network_interfaces: list[str] | None = None
    """The host's static addresses; absent for DHCP."""
    network_prefix_length: int | None = None
    """Network prefix length of the static addresses."""
    state: str | None = None
    """``active`` after commission, ``drained`` after drain."""
    active_calls: int | None = None
    """Calls in progress on the host."""


class SiteReport(ReplyModel):
    """One site of the listing ``GET /site/{domain}``: its hosts by host id."""

    hosts: dict[str, HostReport] | None = None
    """Host id -> the host as reported."""


class SiteApi:
    """Hosts of a domain's hybrid sites: list, commission, drain, decommission."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def _call(self, name: str, params: dict[str, str], json: Any = None) -> Any:
        r = route(name)
        return self.transport.request_json(r.method, r.path, params, json=json)

    def sites(self, domain: str) -> dict[str, Any]:
        """``{siteId: {"hosts": {hostId: host}}}`` for the domain."""
        return dict(self._call("site.list", {"domain": domain}).get("data") or {})

    def read_sites(self, domain: str) -> dict[str, SiteReport]:
        """Every site of the domain with its hosts, typed (``site.list``; see ``DECISIONS["site.list.data"]``).

        Raises:
            ApiError: The answer is not the documented ``{"data": {siteId: {"hosts": {...}}}}``.
        """
        r = route("site.list")
        params = {"domain": domain}
        body = self._call("site.list", params)
        data = body.get("data") if isinstance(body, dict) else body
        if data is None:
            return {}
        if not isinstance(data, dict):
            problem = "unexpected answer: data: must be an object of sites"
            raise error_for_malformed_body(r.method, render_path(r.path, params), 200, problem)
        return {
            site_id: parse_reply(SiteReport, site, r.method, r.path, params, where=f"data.{site_id}")
            for site_id, site in data.items()
        }

    def get_host(self, domain: str, site_id: str, host_id: str) -> dict[str, Any] | None:
        """One host as the server reports it, or None."""
        host = self.sites(domain).get(site_id, {}).get("hosts", {}).get(host_id)
        return None if host is None else dict(host)

    def commission(self, domain: str, site_id: str, host_id: str, body: dict[str, Any]) -> None:
        """Commission a host; ``body`` carries static addressing or is empty for DHCP."""
        self._call("host.commission", {"domain": domain, "siteId": site_id, "hostId": host_id}, body)

    def drain(self, domain: str, site_id: str, host_id: str, *, do_not_reschedule: bool = False) -> None:
        """Drain the host of calls."""
        body = {"doNotReschedule": "true" if do_not_reschedule else "false"}
        self._call("host.drain", {"domain": domain, "siteId": site_id, "hostId": host_id}, body)

    def decommission(self, domain: str, site_id: str, host_id: str) -> bool:
        """Decommission the host; False when it was not there."""
        try:
            self._call("host.decommission", {"domain": domain, "siteId": site_id, "hostId": host_id})
        except NotFoundError:
            return False
        return True
