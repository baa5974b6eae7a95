"""The bad-input corpus: invalid inputs for all nine resources, each to be rejected by ``check`` before
any request is sent, plus CSV-injection cells rejected by the bulk CSV renderer.

Most cases are derived from the wire models' metadata (:func:`schema_cases`): for every field, a
member outside each ``Literal``, a string failing each ``pattern``, a value just outside each
``ge``/``le``, a string one over ``max_length`` (or under ``min_length``), a value each format
validator rejects (https-only URLs, regular expressions, IP addresses, CIDRs), a missing required
field and a value of the wrong type, recursing into nested objects and list items. Hand-written
cases add what metadata cannot say: hostile ids and domains (traversal, injection, over-long),
mutually dependent fields, and unknown property names.

Used by ``tests/reliability/test_bad_input.py`` and ``bench/reliability_report.py`` (:func:`run_corpus`).
"""

from __future__ import annotations

import copy
import itertools
import math
import re
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union

import annotated_types
from pydantic import AfterValidator, BaseModel
from pydantic.fields import FieldInfo

from pulumi_iotcomms._auth import TokenAuth
from pulumi_iotcomms._transport import Transport
from pulumi_iotcomms.api.device import Device as DeviceModel
from pulumi_iotcomms.api.device import DeviceApi
from pulumi_iotcomms.errors import InputError
from pulumi_iotcomms.resources import (
    AlarmBridgeProvider,
    AlarmEventMapperProvider,
    CloudSipUaProvider,
    DeviceProvider,
    MediaServiceProvider,
    NotificationSettingsProvider,
    SiprecServiceProvider,
    SiteHostProvider,
    TrunkProvider,
)
from pulumi_iotcomms.resources._config import Settings
from pulumi_iotcomms.resources._engine import fields_of
from pulumi_iotcomms.resources._provider import IotcommsProvider
from tests.emulator_client import DOMAIN, TOKEN, EmulatorClient

__all__ = ["BASES", "Case", "CsvCase", "corpus", "csv_cases", "problems", "run_corpus", "schema_cases", "under"]

Key = str | int
MISSING: Any = object()
"""Stands for "the input is absent"."""

#: Valid inputs of each resource (as the engine passes them: numbers as floats); every case breaks one thing.
BASES: dict[type[IotcommsProvider], dict[str, Any]] = {
    DeviceProvider: {"device_id": "unit-1", "auth_type": "deviceid"},
    TrunkProvider: {"destination_target": "pbx.example.com", "destination_transport": "udp", "destination_match": "^4"},
    MediaServiceProvider: {
        "name": "ivr",
        "destination_match": "^4620",
        "callback_base_url": "https://ivr.example.com",
        "rest_authentication": [{"type": "RS256"}],
    },
    AlarmBridgeProvider: {"name": "bridge", "protocol": "scaip", "protocol_mode": "dtmf", "destination_match": "^4610"},
    AlarmEventMapperProvider: {"name": "arc", "alarm_handling": "drop", "target_endpoint": {"protocol": "scaip"}},
    CloudSipUaProvider: {"name": "ua", "destination_match": "^4630", "callback_base_url": "https://ua.example.com"},
    SiteHostProvider: {"site_id": "stockholm", "host_id": "a"},
    NotificationSettingsProvider: {},
    SiprecServiceProvider: {},
}

