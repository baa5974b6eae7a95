"""``Trunk``: a SIP trunk routed on the b-party number (``/provisioning/trunk``)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import ReadResult
from pulumi.runtime import rpc

from pulumi_iotcomms.api._ops import Doc
from pulumi_iotcomms.api.trunk import Trunk as TrunkModel
from pulumi_iotcomms.api.trunk import TrunkApi
from pulumi_iotcomms.errors import IotcommsError

from ._engine import is_unknown
from ._generated.trunk import Trunk
from ._provider import IotcommsProvider, Spec, Target

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
        noun="trunk",
        doc="A trunk (its ``serviceDestination``) for inbound and outbound calls of a tenant domain.\n\n"
        "Pulumi id: ``<domain>/<trunk_id>``. ``trunk_id`` defaults to ``<resource name>-<7 characters>``"
        " derived from the stack and name, kept across updates and aliased renames. Changing ``domain`` or"
        " ``trunk_id`` replaces the trunk. ``password`` is write-only: the server stores only"
        " ``ha1 = MD5(user_name:realm:password)``, which refresh compares with the password in state, so a"
        " password changed outside Pulumi is detected and the next ``pulumi up`` sets it again. Removing"
        " ``user_name``, ``realm`` and ``password`` (or ``ha1``) removes the stored ``ha1`` too; a server that"
        " keeps it fails the update, naming it.",
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
