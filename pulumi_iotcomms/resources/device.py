"""``Device``: a SIP device, alarm unit or gateway in a tenant (``/provisioning/device``)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, DiffResult, ReadResult, UpdateResult
from pulumi.runtime import rpc

from pulumi_iotcomms.api._schema import Behaviour
from pulumi_iotcomms.api.device import Device as DeviceModel
from pulumi_iotcomms.api.device import DeviceApi

from ._engine import is_unknown, normalize, same_json
from ._generated.device import Device
from ._provider import IotcommsProvider, Spec

__all__ = ["Device", "DeviceProvider"]

SIP_PASSWORD = "sip_password"
KEEPERS = "sip_password_keepers"
#: Inputs whose change addresses another device (which gets a password of its own).
_IDENTITY = ("domain", "device_id", "auth_type")


def _sip_ha1(device_id: Any, domain: Any, password: Any) -> Any:
    """The documented ``ha1 = MD5(deviceId:domain:password)``; unknown while any part is (a preview)."""
    if any(v is None or is_unknown(v) for v in (device_id, domain, password)):
        return rpc.UNKNOWN
    return hashlib.md5(f"{device_id}:{domain}:{password}".encode(), usedforsecurity=False).hexdigest()


def _same(a: Any, b: Any) -> bool:
    return not is_unknown(a) and not is_unknown(b) and same_json(normalize(a), normalize(b))


class DeviceProvider(IotcommsProvider):
    """Lifecycle of devices: PUT creates, PATCH updates; a ``credentials`` device's SIP password.

    The SIP password of a ``credentials`` device without ``ha1`` is the ``sip_password`` input: the
    ``password`` given for it, or a random one (:func:`secrets.token_urlsafe`) that ``check`` picks
    once and keeps from the recorded inputs on every later check, so previews, retries and a create
    whose response was lost all use the same one. It reaches the server only as the documented
    ``ha1 = MD5(deviceId:domain:password)`` (:meth:`desired_state`), an ordinary secret field: a
    changed ha1 on the server shows in refresh and is set back by ``up``. A change of
    ``sip_password_keepers`` picks a new password (an in-place update of the ha1).

    State of the earlier release has the (derived) password as an output only: its inputs never
    held ``sip_password`` and its outputs have no ``sip_password_keepers``. Such a device keeps its
    password: ``check`` leaves ``sip_password`` out of the inputs, ``diff`` and ``update`` take it
    from the recorded outputs, and ``read`` leaves it out of the inputs it returns (the engine keeps
    an input secret only when the old inputs had it as a secret).
    """

    spec = Spec(
        name="Device",
        model=DeviceModel,
        api=DeviceApi,
        id_input="device_id",
        extra={
            # Set by check; a secret input so that the engine keeps the checked value secret (it marks a
            # checked input secret only when the program's input was).
            SIP_PASSWORD: Behaviour(
                secret=True,
                argument=False,
                annotation="str",
                doc="the SIP password of a ``credentials`` device without ``ha1``: ``password`` when given, else"
                " a random one picked once (secret); the server stores it as ``ha1``.",
            ),
            KEEPERS: Behaviour(
                annotation="Mapping[str, Any]",
                doc="arbitrary values; a change picks a new generated SIP password (an in-place update of the"
                " device's ha1, exported as the new ``sip_password``).",
            ),
        },
        noun="device",
        doc="A device provisioned for a tenant domain: a SIP device, an alarm unit or a gateway.\n\n"
        "Pulumi id: ``<domain>/<device_id>``. Changing ``domain``, ``device_id`` or ``auth_type`` replaces"
        " the device (the old one is deleted first, as the id is reused); a replacing ``credentials`` device"
        " gets a new SIP password. A ``credentials`` device's SIP password is exported as the secret output"
        " ``sip_password``: the ``password`` given, else a random one picked once, kept across updates and"
        " refreshes, and replaced only when ``sip_password_keepers`` changes. The server gets it as"
        " ``ha1 = MD5(device_id:domain:password)``; a changed ha1 on the server shows in refresh, and"
        " ``pulumi up`` sets it back.",
    )

    # -- the SIP password ------------------------------------------------------------------------

    @staticmethod
    def _credentials(props: Mapping[str, Any]) -> bool:
        return props.get("auth_type") == "credentials"

    @classmethod
    def _generates(cls, props: Mapping[str, Any]) -> bool:
        """A credentials device whose SIP password the provider picks (no ``ha1``, no ``password``)."""
        return cls._credentials(props) and props.get("ha1") is None and props.get("password") is None

    def check_inputs(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[CheckFailure]:
        """Validate, then settle the SIP password of a credentials device (``sip_password``)."""
        given = inputs.pop(SIP_PASSWORD, None)
        failures = super().check_inputs(olds, inputs)
        if given is not None and not is_unknown(given) and given != olds.get(SIP_PASSWORD):  # ignore_changes passes it
            failures.append(CheckFailure(SIP_PASSWORD, "is an output only: give password to choose the SIP password"))
        keepers = inputs.get(KEEPERS)
        if keepers is not None and not is_unknown(keepers) and not isinstance(keepers, dict):
            failures.append(CheckFailure(KEEPERS, "must be a map of values whose change picks a new SIP password"))
        auth = inputs.get("auth_type")
        if is_unknown(auth) or not self._credentials(inputs):
            return failures
        password, ha1 = inputs.get("password"), inputs.get("ha1")
        if password is not None and ha1 is not None:
            failures.append(
                CheckFailure(
                    "password",
                    "a credentials device takes either password (its SIP password, sent as ha1) or ha1, not both",
                )
            )
        elif password is not None:
            # The API uses password only for userid devices; for a credentials device it is the SIP
            # password, sent as the documented ha1 and exported as sip_password.
            inputs[SIP_PASSWORD] = password
        elif ha1 is None:
            if not self._keeps_password(olds, inputs):
                inputs[SIP_PASSWORD] = secrets.token_urlsafe(18)
            elif olds.get(SIP_PASSWORD) is not None:
                inputs[SIP_PASSWORD] = olds[SIP_PASSWORD]
            # else: state of the earlier release, the password is in the recorded outputs only.
        if SIP_PASSWORD in inputs:
            # Marks state whose inputs hold sip_password (``read`` relies on it); {} = no keepers.
            inputs.setdefault(KEEPERS, {})
        return failures

    def _keeps_password(self, olds: Mapping[str, Any], inputs: Mapping[str, Any]) -> bool:
        """The recorded device had a generated password that stays: same device, same keepers."""
        return (
            bool(olds)
            and self._generates(olds)
            and all(_same(olds.get(k), inputs.get(k)) for k in _IDENTITY)
            and _same(olds.get(KEEPERS) or {}, inputs.get(KEEPERS) or {})
        )

    def _with_recorded_password(self, olds: Mapping[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """``news`` with the password of the recorded outputs where ``check`` left it out (earlier release)."""
        if SIP_PASSWORD in news or not self._generates(news) or olds.get(SIP_PASSWORD) is None:
            return news
        return {**news, SIP_PASSWORD: olds[SIP_PASSWORD]}

    # -- the desired object ------------------------------------------------------------------------

    def desired_state(self, props: Mapping[str, Any]) -> dict[str, Any]:
        """The schema fields; a credentials device gets ``ha1`` from its SIP password and no ``password``
        (which the API uses for userid devices only)."""
        state = super().desired_state(props)
        if not self._credentials(props):
            return state
        state.pop("password", None)
        password = props.get(SIP_PASSWORD)
        if state.get("ha1") is None and password is not None:
            state["ha1"] = _sip_ha1(props.get("device_id"), props.get("domain"), password)
        return state

    # -- lifecycle -----------------------------------------------------------------------------------

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """The shared diff, the password of state of the earlier release kept."""
        return super().diff(_id, _olds, self._with_recorded_password(_olds, _news))

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        """The shared update, the password of state of the earlier release kept."""
        return super().update(_id, _olds, self._with_recorded_password(_olds, _news))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh. For a SIP password of ours, the server's ha1 stays out of the inputs (it is made
        from the password) and shows in the outputs only when it is not the password's, which the next
        diff reports and ``up`` sets back."""
        result = super().read(id_, props)
        password = props.get(SIP_PASSWORD)
        if not result.id or result.inputs is None or password is None or not self._credentials(props):
            return result
        inputs, outs = dict(result.inputs), dict(result.outs or {})
        server_ha1 = inputs.pop("ha1", None)
        outs.pop("ha1", None)
        if server_ha1 != _sip_ha1(inputs.get("device_id"), inputs.get("domain"), password):
            outs["ha1"] = server_ha1 or ""  # "" when the server has none: still not the password's
        if props.get("password") is not None:
            # Not sent for credentials devices, so not on the server: the program's value stays.
            inputs["password"] = outs["password"] = props["password"]
        if KEEPERS not in props:
            # State of the earlier release: its inputs never held the password (see the class docstring).
            inputs.pop(SIP_PASSWORD, None)
        return ReadResult(result.id, outs, inputs)