#: Hostile values for anything that ends up in a URL path (ids, site and host names).
ID_ATTACKS: dict[str, Any] = {
    "traversal": "../x",
    "dot segment": "..",
    "separator": "a/b",
    "backslash": "a\\b",
    "encoded dots": "%2e%2e",
    "header injection": "x\nInjected: 1",
    "trailing newline": "x\n",
    "inner dot segment": "a..b",
    "markup": "<script>alert(1)</script>",
    "sql": "'; DROP TABLE devices;--",
    "space": "a b",
    "empty": "",
    "over-long": "x" * 300,
    "number": 7.0,
}
DOMAIN_ATTACKS: dict[str, Any] = {
    "traversal": "evil.com/../x",
    "leading traversal": "../acme.example",
    "encoded slash": "acme.example%2f..",
    "trailing newline": "acme.example\n",
    "space": "acme example",
    "leading hyphen": "-acme.example",
    "empty": "",
    "number": 7.0,
}
#: Format validators are probed with these; the first one a validator rejects is used.
_FORMAT_PROBES = ("http://insecure.example.com", "ftp://files.example.com", "(unclosed", "999.0.0.1")
_PATTERN_PROBES = ("no match!", "a b", "<>")
#: A reason must say what is allowed, not just that something is wrong.
ALLOWED_HINT = re.compile(
    r"should|must|required|allowed|expected|only|valid|not an? |together|either|at (?:most|least)", re.IGNORECASE
)


@dataclass(frozen=True)
class Case:
    """One invalid input: ``check`` of ``provider`` must fail at ``path`` (or below it), and only there."""

    category: str
    provider: type[IotcommsProvider]
    inputs: Mapping[str, Any]
    path: str
    label: str


@dataclass(frozen=True)
class CsvCase:
    """Devices whose bulk CSV has a formula-like cell at ``row``/``column``; the upload must refuse it."""

    label: str
    devices: tuple[DeviceModel, ...]
    row: int
    column: str
    category: str = "csv-injection"


# -- paths and values ------------------------------------------------------------------------------


def path_text(path: tuple[Key, ...]) -> str:
    """``("rest_authentication", 0, "secret")`` → ``rest_authentication[0].secret``."""
    out = ""
    for key in path:
        out += f"[{key}]" if isinstance(key, int) else (f".{key}" if out else key)
    return out


def with_value(inputs: Mapping[str, Any], path: tuple[Key, ...], value: Any) -> dict[str, Any]:
    """A deep copy of ``inputs`` with ``value`` at ``path`` (parents created; lists get one item)."""
    out = copy.deepcopy(dict(inputs))
    node: Any = out
    for key, nxt in itertools.pairwise(path):
        if isinstance(key, int):
            if not node:
                node.append({})
            node = node[0]
        else:
            node = node.setdefault(key, [] if isinstance(nxt, int) else {})
    last = path[-1]
    if value is MISSING:
        node.pop(last, None)
    elif isinstance(last, int):
        node[:] = [value]
    else:
        node[last] = value
    return out


def _shape(annotation: Any) -> tuple[Any, list[Any]]:
    """The type inside ``Annotated``/``Optional`` wrappers and the metadata collected on the way."""
    metadata: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation, *extra = typing.get_args(annotation)
            for item in extra:
                metadata += item.metadata if isinstance(item, FieldInfo) else [item]
        elif origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) > 1:
                return annotation, metadata
            annotation = members[0]
        else:
            return annotation, metadata


def _first_rejected(accepts: Callable[[str], bool], probes: tuple[str, ...]) -> str:
    return next(p for p in probes if not accepts(p))


def _pattern_accepts(pattern: str) -> Callable[[str], bool]:
    search = re.compile(pattern).search
    return lambda value: search(value) is not None


def _validator_accepts(func: Callable[[Any], Any]) -> Callable[[str], bool]:
    def accepts(value: str) -> bool:
        try:
            func(value)
        except ValueError:
            return False
        return True

    return accepts


