"""``Trunk``: a SIP trunk routed on the b-party number (``/provisioning/trunk``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.dynamic import ReadResult
from pulumi.runtime import rpc

from pulumi_iotcomms.api._ops import Doc
from pulumi_iotcomms.api.trunk import Trunk as TrunkModel
from pulumi_iotcomms.api.trunk import TrunkApi
from pulumi_iotcomms.errors import IotcommsError

from ._engine import is_unknown
from ._provider import IotcommsProvider, Spec, Target
from ._resource import resource_args

__all__ = ["Trunk", "TrunkProvider"]


class TrunkProvider(IotcommsProvider):
    """Lifecycle of trunks: PUT by id creates, PATCH updates; ``password`` is write-only (stored as ``ha1``).

    With ``password``, the desired object includes the ``ha1 = MD5(userName:realm:password)`` the
    server stores, so ``ha1`` is managed whenever ``password`` is: removing the credentials removes
    ``/userName``, ``/realm`` and ``/ha1`` in one patch, and a server that keeps its ha1 anyway fails
    the update rather than leaving it there unseen. The password, not the ha1, is what is sent.
    """

    spec = Spec(
        name="Trunk",
        model=TrunkModel,
        api=TrunkApi,
        id_input="trunk_id",
        auto_id=True,
    )

    @staticmethod
    def _ha1(props: Mapping[str, Any]) -> Any:
        """The ha1 the server makes of ``user_name``, ``realm`` and ``password`` (unknown while one is)."""
        parts = [props.get("user_name"), props.get("realm"), props.get("password")]
        if any(p is None or is_unknown(p) for p in parts):
            return rpc.UNKNOWN
        return hashlib.md5(":".join(str(p) for p in parts).encode(), usedforsecurity=False).hexdigest()

    def desired_state(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The schema fields plus, with ``password``, the ``ha1`` the server derives from it."""
        state = super().desired_state(props)
        if state.get("password") is not None and state.get("ha1") is None:
            state["ha1"] = self._ha1(props)
        return state

    def write_new(self, target: Target, wire: Doc, props: Mapping[str, Any]) -> Doc:
        """Create; the ``ha1`` made from a password is the server's to compute (both at once is a 400)."""
        if "password" in wire:
            wire = {k: v for k, v in wire.items() if k != "ha1"}
        return super().write_new(target, wire, props)

    def write_changes(self, target: Target, ops: list[Doc], wire: Doc) -> Doc:
        """Patch; a changed ``userName`` or ``realm`` carries the password too (the ha1 is made from all
        three), and a patch carrying the password leaves the ha1 to the server. A removed ``/ha1``
        still on the server afterwards is an error: the credentials were not removed."""
        paths = {op["path"] for op in ops}
        if paths & {"/userName", "/realm"} and "/password" not in paths and "password" in wire:
            ops = [*ops, {"op": "add", "path": "/password", "value": wire["password"]}]
        if any(op["path"] == "/password" for op in ops):
            ops = [op for op in ops if op["path"] != "/ha1"]
        response = super().write_changes(target, ops, wire)
        if {"op": "remove", "path": "/ha1"} in ops and (self.fetch(target) or {}).get("ha1"):
            raise IotcommsError(
                f"Trunk {target.pulumi_id}: the server kept its ha1 after a patch removing it (with "
                f"{', '.join(op['path'][1:] for op in ops if op['op'] == 'remove')}), so the trunk still "
                "authenticates with the removed credentials. Keep the credentials, or replace the trunk "
                "(a new trunk_id) to drop them."
            )
        return response

    def write_only_matches(self, server: Doc, props: Mapping[str, Any]) -> bool:
        """The server keeps ``ha1 = MD5(userName:realm:password)``: a different password shows."""
        password, user, realm = props.get("password"), props.get("user_name"), props.get("realm")
        if not (password and user and realm and server.get("ha1")):
            return True
        return bool(server["ha1"] == self._ha1(props))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh; the ha1 made from a password is not an input (the password stands for it, and is
        dropped from the inputs when the server's ha1 is not its)."""
        result = super().read(id_, props)
        if props.get("password") is None or props.get("ha1") is not None or result.inputs is None:
            return result
        inputs = {k: v for k, v in result.inputs.items() if k != "ha1"}
        outs = {k: v for k, v in (result.outs or {}).items() if k != "ha1"}
        return ReadResult(result.id, outs, inputs)


class Trunk(pulumi.dynamic.Resource, module="iotcomms", name="Trunk"):
    """A trunk (its ``serviceDestination``) for inbound and outbound calls of a tenant domain.

    Pulumi id: ``<domain>/<trunk_id>``. ``trunk_id`` defaults to ``<resource name>-<7 random
    characters>``, kept across updates. Changing ``domain`` or ``trunk_id`` replaces the trunk.
    ``password`` is write-only: the server stores only ``ha1 = MD5(user_name:realm:password)``, which
    refresh compares with the password in state, so a password changed outside Pulumi is detected and
    the next ``pulumi up`` sets it again. Removing ``user_name``, ``realm`` and ``password`` (or ``ha1``)
    removes the stored ``ha1`` too; a server that keeps it fails the update, naming it.
    """

    domain: pulumi.Output[str]
    trunk_id: pulumi.Output[str]
    destination_target: pulumi.Output[str]
    destination_transport: pulumi.Output[str]
    destination_match: pulumi.Output[str]
    local_codec: pulumi.Output[str | None]
    trunkside_codec: pulumi.Output[str | None]
    # Any: Pulumi's output translation cannot handle a list-or-string union annotation.
    source_networks: pulumi.Output[Any]
    add_terminating_uri_parameters: pulumi.Output[str | None]
    trunk_group_id: pulumi.Output[str | None]
    use_private_ip: pulumi.Output[bool | None]
    transcode: pulumi.Output[bool | None]
    description: pulumi.Output[str | None]
    type: pulumi.Output[str | None]
    destination_rewrite: pulumi.Output[str | None]
    force_rtp_relay: pulumi.Output[bool | None]
    force_nat_rewrites: pulumi.Output[bool | None]
    diversion_header: pulumi.Output[str | None]
    rewrite_anumber: pulumi.Output[str | None]
    network_id: pulumi.Output[str | None]
    blacklist_pattern: pulumi.Output[str | None]
    user_name: pulumi.Output[str | None]
    realm: pulumi.Output[str | None]
    password: pulumi.Output[str | None]
    ha1: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        destination_target: pulumi.Input[str],
        destination_transport: pulumi.Input[str],
        destination_match: pulumi.Input[str],
        trunk_id: pulumi.Input[str] | None = None,
        domain: pulumi.Input[str] | None = None,
        local_codec: pulumi.Input[str] | None = None,
        trunkside_codec: pulumi.Input[str] | None = None,
        source_networks: pulumi.Input[Sequence[pulumi.Input[str]] | str] | None = None,
        add_terminating_uri_parameters: pulumi.Input[str] | None = None,
        trunk_group_id: pulumi.Input[str] | None = None,
        use_private_ip: pulumi.Input[bool] | None = None,
        transcode: pulumi.Input[bool] | None = None,
        description: pulumi.Input[str] | None = None,
        type: pulumi.Input[str] | None = None,
        destination_rewrite: pulumi.Input[str] | None = None,
        force_rtp_relay: pulumi.Input[bool] | None = None,
        force_nat_rewrites: pulumi.Input[bool] | None = None,
        diversion_header: pulumi.Input[str] | None = None,
        rewrite_anumber: pulumi.Input[str] | None = None,
        network_id: pulumi.Input[str] | None = None,
        blacklist_pattern: pulumi.Input[str] | None = None,
        user_name: pulumi.Input[str] | None = None,
        realm: pulumi.Input[str] | None = None,
        password: pulumi.Input[str] | None = None,
        ha1: pulumi.Input[str] | None = None,
        adopt: pulumi.Input[bool] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a trunk.

        Args:
            resource_name: the Pulumi resource name.
            destination_target: IP address or FQDN of the trunk's target domain.
            destination_transport: the transport protocol for the trunk.
            destination_match: regular expression matching the destinations routed to this trunk.
            trunk_id: id of the trunk in the domain; defaults to ``<resource name>-<7 chars>``.
            domain: tenant domain; defaults to the ``iotcomms:domain`` config.
            local_codec: ``GSM``, ``PCMU`` or ``PCMA``.
            trunkside_codec: ``GSM``, ``PCMU`` or ``PCMA``.
            source_networks: IPv4 address or CIDR, or a list of them.
            add_terminating_uri_parameters: parameters added to the R-URI sent on the outgoing trunk.
            trunk_group_id: trunk group used in the INVITE to direct a call to a specific trunk.
            use_private_ip: use private IP addresses for the trunk.
            transcode: whether calls are transcoded.
            description: optional description of the trunk.
            type: type of service destination, always ``trunk`` (the server's default).
            destination_rewrite: regular expression rewriting the destination user.
            force_rtp_relay: relay RTP through the platform, signalling unchanged.
            force_nat_rewrites: NAT traversal: rewrite signalling and relay RTP.
            diversion_header: number set in the Diversion header on outbound calls.
            rewrite_anumber: number replacing the originating number.
            network_id: terminating network id (for RTP routing, not SIP routing).
            blacklist_pattern: regular expression of destinations blocked on the trunk.
            user_name: with ``realm`` and ``password``: generates the ``ha1``.
            realm: with ``user_name`` and ``password``: generates the ``ha1``.
            password: with ``user_name`` and ``realm``: generates the ``ha1`` (secret, write-only).
            ha1: HA1 hash authenticating the trunk, instead of ``password`` (secret).
            adopt: take over an existing trunk with this id and converge it, instead of failing.
            opts: Pulumi resource options.
        """
        props, options = resource_args(
            TrunkProvider.spec,
            resource_name,
            {
                "domain": domain,
                "trunk_id": trunk_id,
                "destination_target": destination_target,
                "destination_transport": destination_transport,
                "destination_match": destination_match,
                "local_codec": local_codec,
                "trunkside_codec": trunkside_codec,
                "source_networks": source_networks,
                "add_terminating_uri_parameters": add_terminating_uri_parameters,
                "trunk_group_id": trunk_group_id,
                "use_private_ip": use_private_ip,
                "transcode": transcode,
                "description": description,
                "type": type,
                "destination_rewrite": destination_rewrite,
                "force_rtp_relay": force_rtp_relay,
                "force_nat_rewrites": force_nat_rewrites,
                "diversion_header": diversion_header,
                "rewrite_anumber": rewrite_anumber,
                "network_id": network_id,
                "blacklist_pattern": blacklist_pattern,
                "user_name": user_name,
                "realm": realm,
                "password": password,
                "ha1": ha1,
                "adopt": adopt,
            },
            opts,
        )
        super().__init__(TrunkProvider(), resource_name, props, options)
