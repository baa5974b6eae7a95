"""Property values as the engine sees them: plain JSON-like data plus secrets and unknowns.

The Go engine models resource properties as ``resource.PropertyValue`` with two special
markers: *secret* (encrypted in the state, hidden in diffs) and *computed* (unknown
during a preview). The harness mirrors that with :class:`Secret` and :data:`UNKNOWN`.

Conversion to/from the wire goes through the Python SDK's own ``pulumi.runtime.rpc``
(``serialize_properties`` / ``deserialize_properties``), so secrets travel as the
``4dabf181...``/``1b47061...`` signature objects and unknowns as the
``04da6b54-...`` sentinel string, exactly as between the engine and a provider.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final, TypeAlias

from google.protobuf import struct_pb2  # type: ignore[import-untyped, unused-ignore]
from pulumi.output import Unknown as _SdkUnknown
from pulumi.runtime import rpc

__all__ = [
    "SECRET_SIG",
    "SECRET_SIG_KEY",
    "UNKNOWN",
    "PropertyMap",
    "Secret",
    "Unknown",
    "annotate_secrets",
    "changed_keys",
    "contains_secrets",
    "contains_unknowns",
    "from_rpc",
    "from_struct",
    "go_property_string",
    "is_secret",
    "mark_secret_outputs",
    "reveal",
    "to_rpc",
    "to_struct",
    "values_equal",
]

SECRET_SIG_KEY: Final = "4dabf18193072939515e22adb298388d"
"""The signature key the engine uses for special objects in property maps."""

SECRET_SIG: Final = "1b47061264138c4ac30d75fd1eb44270"
"""The signature value identifying a secret."""


class Unknown:
    """The harness's marker for a value that is not known yet (an engine "computed")."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        """Return the singleton."""
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        """Render as ``UNKNOWN``."""
        return "UNKNOWN"

    def __reduce__(self) -> str:
        """Keep the singleton when pickled/copied."""
        return "UNKNOWN"


UNKNOWN: Final = Unknown()
"""The singleton unknown value (what the program sees as an unknown ``Output``)."""


@dataclass(frozen=True)
class Secret:
    """A property value marked secret. Equality compares the wrapped value."""

    value: Any

    def __repr__(self) -> str:
        """Never show the plaintext."""
        return "Secret(***)"


PropertyMap: TypeAlias = dict[str, Any]
"""A resource's inputs or outputs: str keys, values built from JSON types, Secret, UNKNOWN."""


# -- inspection ------------------------------------------------------------------------------


def is_secret(value: Any) -> bool:
    """Whether ``value`` itself is marked secret."""
    return isinstance(value, Secret)


def contains_secrets(value: Any) -> bool:
    """Whether ``value`` is or (deeply) contains a secret."""
    if isinstance(value, Secret):
        return True
    if isinstance(value, Mapping):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_secrets(v) for v in value)
    return False


def contains_unknowns(value: Any) -> bool:
    """Whether ``value`` is or (deeply) contains an unknown."""
    if value is UNKNOWN:
        return True
    if isinstance(value, Secret):
        return contains_unknowns(value.value)
    if isinstance(value, Mapping):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknowns(v) for v in value)
    return False


def reveal(value: Any) -> Any:
    """Return ``value`` with every secret marker removed (unknowns are kept)."""
    if isinstance(value, Secret):
        return reveal(value.value)
    if isinstance(value, Mapping):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [reveal(v) for v in value]
    return value


def values_equal(old: Any, new: Any) -> bool:
    """Deep equality ignoring secretness; an unknown never equals anything (engine rule)."""
    if old is UNKNOWN or new is UNKNOWN:
        return False
    if isinstance(old, Secret) or isinstance(new, Secret):
        return values_equal(
            old.value if isinstance(old, Secret) else old, new.value if isinstance(new, Secret) else new
        )
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        return old.keys() == new.keys() and all(values_equal(old[k], new[k]) for k in old)
    if isinstance(old, list | tuple) and isinstance(new, list | tuple):
        return len(old) == len(new) and all(values_equal(a, b) for a, b in zip(old, new, strict=True))
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    return bool(old == new)