def _constraint_values(base: Any, metadata: list[Any]) -> Iterator[tuple[str, str, Any]]:
    """``(category, label, value)`` breaking each declared constraint."""
    for item in metadata:
        if isinstance(item, AfterValidator):
            func = item.func
            category = "https-url" if "https" in func.__name__ else "format"
            yield category, func.__name__.strip("_"), _first_rejected(_validator_accepts(func), _FORMAT_PROBES)  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Ge):
            yield "range", f"below {item.ge}", float(item.ge) - 1  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.Le):
            yield "range", f"above {item.le}", float(item.le) + 1  # type: ignore[arg-type]
        elif isinstance(item, annotated_types.MaxLen):
            yield "length", f"over {item.max_length}", "x" * (item.max_length + 1)
        elif isinstance(item, annotated_types.MinLen):
            yield "length", f"under {item.min_length}", "" if base is str else []
        elif getattr(item, "pattern", None):
            yield "pattern", "no match", _first_rejected(_pattern_accepts(str(item.pattern)), _PATTERN_PROBES)
    if typing.get_origin(base) is Literal:
        yield "enum", "not a member", "not-a-member"


def _wrong_types(base: Any) -> Iterator[tuple[str, Any]]:
    origin = typing.get_origin(base)
    if base is bool:
        yield "string for bool", "yes"
    elif base is int:
        yield "string for int", "ten"
        yield "fraction for int", 2.5
    elif base is float:
        yield "string for number", "ten"
    elif base is str or origin in (Literal, Union, types.UnionType):
        yield "number for string", 7.0
    elif origin is list:
        yield "string for list", "not-a-list"
    elif origin is dict or (isinstance(base, type) and issubclass(base, BaseModel)):
        yield "string for object", "not-an-object"


def _value_cases(path: tuple[Key, ...], annotation: Any, metadata: list[Any]) -> Iterator[tuple[str, str, Any]]:
    """``(category, label, value)`` for the value at ``path``, then for its items/fields (with their paths)."""
    base, inner = _shape(annotation)
    for category, label, value in _constraint_values(base, [*metadata, *inner]):
        yield category, label, (path, value)
    for label, value in _wrong_types(base):
        yield "type", label, (path, value)
    if typing.get_origin(base) is list:
        yield from _value_cases((*path, 0), typing.get_args(base)[0], [])
    elif isinstance(base, type) and issubclass(base, BaseModel):
        yield from _model_cases(base, path, frozenset())


def _model_cases(model: type[BaseModel], prefix: tuple[Key, ...], excluded: frozenset[str]) -> Iterator[Any]:
    for name, info in model.model_fields.items():
        beh = fields_of(model)[name].behaviour
        if beh.computed or name in excluded:
            continue
        path = (*prefix, name)
        if info.is_required():
            yield "required", "missing", (path, MISSING)
        yield from _value_cases(path, info.annotation, list(info.metadata))


def schema_cases(provider: type[IotcommsProvider]) -> list[Case]:
    """Cases derived from ``provider``'s wire model metadata."""
    base = {"resource_name": "res", **BASES[provider]}
    return [
        Case(category, provider, with_value(base, path, value), path_text(path), f"{path_text(path)}: {label}")
        for category, label, (path, value) in _model_cases(provider.spec.model, (), provider.spec.excluded)
    ]


def _input_cases(provider: type[IotcommsProvider]) -> list[Case]:
    """Provider-side inputs: the domain, the id (or site/host names), flags and unknown names."""
    base = {"resource_name": "res", **BASES[provider]}
    spec = provider.spec
    out = [Case("domain", provider, {**base, "domain": v}, "domain", f"domain: {k}") for k, v in DOMAIN_ATTACKS.items()]
    names = [spec.id_input] if spec.id_input else [n for n in ("site_id", "host_id") if n in spec.inputs()]
    for name, (label, value) in itertools.product(names, ID_ATTACKS.items()):
        out.append(Case("id", provider, {**base, name: value}, name, f"{name}: {label}"))
    flags = [n for n, b in spec.inputs().items() if isinstance(b.server_default, bool)]
    out += [Case("type", provider, {**base, n: "yes"}, n, f"{n}: string for bool") for n in flags]
    out.append(Case("unknown-property", provider, {**base, "descripton": "typo"}, "descripton", "misspelt name"))
    return out


