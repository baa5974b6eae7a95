"""Schema base: wire models, field behaviour metadata and validation-error formatting.

Every API object is a :class:`WireModel`: snake_case attribute names (the Python and Pulumi state
names), camelCase aliases (the wire names), unknown fields kept (a document store keeps them).
Field *behaviour* is metadata on the type, read by the shared diff engine, never by per-resource code::

    description: Annotated[str | None, Field(max_length=200)] = None
    password: Annotated[str | None, SECRET] = None
    device_id: Annotated[str, REPLACE] = ...
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

__all__ = [
    "COMPUTED",
    "REPLACE",
    "SECRET",
    "WRITE_ONLY",
    "Behaviour",
    "HttpUrl",
    "HttpsUrl",
    "Int32",
    "IpAddress",
    "Regex",
    "ReplyModel",
    "RestAuthentication",
    "WireModel",
    "behaviour",
    "computed_fields",
    "format_errors",
    "server_defaults",
    "settable_fields",
    "validate_wire",
]


@dataclass(frozen=True)
class Behaviour:
    """How a field behaves across its lifecycle.

    Args:
        replace: a change replaces the object (identity or immutable field).
        secret: the value is a secret (kept secret in state, redacted in messages).
        computed: the server sets it; users never manage it and it never causes a diff.
        write_only: the server accepts it but never returns it, so drift cannot be seen.
        server_default: the value the server fills in when the field is absent.
        doc: documentation of a provider-side input (a wire field's is its attribute docstring).
        annotation: the Python type of a provider-side input, as generated code spells it.
        output_annotation: the type of its output where it differs (e.g. a list given, a map recorded).
        argument: a program sets it (False: an output the provider sets, e.g. a generated password).
        required: a program must set it (a provider-side input, or a wire field the API leaves optional
            but the resource needs; otherwise a wire field's follows from its type).
    """

    replace: bool = False
    secret: bool = False
    computed: bool = False
    write_only: bool = False
    server_default: Any = None
    doc: str = ""
    annotation: str = ""
    output_annotation: str = ""
    argument: bool = True
    required: bool = False


REPLACE = Behaviour(replace=True)
SECRET = Behaviour(secret=True)
COMPUTED = Behaviour(computed=True)
WRITE_ONLY = Behaviour(secret=True, write_only=True)


def behaviour(model: type[BaseModel], field: str) -> Behaviour:
    """Return the :class:`Behaviour` declared on ``model.field`` (a neutral one when none is)."""
    for item in model.model_fields[field].metadata:
        if isinstance(item, Behaviour):
            return item
    return Behaviour()


def _wire_name(model: type[BaseModel], name: str) -> str:
    return model.model_fields[name].alias or name


def computed_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Wire names of the fields the server sets, in declaration order (the bulk CSV leaves them out,
    the emulator ignores what a client sends for them)."""
    return tuple(_wire_name(model, n) for n in model.model_fields if behaviour(model, n).computed)


def settable_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """Wire names of the declared fields a client sets (all but the computed ones), in declaration order."""
    return tuple(_wire_name(model, n) for n in model.model_fields if not behaviour(model, n).computed)


def server_defaults(model: type[BaseModel]) -> dict[str, Any]:
    """``{wire name: value}`` the server fills in when a body leaves the field out."""
    out = {}
    for name in model.model_fields:
        default = behaviour(model, name).server_default
        if default is not None:
            out[_wire_name(model, name)] = default
    return out


class WireModel(BaseModel):
    """Base of every API object: snake_case names, camelCase wire aliases, unknown fields kept."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        strict=True,
        allow_inf_nan=False,  # JSON has no Infinity or NaN: reject them as input rather than send them
        use_attribute_docstrings=True,  # a field's docstring is its documentation (docs, generated code)
    )

    def to_wire(self) -> dict[str, Any]:
        """The object as the API expects it: camelCase, unset fields omitted, unknown fields kept."""
        return self.model_dump(by_alias=True, exclude_unset=True, mode="json")


class ReplyModel(WireModel):
    """Base of objects that are only read from answers (listings, statistics, logs): a :class:`WireModel`
    validated in lax mode, since a read takes what the server holds (``3.0`` for an integer) rather than
    enforce the rules of a write. Subclasses declare their documented fields optional."""

    model_config = ConfigDict(strict=False)


# JavaScript syntax Python's ``re`` spells differently or lacks, mapped to an equivalent (or, for
# Unicode property escapes, a stand-in of the same shape) so that only the syntax is checked.
_JS_TO_PYTHON: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\(\?<(?![=!])"), "(?P<"),  # named group
    (re.compile(r"\\k<(\w+)>"), r"(?P=\1)"),  # named backreference
    (re.compile(r"\\[pP]\{[\w=]+\}"), r"\\w"),  # Unicode property escape (u flag)
    (re.compile(r"\[\^\]"), r"[\\s\\S]"),  # [^] matches any character
)


def _check_regex(value: str) -> str:
    # The service is JavaScript; accept /body/flags literals and JS-only syntax.
    body = value
    if len(body) >= 2 and body.startswith("/") and body.rfind("/") > 0:
        body = body[1 : body.rfind("/")]
    for pattern, replacement in _JS_TO_PYTHON:
        body = pattern.sub(replacement, body)
    try:
        re.compile(body)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression ({exc})") from None
    return value


def _check_https(value: str) -> str:
    if not value.startswith("https://") or len(value) <= len("https://"):
        raise ValueError("must be a URL starting with https://")
    return value


def _check_http(value: str) -> str:
    if not (value.startswith("https://") or value.startswith("http://")):
        raise ValueError("must be a URL starting with http:// or https://")
    return value


def _check_ip(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid IPv4 or IPv6 address") from None
    return value


Regex = Annotated[str, Field(min_length=1), AfterValidator(_check_regex)]
HttpsUrl = Annotated[str, AfterValidator(_check_https)]
HttpUrl = Annotated[str, AfterValidator(_check_http)]
IpAddress = Annotated[str, AfterValidator(_check_ip)]
Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


class RestAuthentication(WireModel):
    """One callback authentication object; the service signs callback requests with it."""

    type: str | None = None
    """The signing algorithm, e.g. ``RS256``."""
    sub: str | None = None
    """The ``sub`` claim of the signed token."""
    scope: str | None = None
    """The ``scope`` claim of the signed token."""
    secret: Annotated[str | None, SECRET] = None
    """The signing secret."""
    request_headers: dict[str, Any] | None = None
    """Headers added to each callback request, keys verbatim."""


# Union members and validator wrappers appear in pydantic's loc; they are not field names.
_TAG = re.compile(r"^(literal\[|constrained-|function-|list\[|dict\[|nullable|tagged-union|(str|int|float|bool)$)")


def _loc_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, str) and _TAG.match(part):
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def format_errors(exc: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """Turn a pydantic error into ``(field path, problem)`` pairs using the names the input used.

    Model-level validators raise ``ValueError("field: problem")``; the field is split back out so
    every message names a field.
    """
    out: list[tuple[str, str]] = []
    for err in exc.errors(include_url=False, include_input=False):
        path = _loc_path(tuple(err["loc"]))
        msg = str(err["msg"])
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if err["type"] == "value_error" and ": " in msg:
            head, _, rest = msg.partition(": ")
            if " " not in head:
                path, msg = (f"{path}.{head}" if path else head), rest
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        path = path or "(body)"
        if out and out[-1][0] == path:
            # One field failing every member of a union: say so once.
            out[-1] = (path, f"{out[-1][1]}; or {msg[0].lower()}{msg[1:]}")
        else:
            out.append((path, msg))
    return out


def validate_wire(model: type[WireModel], body: Any) -> tuple[WireModel | None, list[tuple[str, str]]]:
    """Validate a wire (camelCase) body; returns the model or the ``(path, problem)`` list."""
    if not isinstance(body, dict):
        return None, [("(body)", "must be a JSON object")]
    try:
        return model.model_validate(body, by_alias=True, by_name=False), []
    except ValidationError as exc:
        return None, format_errors(exc)