def changed_keys(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Top-level keys added, removed or changed between two property maps (sorted)."""
    keys = set(old) | set(new)
    return sorted(k for k in keys if k not in old or k not in new or not values_equal(old[k], new[k]))


def annotate_secrets(outs: PropertyMap, ins: Mapping[str, Any]) -> PropertyMap:
    """Copy secretness from ``ins`` to same-named ``outs`` (Go ``annotateSecrets``).

    Used because the dynamic provider host answers ``acceptSecrets: false`` in Configure,
    so the engine strips secrets before each call and re-applies them to the results.
    Objects are walked recursively; any other value that contained a secret on the
    input side is marked secret as a whole.
    """
    result = dict(outs)
    for key, in_value in ins.items():
        if key not in result:
            continue
        out_value = result[key]
        if isinstance(out_value, Mapping) and isinstance(in_value, Mapping):
            result[key] = annotate_secrets(dict(out_value), in_value)
        elif not isinstance(out_value, Secret) and contains_secrets(in_value):
            result[key] = Secret(out_value)
    return result


def mark_secret_outputs(outs: PropertyMap, keys: list[str]) -> PropertyMap:
    """Mark ``additionalSecretOutputs`` keys secret, as the step executor does."""
    result = dict(outs)
    for key in keys:
        if key in result and not isinstance(result[key], Secret):
            result[key] = Secret(result[key])
    return result


# -- rendering as the engine prints values ---------------------------------------------------------


def _go_float(number: float) -> str:
    """``fmt.Sprint(float64)``, i.e. ``strconv.FormatFloat(f, 'g', -1, 64)``: the shortest digits,
    in exponent form when the exponent is below -4 or at least 6 (``300000``, ``1e+06``)."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number == 0:
        return "-0" if math.copysign(1.0, number) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(float(number))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    point = len(digits) + int(exponent)  # digits before the decimal point (strconv's digs.dp)
    prefix = "-" if sign else ""
    power = point - 1
    if power < -4 or power >= 6:  # shortest precision: strconv decides with eprec = 6
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{prefix}{digits}{'0' * (point - len(digits))}"
    return f"{prefix}{digits[:point]}.{digits[point:]}"


def _go_type_string(value: Any) -> str:
    """``PropertyValue.TypeString()`` (an unknown from the Python SDK is a computed string)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "[]"
    if isinstance(value, Mapping):
        return "object"
    if value is UNKNOWN:
        return "output<string>"
    if isinstance(value, Secret):
        return f"secret<{_go_type_string(value.value)}>"
    return type(value).__name__


def _go_inner(value: Any) -> str:
    """``%v`` of ``PropertyValue.V``: maps as ``map[k:v ...]`` (keys sorted), arrays as ``[a b]``."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _go_float(float(value))
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{go_property_string(value[k])}" for k in sorted(value, key=str)) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_property_string(v) for v in value) + "]"
    return str(value)


def go_property_string(value: Any) -> str:
    """A property value as the engine prints it in diagnostics: ``PropertyValue.RedactSecrets()``.

    ``{text}`` for a string (``{}`` when empty), ``{5}``/``{true}``/``{<nil>}``, arrays
    ``{[{a} {b}]}``, objects ``{map[k:{v}]}``, a secret ``{[secret]}``, an unknown
    ``output<string>{}`` (``resource.PropertyValue.String`` in ``sdk/go/common/resource``).
    """
    if value is UNKNOWN:
        return f"{_go_type_string(value)}{{}}"
    if isinstance(value, Secret):
        return "{[secret]}"
    return "{" + _go_inner(value) + "}"


# -- wire conversion ---------------------------------------------------------------------------


def from_rpc(value: Any) -> Any:
    """Convert a value produced by ``rpc.deserialize_properties(..., keep_unknowns=True)``."""
    if isinstance(value, _SdkUnknown) or value == rpc.UNKNOWN:
        return UNKNOWN
    if rpc.is_rpc_secret(value):
        return Secret(from_rpc(rpc.unwrap_rpc_secret(value)))
    if isinstance(value, Mapping):
        return {str(k): from_rpc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [from_rpc(v) for v in value]
    return value


def to_rpc(value: Any, *, keep_secrets: bool, keep_unknowns: bool) -> Any:
    """Convert a harness value to the SDK's wire-ready Python form.

    Mirrors Go ``MarshalPropertyValue``: without ``keep_secrets`` secrets are sent as
    their plain value; without ``keep_unknowns`` unknown values are dropped (``None``).
    """
    if value is UNKNOWN:
        return rpc.UNKNOWN if keep_unknowns else None
    if isinstance(value, Secret):
        inner = to_rpc(value.value, keep_secrets=keep_secrets, keep_unknowns=keep_unknowns)
        return rpc.wrap_rpc_secret(inner) if keep_secrets else inner
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            converted = to_rpc(v, keep_secrets=keep_secrets, keep_unknowns=keep_unknowns)
            if converted is not None or v is None:
                out[str(k)] = converted
        return out
    if isinstance(value, list | tuple):
        return [to_rpc(v, keep_secrets=keep_secrets, keep_unknowns=keep_unknowns) for v in value]
    return value


def _run_coroutine(coro: Any) -> Any:
    loop = asyncio.new_event_loop()
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.close()


def to_struct(props: Mapping[str, Any], *, keep_secrets: bool, keep_unknowns: bool) -> struct_pb2.Struct:
    """Serialize a property map to a protobuf ``Struct`` with ``rpc.serialize_properties``."""
    plain = to_rpc(dict(props), keep_secrets=keep_secrets, keep_unknowns=keep_unknowns)
    struct: struct_pb2.Struct = _run_coroutine(rpc.serialize_properties(plain, {}))
    return struct


def from_struct(struct: struct_pb2.Struct | None) -> PropertyMap:
    """Deserialize a protobuf ``Struct`` (keeping secrets and unknowns)."""
    if struct is None:
        return {}
    raw = rpc.deserialize_properties(struct, keep_unknowns=True)
    converted = from_rpc(raw)
    if isinstance(converted, Secret):  # a whole-map secret cannot happen at top level
        converted = converted.value
    if not isinstance(converted, dict):
        raise TypeError(f"expected a property map, got {type(converted).__name__}")
    return converted