def _dependent_cases() -> list[Case]:
    """Fields that only make sense together, and shapes the schema checks inside free-form objects."""
    device, trunk, host = BASES[DeviceProvider], BASES[TrunkProvider], BASES[SiteHostProvider]
    userid = {**device, "auth_type": "userid", "password": "pw", "authorized": {"register": True}}
    credentials = {"user_name": "pbx", "realm": "pbx.example.com", "password": "pw"}
    hb = {"alarmBridge": {"heartbeatInterval": 1000.0}}
    nan_at = "service_data.alarmBridge.x"
    rows: list[tuple[str, type[IotcommsProvider], dict[str, Any], str, str]] = [
        ("dependent", DeviceProvider, {**userid, "password": MISSING}, "password", "userid without password"),
        ("dependent", DeviceProvider, {**userid, "authorized": MISSING}, "authorized", "userid without authorized"),
        ("dependent", DeviceProvider, {**device, "ha1": "0" * 32}, "ha1", "ha1 without credentials"),
        ("range", DeviceProvider, {**device, "service_data": hb}, "service_data.alarmBridge", "heartbeat too short"),
        (
            "enum",
            DeviceProvider,
            {**device, "service_data": {"alarmBridge": {"alarmProtocol": "morse"}}},
            "service_data.alarmBridge",
            "unknown alarm protocol",
        ),
        ("dependent", TrunkProvider, {**trunk, "user_name": "pbx"}, "realm", "user_name alone"),
        ("dependent", TrunkProvider, {**trunk, **credentials, "password": MISSING}, "password", "no password"),
        ("dependent", TrunkProvider, {**trunk, **credentials, "user_name": MISSING}, "user_name", "no user_name"),
        ("dependent", TrunkProvider, {**trunk, **credentials, "ha1": "0" * 32}, "ha1", "password and ha1"),
        (
            "dependent",
            SiteHostProvider,
            {**host, "network_interfaces": ["10.0.0.2"]},
            "network_prefix_length",
            "no len",
        ),
        ("dependent", SiteHostProvider, {**host, "network_prefix_length": 24.0}, "network_interfaces", "no addresses"),
        (
            "dependent",
            SiteHostProvider,
            {**host, "network_interfaces": ["10.0.0.2"], "network_prefix_length": 33.0},
            "network_prefix_length",
            "IPv4 prefix over 32",
        ),
        (
            "dependent",
            SiteHostProvider,
            {**host, "network_interfaces": ["fd00::2"], "network_prefix_length": 129.0},
            "network_prefix_length",
            "IPv6 prefix over 128",
        ),
        ("unknown-property", DeviceProvider, {**device, "authorized": {"evil": True}}, "authorized.evil", "nested"),
        # JSON has no NaN or Infinity: refused inside free-form objects too, where no schema types the number.
        ("type", DeviceProvider, {**device, "service_data": {"alarmBridge": {"x": math.nan}}}, nan_at, "NaN"),
        ("type", DeviceProvider, {**device, "service_data": {"custom": [math.inf]}}, "service_data.custom[0]", "inf"),
        (
            "type",
            AlarmEventMapperProvider,
            {**BASES[AlarmEventMapperProvider], "mapping_rules": {"scaip": [{"priority": -math.inf}]}},
            "mapping_rules.scaip[0].priority",
            "-inf in mapping rules",
        ),
        (
            "unknown-property",
            AlarmEventMapperProvider,
            {**BASES[AlarmEventMapperProvider], "target_endpoint": {"password": "x"}},
            "target_endpoint.password",
            "nested",
        ),
    ]
    return [
        Case(
            category,
            provider,
            {"resource_name": "res", **{k: v for k, v in given.items() if v is not MISSING}},
            at,
            label,
        )
        for category, provider, given, at, label in rows
    ]


