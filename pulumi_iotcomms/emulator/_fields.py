"""Field behaviour read from the wire models: which fields the server sets and what it fills in.

The emulator keeps no list of its own, so a field marked ``COMPUTED`` (or given a ``server_default``)
in :mod:`pulumi_iotcomms.api` is treated as such here too.
"""

from __future__ import annotations

from typing import Any

from pulumi_iotcomms.api._schema import WireModel, behaviour

__all__ = ["computed_fields", "server_defaults", "settable_fields"]


def _wire_name(model: type[WireModel], name: str) -> str:
    return model.model_fields[name].alias or name


def computed_fields(model: type[WireModel]) -> tuple[str, ...]:
    """Wire names of the fields the server sets, in declaration order."""
    return tuple(_wire_name(model, n) for n in model.model_fields if behaviour(model, n).computed)


def settable_fields(model: type[WireModel]) -> tuple[str, ...]:
    """Wire names of the declared fields a client sets (all but the computed ones), in declaration order."""
    return tuple(_wire_name(model, n) for n in model.model_fields if not behaviour(model, n).computed)


def server_defaults(model: type[WireModel]) -> dict[str, Any]:
    """``{wire name: value}`` the server fills in when a body leaves the field out."""
    out = {}
    for name in model.model_fields:
        default = behaviour(model, name).server_default
        if default is not None:
            out[_wire_name(model, name)] = default
    return out
