"""``ProvdConfigParam``: one parameter of a XiVO provd server's configuration service (``/provd/configure``)."""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult, DiffResult, ReadResult, UpdateResult

from pulumi_iotcomms.api._schema import Behaviour
from pulumi_iotcomms.api.provd import ConfigParamState, ConfigValue, ProvdApi
from pulumi_iotcomms.errors import ApiError, IotcommsError, NotFoundError

from . import _claims
from ._engine import is_unknown
from ._generated.provd_config_param import ProvdConfigParam
from ._provd import ProvdProvider, ProvdSpec

__all__ = ["PREVIOUS_VALUE", "ProvdConfigParam", "ProvdConfigParamProvider"]

PREVIOUS_VALUE = "previous_value"
_PARAM_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ProvdConfigParamProvider(ProvdProvider):
    """Settings semantics on one parameter: create records the value found (``previous_value``, secret JSON
    text) and sets the declared one; refresh reads it (drift shows); delete puts the recorded value back."""

    spec = ProvdSpec(
        name="ProvdConfigParam",
        model=ConfigParamState,
        id_input="param_id",
        extra={
            "param_id": Behaviour(
                replace=True,
                required=True,
                annotation="str",
                doc="the parameter's id, e.g. ``NAT``, ``locale`` or ``plugin_server``.",
            ),
        },
        kept=(PREVIOUS_VALUE,),
        kept_docs={PREVIOUS_VALUE: "the value found before the first write, as JSON text; destroy restores it."},
        noun="provd configuration parameter",
        doc="One parameter of a XiVO provd server's configuration service: ``from pulumi_iotcomms.provd import"
        " ProvdConfigParam`` (configured by ``provd:endpoint``, ``provd:username`` and the secret"
        " ``provd:password``).\n\n"
        "Pulumi id: the ``param_id``; changing it replaces the resource. Every parameter always has a value, so"
        " creating one records the value found (secret output ``previous_value``, its JSON text, so a number"
        " stays a number) and sets the declared ``value``; refresh reads the server's value, so a change made"
        " elsewhere shows as drift that ``up`` corrects; destroying puts the recorded value back. ``value`` is"
        " a string, a number or ``None`` (null, the default).",
    )

    def check_inputs(self, olds: Mapping[str, Any], inputs: dict[str, Any]) -> list[CheckFailure]:
        failures = []
        param_id = inputs.get("param_id")
        if param_id is None:
            failures.append(CheckFailure("param_id", "required: the parameter's id, e.g. NAT or locale"))
        elif not is_unknown(param_id) and not (isinstance(param_id, str) and _PARAM_ID.fullmatch(param_id)):
            failures.append(CheckFailure("param_id", f"must be a parameter id such as NAT ({_PARAM_ID.pattern})"))
        value = inputs.get("value")
        if value is not None and not is_unknown(value) and not _is_value(value):
            failures.append(
                CheckFailure("value", f"must be a string, a finite number or None, got {type(value).__name__}")
            )
        return failures

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """Pure: another ``param_id`` replaces; another ``value`` (``1`` and ``1.0`` are one value) updates."""
        changed = []
        if _olds.get("param_id") != _news.get("param_id") or is_unknown(_news.get("param_id")):
            changed.append("param_id")
        old, new = _olds.get("value"), _news.get("value")
        if is_unknown(new) or _normal(old) != _normal(new):
            changed.append("value")
        replaces = [n for n in changed if n == "param_id"]
        return DiffResult(changes=bool(changed), replaces=replaces, stables=[], delete_before_replace=False)

    def _api_for(self, param_id: str) -> tuple[ProvdApi, str | None]:
        """The API and the parameter's description; an unknown parameter fails naming ``param_id``."""
        api = self.provd()
        params = {p.id: p for p in api.params()}
        if param_id not in params:
            known = ", ".join(sorted(params)) or "none"
            raise IotcommsError(f"param_id: the provd server has no parameter {param_id!r} (it has: {known})")
        return api, params[param_id].description

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Record the value found, then set the declared one; a create that fails after its write puts the
        recorded value back."""
        param_id = str(props["param_id"])
        api, description = self._api_for(param_id)
        previous = api.get_param(param_id)
        desired = _normal(props.get("value"))
        recorded = json.dumps(previous)
        wrote = False
        try:
            if previous != desired:
                wrote = True
                api.set_param(param_id, desired)
            now = api.get_param(param_id)
        except Exception as exc:
            if wrote and not (isinstance(exc, ApiError) and exc.status is not None and 400 <= exc.status < 500):
                self._restore(api, param_id, previous, exc)
            raise
        _claims.record_owned((self.spec.name, self.provd_settings.endpoint, param_id))
        return CreateResult(param_id, self._param_outputs(props, now, description, recorded))

    @staticmethod
    def _restore(api: ProvdApi, param_id: str, previous: ConfigValue, exc: Exception) -> None:
        try:
            api.set_param(param_id, previous)
        except Exception as cleanup:  # the create's own failure is what the user must see
            note = f"the value of {param_id} found before could not be put back ({cleanup})"
        else:
            note = f"the value of {param_id} found before was put back"
        logging.getLogger(__name__).warning(note)
        exc.add_note(note)

    def _param_outputs(
        self, props: Mapping[str, Any], value: ConfigValue, description: str | None, recorded: Any
    ) -> dict[str, Any]:
        outs = {k: v for k, v in props.items() if k != "__provider"}
        outs.update(value=value, description=description, **{PREVIOUS_VALUE: recorded})
        return outs

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """The server's value becomes the input, so a change made elsewhere shows as drift."""
        param_id = str(props.get("param_id") or id_)
        api = self.provd()
        params = {p.id: p for p in api.params()}
        if param_id not in params:  # a parameter the server no longer has
            return ReadResult("", {})
        description = params[param_id].description
        try:
            value = api.get_param(param_id)
        except NotFoundError:
            return ReadResult("", {})
        inputs: dict[str, Any] = {"param_id": param_id}
        if value is not None:
            inputs["value"] = value
        return ReadResult(
            id_, self._param_outputs(inputs, value, description, props.get(PREVIOUS_VALUE)), inputs=inputs
        )

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        """Set the new value (one PUT), unless the server already has it."""
        param_id = str(_news["param_id"])
        api, description = self._api_for(param_id)
        desired = _normal(_news.get("value"))
        if api.get_param(param_id) != desired:
            api.set_param(param_id, desired)
        return UpdateResult(self._param_outputs(_news, api.get_param(param_id), description, _olds.get(PREVIOUS_VALUE)))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Put back the value recorded before the first write; an imported parameter (nothing recorded) is
        left as it is."""
        param_id = str(_props.get("param_id") or _id)
        if _claims.owned_here((self.spec.name, self.provd_settings.endpoint, param_id)):
            return  # a create of this deployment took it over: its value is that resource's now
        recorded = _props.get(PREVIOUS_VALUE)
        if recorded is None:
            logging.getLogger(__name__).warning("%s: no value was recorded (imported?), left as it is", param_id)
            return
        previous = json.loads(recorded) if isinstance(recorded, str) else recorded
        api = self.provd()
        try:
            api.set_param(param_id, _normal(previous))
        except NotFoundError:
            return


def _is_value(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str | int)


def _normal(value: Any) -> ConfigValue:
    """The value as sent: the state carries every number as a float, so integral ones are ints again."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)
