"""``SiteHost``: a host commissioned on a hybrid site (``/hybridadmin/site``)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi.dynamic

from pulumi_iotcomms.api._ops import Doc
from pulumi_iotcomms.api._schema import Behaviour
from pulumi_iotcomms.api.site import HostCommission, SiteApi
from pulumi_iotcomms.errors import IotcommsError, NotFoundError

from ._engine import is_unknown
from ._provider import IotcommsProvider, Spec, Target
from ._resource import resource_args

__all__ = ["SiteHost", "SiteHostProvider"]

_NAME = Behaviour(replace=True)


class SiteHostProvider(IotcommsProvider):
    """Commission on create; drain (unless ``drain_on_delete=False``) then decommission on delete."""

    spec = Spec(
        name="SiteHost",
        model=HostCommission,
        extra={
            "site_id": _NAME,
            "host_id": _NAME,
            "drain_on_delete": Behaviour(server_default=True),
            "do_not_reschedule": Behaviour(server_default=False),
        },
        identity=frozenset({"site_id", "host_id"}),
    )

    def _api(self) -> SiteApi:
        return SiteApi(self.transport)

    def target(self, props: Mapping[str, Any]) -> Target:
        return Target(str(props["domain"]), f"{props['site_id']}/{props['host_id']}")

    def target_from_id(self, pulumi_id: str, props: Mapping[str, Any]) -> Target:
        if props.get("domain") and props.get("site_id") and props.get("host_id"):
            return self.target(props)
        parts = pulumi_id.split("/")
        if len(parts) != 3 or not all(parts):
            raise IotcommsError(f"cannot import {pulumi_id!r}: expected an id of the form <domain>/<siteId>/<hostId>")
        return Target(parts[0], f"{parts[1]}/{parts[2]}")

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        result = super().read(id_, props)
        if result.id and result.inputs is not None:
            # Identity is part of the id for this resource; keep it in the refreshed inputs.
            site_id, host_id = self.target_from_id(id_, props).local_id.split("/")
            result.inputs.update(site_id=site_id, host_id=host_id)
            (result.outs or {}).update(site_id=site_id, host_id=host_id)
        return result

    def check_inputs(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[pulumi.dynamic.CheckFailure]:
        failures = super().check_inputs(olds, inputs)
        for name in ("site_id", "host_id"):
            value = inputs.get(name)
            if value is None:
                failures.append(pulumi.dynamic.CheckFailure(name, "required"))
            elif not is_unknown(value) and not (isinstance(value, str) and _valid_name(value)):
                failures.append(
                    pulumi.dynamic.CheckFailure(name, "must be 1-63 letters, digits, '.', '_' or '-', without '..'")
                )
        return failures

    def fetch(self, target: Target) -> Doc | None:
        site_id, host_id = target.local_id.split("/")
        return self._api().get_host(target.domain, site_id, host_id)

    def write_new(self, target: Target, wire: Doc, props: Mapping[str, Any]) -> Doc:
        site_id, host_id = target.local_id.split("/")
        self._api().commission(target.domain, site_id, host_id, wire)
        return {}

    def write_changes(self, target: Target, ops: list[Doc], wire: Doc) -> Doc:
        # Every host field replaces the host, so an update never reaches the server.
        return {}

    def remove(self, target: Target, props: Mapping[str, Any]) -> None:
        site_id, host_id = target.local_id.split("/")
        if props.get("drain_on_delete", True):
            try:
                self._api().drain(
                    target.domain, site_id, host_id, do_not_reschedule=bool(props.get("do_not_reschedule"))
                )
            except NotFoundError:
                return
        self._api().decommission(target.domain, site_id, host_id)


def _valid_name(value: str) -> bool:
    return re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}", value) is not None and ".." not in value


class SiteHost(pulumi.dynamic.Resource, module="iotcomms", name="SiteHost"):
    """A host commissioned on a site of a tenant's hybrid system.

    Pulumi id: ``<domain>/<site_id>/<host_id>``. Changing the domain, site, host or addressing
    replaces the host (decommission first). Destroying drains it of calls first unless
    ``drain_on_delete=False``.
    """

    domain: pulumi.Output[str]
    site_id: pulumi.Output[str]
    host_id: pulumi.Output[str]
    network_interfaces: pulumi.Output[Sequence[str] | None]
    network_prefix_length: pulumi.Output[int | None]
    drain_on_delete: pulumi.Output[bool | None]
    do_not_reschedule: pulumi.Output[bool | None]
    state: pulumi.Output[str | None]
    active_calls: pulumi.Output[int | None]

    def __init__(
        self,
        resource_name: str,
        *,
        site_id: pulumi.Input[str],
        host_id: pulumi.Input[str],
        domain: pulumi.Input[str] | None = None,
        network_interfaces: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        network_prefix_length: pulumi.Input[int] | None = None,
        drain_on_delete: pulumi.Input[bool] | None = None,
        do_not_reschedule: pulumi.Input[bool] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a commissioned host.

        Args:
            resource_name: the Pulumi resource name.
            site_id: the site the host belongs to.
            host_id: the host name.
            domain: tenant domain; defaults to the ``iotcomms:domain`` config.
            network_interfaces: static IPv4/IPv6 addresses (with ``network_prefix_length``); omit for DHCP.
            network_prefix_length: network prefix length in bits (0-32 for IPv4, 0-128 for IPv6).
            drain_on_delete: drain the host of calls before decommissioning it (default true).
            do_not_reschedule: when draining, do not move its services to other hosts (default false).
            adopt: take over an already commissioned host with this id instead of failing.
            opts: Pulumi resource options.
        """
        props, options = resource_args(
            SiteHostProvider.spec,
            resource_name,
            {
                "domain": domain,
                "site_id": site_id,
                "host_id": host_id,
                "network_interfaces": network_interfaces,
                "network_prefix_length": network_prefix_length,
                "drain_on_delete": drain_on_delete,
                "do_not_reschedule": do_not_reschedule,
                "adopt": adopt,
            },
            opts,
        )
        super().__init__(SiteHostProvider(), resource_name, props, options)