def corpus() -> list[Case]:
    """Every ``check`` case, all nine resources."""
    return [c for p in BASES for c in (*schema_cases(p), *_input_cases(p))] + _dependent_cases()


def csv_cases() -> list[CsvCase]:
    """Devices with one formula-like cell each (row 1 is the header; the bad device is last)."""
    ok = DeviceModel(device_id="+46701234567", auth_type="deviceid", description="-5")
    cells: list[tuple[str, str, dict[str, Any]]] = [
        ("equals", "description", {"description": '=HYPERLINK("https://evil.example")'}),
        ("at", "description", {"description": "@SUM(A1:A9)"}),
        ("tab", "macAddress", {"mac_address": "\t=1+1"}),
        ("carriage return", "deviceCLI", {"device_cli": "\r=1+1"}),
        ("plus formula", "description", {"description": "+1+cmd|' /C calc'!A0"}),
        ("minus formula", "deviceCLI", {"device_cli": "-2+3"}),
        ("password", "password", {"auth_type": "userid", "password": "=cmd", "authorized": {"register": True}}),
        ("nested", "authorized.invite", {"auth_type": "userid", "password": "p", "authorized": {"invite": "@x"}}),
    ]
    out = []
    for label, column, fields in cells:
        bad = DeviceModel.model_validate({"device_id": "unit-9", "auth_type": "deviceid", **fields})
        out.append(CsvCase(f"{column}: {label}", (bad,), 2, column))
        out.append(CsvCase(f"{column}: {label}, second row", (ok, bad), 3, column))
    return out


# -- running ---------------------------------------------------------------------------------------


def under(prop: str, path: str) -> bool:
    return prop == path or prop.startswith((f"{path}.", f"{path}["))


def check_problem(case: Case, settings: Settings) -> str | None:
    """What is wrong with how ``check`` handled ``case`` (None: rejected at the path, saying what is allowed)."""
    provider = case.provider()
    provider._settings = settings
    try:
        failures = [(f.property, f.reason) for f in provider.check({}, copy.deepcopy(dict(case.inputs))).failures]
    except Exception as exc:
        return f"check raised {exc!r}"
    if not failures:
        return "accepted"
    elsewhere = [f for f in failures if not under(f[0], case.path)]
    vague = [f for f in failures if not f[1] or not ALLOWED_HINT.search(f[1])]
    if elsewhere or vague:
        return f"failures {failures} (expected only at {case.path!r}, each saying what is allowed)"
    return None


def csv_problem(case: CsvCase, api: DeviceApi) -> str | None:
    """What is wrong with how the bulk upload handled ``case`` (None: refused, naming row and column)."""
    try:
        api.bulk_upload(DOMAIN, "corpus", list(case.devices))
    except InputError as exc:
        expected = f"row {case.row}, column {case.column}"
        return None if exc.path == expected and exc.allowed else f"refused at {exc.path!r}, expected {expected!r}"
    return "uploaded"


def problems(url: str) -> tuple[list[str], int]:
    """Run the whole corpus against an emulator at ``url``; returns ``(problems, cases tried)``."""
    settings = Settings(endpoint=url, token=TOKEN, domain=DOMAIN)
    out: list[str] = []
    cases = corpus()
    for case in cases:
        problem = check_problem(case, settings)
        if problem:
            out.append(f"{case.provider.spec.name} {case.label} [{case.category}]: {problem}")
    csv = csv_cases()
    with Transport(url, TokenAuth(TOKEN), max_retries=0) as transport:
        api = DeviceApi(transport)
        out += [f"bulk {c.label}: {p}" for c in csv if (p := csv_problem(c, api))]
    return out, len(cases) + len(csv)


def run_corpus(client: EmulatorClient) -> tuple[int, int, int]:
    """``(caught, tried, requests that reached the emulator)`` for the whole corpus."""
    client.clear_requests()
    found, tried = problems(client.url)
    return tried - len(found), tried, len(client.requests())
