"""The one diff/patch engine: state ⇄ wire mapping, validation, diff and minimal patches.

Everything here is driven by the wire models and their :class:`~pulumi_iotcomms.api._schema.Behaviour`
metadata; no resource has field-specific if-statements. State (Pulumi inputs and outputs) uses the
snake_case attribute names; free-form JSON objects (``dict[str, Any]`` fields such as
``service_data``) pass through with their keys untouched.
"""

from __future__ import annotations

import functools
import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Union

import jsonpatch
from pulumi.output import Unknown
from pulumi.runtime import rpc

from pulumi_iotcomms.api._schema import Behaviour, WireModel, behaviour, validate_wire
from pulumi_iotcomms.errors import InputError

__all__ = [
    "Field",
    "changed_fields",
    "fields_of",
    "from_wire",
    "is_unknown",
    "minimal_patch",
    "normalize",
    "same_json",
    "secret_fields",
    "to_wire",
    "validate_state",
]


@dataclass(frozen=True)
class Field:
    """One model field as the engine sees it."""

    name: str
    alias: str
    sub: type[WireModel] | None
    many: bool
    behaviour: Behaviour


def _unwrap(annotation: Any) -> tuple[type[WireModel] | None, bool]:
    """The nested model inside ``X | None``, ``list[X]`` or ``Annotated[...]``, and whether it is a list."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        for arg in typing.get_args(annotation):
            sub, many = _unwrap(arg)
            if sub is not None:
                return sub, many
        return None, False
    if origin is list:
        sub, _ = _unwrap(typing.get_args(annotation)[0])
        return sub, sub is not None
    if isinstance(annotation, type) and issubclass(annotation, WireModel):
        return annotation, False
    return None, False


@functools.cache
def fields_of(model: type[WireModel]) -> dict[str, Field]:
    """The model's fields by state (snake_case) name."""
    out = {}
    for name, info in model.model_fields.items():
        sub, many = _unwrap(info.annotation)
        out[name] = Field(name, info.alias or name, sub, many, behaviour(model, name))
    return out


@functools.cache
def _by_alias(model: type[WireModel]) -> dict[str, Field]:
    return {f.alias: f for f in fields_of(model).values()}


def is_unknown(value: Any) -> bool:
    """True for a value the engine does not know yet (a preview of a not-yet-created output).

    The SDK's host hands unknowns to ``check``/``diff`` as :class:`pulumi.output.Unknown`; the wire
    sentinel string is accepted too.
    """
    return isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN)


def normalize(value: Any) -> Any:
    """Pulumi carries every number as a float; give integral floats back their int form."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def to_wire(model: type[WireModel], state: Mapping[str, Any], path: str = "") -> dict[str, Any]:
    """State → wire. Unknown keys raise :class:`InputError` naming the path and the allowed names."""
    fields = fields_of(model)
    out: dict[str, Any] = {}
    for key, value in state.items():
        field = fields.get(key)
        where = f"{path}{key}"
        if field is None:
            allowed = ", ".join(n for n, f in fields.items() if not f.behaviour.computed)
            raise InputError("unknown property", path=where, allowed=allowed)
        if value is None or field.behaviour.computed:
            continue
        if field.sub is not None and field.many and isinstance(value, list):
            out[field.alias] = [
                to_wire(field.sub, item, f"{where}[{i}].") if isinstance(item, dict) else normalize(item)
                for i, item in enumerate(value)
            ]
        elif field.sub is not None and isinstance(value, dict):
            out[field.alias] = to_wire(field.sub, value, f"{where}.")
        else:
            out[field.alias] = normalize(value)
    return out


def from_wire(model: type[WireModel], wire: Mapping[str, Any]) -> dict[str, Any]:
    """Wire → state. Wire fields the model does not know are dropped (nobody manages them)."""
    fields = _by_alias(model)
    out: dict[str, Any] = {}
    for key, value in wire.items():
        field = fields.get(key)
        if field is None or value is None:
            continue
        if field.sub is not None and field.many and isinstance(value, list):
            out[field.name] = [from_wire(field.sub, v) if isinstance(v, dict) else v for v in value]
        elif field.sub is not None and isinstance(value, dict):
            out[field.name] = from_wire(field.sub, value)
        else:
            out[field.name] = normalize(value)
    return out


def _state_path(model: type[WireModel] | None, wire_path: str) -> str:
    """``targetEndpoint.backupEndpoint.backupDestAddr`` → ``target_endpoint.backup_endpoint.backup_dest_addr``."""
    out: list[str] = []
    for part in wire_path.split("."):
        name, bracket, rest = part.partition("[")
        field = _by_alias(model).get(name) if model is not None else None
        out.append((field.name if field else name) + (bracket + rest if bracket else ""))
        model = field.sub if field else None
    return ".".join(out)


def _unknown_paths(value: Any, path: str = "") -> list[str]:
    if is_unknown(value):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _unknown_paths(v, f"{path}.{k}" if path else k)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _unknown_paths(v, f"{path}[{i}]")]
    return []


def _strip_unknown(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_unknown(v) for k, v in value.items() if not is_unknown(v)}
    if isinstance(value, list):
        # An unknown item becomes None rather than vanishing, so the items after it keep their index
        # (errors name the right item) and length limits count it; its own error is then skipped.
        return [None if is_unknown(v) else _strip_unknown(v) for v in value]
    return value


_NON_FINITE = "must be a finite number: JSON has no NaN or Infinity"


def _non_finite_paths(value: Any, path: str = "") -> list[str]:
    """Paths of NaN and infinite numbers anywhere in ``value``, free-form objects included."""
    if isinstance(value, float) and not math.isfinite(value):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _non_finite_paths(v, f"{path}.{k}" if path else str(k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _non_finite_paths(v, f"{path}[{i}]")]
    return []


def validate_state(model: type[WireModel], state: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every problem with ``state`` as ``(property path, problem)``; values unknown in a preview are skipped.

    NaN and infinite numbers are refused wherever they are, inside free-form objects too (the schema
    can only say so for its typed number fields).
    """
    unknown = _unknown_paths(dict(state))
    non_finite = _non_finite_paths(dict(state))
    out = [(path, _NON_FINITE) for path in non_finite]
    try:
        wire = to_wire(model, _strip_unknown(dict(state)))
    except InputError as exc:
        return [*out, (exc.path, f"unknown property; allowed: {exc.allowed}")]
    _, errors = validate_wire(model, wire)
    for wire_path, problem in errors:
        path = _state_path(model, wire_path)
        if any(path == u or path.startswith(u + ".") or path.startswith(u + "[") for u in unknown):
            continue
        if path in non_finite:
            continue  # already reported, in the words above
        out.append((path, _python_words(model).sub(lambda m: _python_names(model)[m.group(0)], problem)))
    return out


@functools.cache
def _python_names(model: type[WireModel]) -> dict[str, str]:
    """Wire name -> state (Python) name of every field of ``model`` and its nested models that differ."""
    out: dict[str, str] = {}
    for field in fields_of(model).values():
        if field.alias != field.name:
            out[field.alias] = field.name
        if field.sub is not None:
            out.update(_python_names(field.sub))
    return out


@functools.cache
def _python_words(model: type[WireModel]) -> re.Pattern[str]:
    """Matches a wire field name as a word of a message, to say it as the program does (``user_name``)."""
    names = sorted(_python_names(model), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(map(re.escape, names)) + r")\b" if names else r"(?!)")


def secret_fields(model: type[WireModel]) -> frozenset[str]:
    """Top-level state names whose value is, or contains, a secret."""

    def has_secret(m: type[WireModel]) -> bool:
        return any(f.behaviour.secret or (f.sub is not None and has_secret(f.sub)) for f in fields_of(m).values())

    return frozenset(
        f.name for f in fields_of(model).values() if f.behaviour.secret or (f.sub is not None and has_secret(f.sub))
    )


def changed_fields(model: type[WireModel], olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """Managed model fields whose desired value differs from the recorded one.

    A field is managed when the user sets it now or set it before (removing it is a change);
    computed fields never count, and an absent value equals the server default, so server-side
    defaults and generated values cause no diff.
    """
    out = []
    for name, field in fields_of(model).items():
        if field.behaviour.computed:
            continue
        default = field.behaviour.server_default
        old = olds.get(name, default) if olds.get(name) is not None else default
        new = news.get(name, default) if news.get(name) is not None else default
        if new is None and old is None:
            continue
        if is_unknown(new) or _has_unknown(new) or not same_json(normalize(old), normalize(new)):
            out.append(name)
    return out


def same_json(a: Any, b: Any) -> bool:
    """JSON equality: unlike ``==`` in Python, ``true`` is not ``1`` and ``false`` is not ``0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _has_unknown(value: Any) -> bool:
    return bool(_unknown_paths(value)) if isinstance(value, (dict, list)) else False


def minimal_patch(
    model: type[WireModel],
    server: Mapping[str, Any],
    desired: Mapping[str, Any],
    managed: set[str],
    send_write_only: bool,
) -> list[dict[str, Any]]:
    """The RFC 6902 operations that turn the server's object into the desired one.

    Only ``managed`` state fields are touched. Write-only fields (the server never returns them)
    are sent only when ``send_write_only`` (their desired value changed).
    """
    current_view: dict[str, Any] = {}
    desired_view: dict[str, Any] = {}
    for name, field in fields_of(model).items():
        if name not in managed or field.behaviour.computed:
            continue
        if field.behaviour.write_only and not send_write_only:
            continue
        if field.alias in server and not field.behaviour.write_only:
            current_view[field.alias] = normalize(server[field.alias])
        if field.alias in desired:
            desired_view[field.alias] = normalize(desired[field.alias])
    ops: list[dict[str, Any]] = list(jsonpatch.make_patch(current_view, desired_view))
    return ops
